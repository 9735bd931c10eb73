// A crowd of idle subscribers on one replica, and an append delivered to the 1,000 of them that hold one
// stream (SSE tails) or one session (WebSocket session channels). The connections come from worker
// processes, each bound to its own loopback source address (127.0.0.2, 127.0.0.3, ...), so that the
// crowd is not capped by one address's ephemeral ports nor by one process's file descriptors.
//
// Usage: node crowd.mjs --base URL --pid SERVICE_PID --kind sse|ws --subs N --streams S --hot H
//                       --appends K --workers W --name NAME --out FILE.json
//   N idle subscribers over S streams (sse: the stream's tail; ws: the session channel of the
//   stream's session; ds: a Durable Streams SSE read of a /ds stream), plus H on one hot stream
//   (session); once all are open, K appends to the hot
//   stream, 200 ms apart, each carrying its wall-clock send time: every hot subscriber's delivery
//   latency counts. Reports the connect rate, the service's VmRSS before and with the crowd, memory
//   per connection, its open file descriptors and threads, and whether every connection stayed open.
import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { args, sleep, pool, openSse, target, stats, rssKiB, run } from './lib.mjs';

const KINDS = { sse: 'SSE tail', ws: 'WebSocket session channel', ds: 'Durable Streams SSE read' };
const wallNow = () => performance.timeOrigin + performance.now(); // ms, comparable across processes

if (process.argv[2] === '--worker') worker();
else if (process.argv[2] === '--report') report();
else parent();

function parent() {
  const a = args();
  const t = a.kind === 'ds' ? target('ds', `${a.base}/ds/v1/stream`) : target('sj', a.base);
  const prefix = `crowd-${a.kind}-${Date.now().toString(36)}`;
  const ids = Array.from({ length: a.streams }, (_, i) => `${prefix}-${i}`);
  const hot = `${prefix}-hot`;
  const path = (id) => (a.kind === 'ws' ? `/v1/sessions/s-${id}/live` : a.kind === 'ds' ? t.tailPath(id)
    : `/v1/streams/${id}/events`);

  run('crowd', a.name, a.out, 1200, async () => {
    await pool(ids.length + 1, 16, (i) => t.create(i < ids.length ? ids[i] : hot));
    // one event on every stream: a session channel opens with it, so its arrival says "subscribed"
    if (a.kind === 'ws') await pool(ids.length + 1, 16, (i) => t.append(i < ids.length ? ids[i] : hot, { text: 'hello' }));
    await sleep(3000);
    const before = rssKiB(a.pid);
    const liveBefore = liveHeapKiB(a.pid, a.histograms && `${a.histograms}/${a.kind}-before.txt`);

    // the crowd: hot subscribers first (spread over the workers), then the idle ones
    const items = [...Array.from({ length: a.hot }, () => ({ path: path(hot), hot: true })),
      ...Array.from({ length: a.subs }, (_, i) => ({ path: path(ids[i % ids.length]), hot: false }))];
    const workers = Array.from({ length: a.workers }, (_, w) => spawn(w));
    const shares = workers.map(() => []);
    items.forEach((item, i) => shares[i % workers.length].push(item));
    const started = performance.now();
    const opened = await Promise.all(workers.map((w, i) => w.ask({ cmd: 'open', kind: a.kind, base: a.base,
      items: shares[i], localAddress: `127.0.0.${2 + i}`, concurrency: 100 })));
    const connectSeconds = (performance.now() - started) / 1000;
    const connected = opened.reduce((n, o) => n + o.opened, 0);
    const failures = opened.flatMap((o) => o.errors).slice(0, 5);
    await sleep(5000);
    const withCrowd = rssKiB(a.pid);
    const fds = fs.readdirSync(`/proc/${a.pid}/fd`).length;
    const threads = Number(fs.readFileSync(`/proc/${a.pid}/status`, 'utf8').match(/^Threads:\s+(\d+)/m)[1]);

    // appends to the hot stream while the crowd idles
    let appendErrors = 0;
    for (let k = 0; k < a.appends; k++) {
      await t.append(hot, { text: 'hot ', sentAt: wallNow(), k }).catch(() => { appendErrors++; });
      await sleep(200);
    }
    const expected = a.hot * a.appends;
    let reports;
    const deadline = performance.now() + 30000;
    do {
      await sleep(500);
      reports = await Promise.all(workers.map((w) => w.ask({ cmd: 'report' })));
    } while (reports.reduce((n, r) => n + r.latencies.length, 0) < expected && performance.now() < deadline);
    const latencies = reports.flatMap((r) => r.latencies);
    const open = reports.reduce((n, r) => n + r.open, 0);
    const afterAppends = rssKiB(a.pid);
    const liveWith = liveHeapKiB(a.pid, a.histograms && `${a.histograms}/${a.kind}-with-crowd.txt`);
    await Promise.all(workers.map((w) => w.ask({ cmd: 'close' })));

    const total = a.subs + a.hot;
    const ok = connected === total && open === total && latencies.length === expected && appendErrors === 0;
    return {
      status: ok ? 'ok' : 'failed',
      kind: a.kind, subscribers: total, idle: a.subs, hot: a.hot, streams: a.streams, workers: a.workers,
      connected, failedConnects: total - connected, failures, openAtEnd: open,
      connectSeconds: +connectSeconds.toFixed(1), connectsPerSecond: Math.round(connected / connectSeconds),
      rssBeforeMiB: +(before / 1024).toFixed(1), rssWithCrowdMiB: +(withCrowd / 1024).toFixed(1),
      rssAfterAppendsMiB: +(afterAppends / 1024).toFixed(1),
      kibPerConnection: +((withCrowd - before) / Math.max(1, connected)).toFixed(1),
      liveHeapBeforeMiB: +(liveBefore / 1024).toFixed(1), liveHeapWithCrowdMiB: +(liveWith / 1024).toFixed(1),
      heapKibPerConnection: +((liveWith - liveBefore) / Math.max(1, connected)).toFixed(1),
      serviceFds: fds, serviceThreads: threads,
      appends: a.appends, appendErrors, expectedDeliveries: expected, deliveries: latencies.length,
      ...stats(latencies),
    };
  });
}

/** The Markdown and JSON report of bench/crowd from the runs' result files. */
function report() {
  const a = args();
  const runs = String(a.report).split(',').map((f) => JSON.parse(fs.readFileSync(f, 'utf8')));
  const cpus = os.cpus();
  const meta = {
    date: new Date().toISOString().replace('T', ' ').slice(0, 19), label: a.label, commit: a.commit, jar: a.jar,
    heap: a.heap, fdLimit: a['fd-limit'], wanted: a.wanted,
    machine: `${cpus.length} cores (${cpus[0].model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Linux ${os.release()}`,
  };
  const num = (v) => (v === undefined || v === null ? '-' : typeof v === 'number' ? v.toLocaleString('en-US') : v);
  const projected = (r) => (r.kibPerConnection === undefined ? undefined
    : Math.round(r.rssBeforeMiB + (a.wanted * r.kibPerConnection) / 1024));
  const md = [`# stream-journal crowd: ${meta.label}`, '',
    `- date: ${meta.date} (UTC); working tree ${meta.commit}`,
    `- machine: ${meta.machine}`,
    `- service: \`${meta.jar}\`, java -Xmx${meta.heap}, one replica, authentication off; PostgreSQL 15 on the same machine`,
    `- load: ${runs[0].workers ?? '-'} Node processes, each from its own source address (127.0.0.2 and up); file-descriptor limit ${meta.fdLimit}`, ''];
  if (runs.some((r) => r.subscribers < a.wanted)) {
    md.push(`The crowd wanted was ${num(a.wanted)}. Each subscriber holds a socket, one file descriptor, in the service, and this machine caps a process at ${num(meta.fdLimit)} (its hard limit, which only CAP_SYS_RESOURCE raises), so the crowd is what fits under that cap; the RSS for ${num(a.wanted)} is projected from the memory measured per connection.`, '');
  }
  md.push('| kind | subscribers | connect s | connects/s | RSS before MiB | RSS with crowd MiB | RSS KiB per connection | live heap before / with crowd MiB | heap KiB per connection | projected RSS at ' + num(a.wanted) + ' MiB | service fds | threads | hot deliveries | p50 ms | p99 ms | max ms | status |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    md.push(`| ${KINDS[r.kind] ?? r.kind} | ${num(r.connected)} of ${num(r.subscribers)} | ${num(r.connectSeconds)} | ${num(r.connectsPerSecond)} | ${num(r.rssBeforeMiB)} | ${num(r.rssWithCrowdMiB)} | ${num(r.kibPerConnection)} | ${num(r.liveHeapBeforeMiB)} / ${num(r.liveHeapWithCrowdMiB)} | ${num(r.heapKibPerConnection)} | ${num(projected(r))} | ${num(r.serviceFds)} | ${num(r.serviceThreads)} | ${num(r.deliveries)} of ${num(r.expectedDeliveries)} | ${r.p50?.toFixed(1) ?? '-'} | ${r.p99?.toFixed(1) ?? '-'} | ${r.max?.toFixed(1) ?? '-'} | ${r.status}${r.error ? `: ${r.error.split('\n')[0]}` : ''} |`);
  }
  md.push('', `The hot stream (${num(runs[0].hot)} of the subscribers) gets ${num(runs[0].appends)} appends, 200 ms apart, while the rest idle; a delivery's latency runs from just before the append is sent to the moment a subscriber has parsed its frame (wall clock, shared by the processes). RSS per connection is the rise of VmRSS from before the crowd connected to 5 s after the last did, over the connections; it stops telling once the heap has grown to its maximum, so the live heap (a class histogram after a full collection, \`jcmd PID GC.class_histogram\`, before the crowd and after the appends) is given too. The projection for ${num(a.wanted)} is the RSS before plus that many times the RSS per connection.`, '');
  fs.writeFileSync(a.md, md.join('\n'));
  fs.writeFileSync(a.json, JSON.stringify({ meta, runs }, null, 2) + '\n');
}

/**
 * The service's live heap in KiB: what a class histogram counts, taken after the full collection that
 * `jcmd GC.class_histogram` runs first; the histogram is kept in {@code file} when one is named.
 */
function liveHeapKiB(pid, file) {
  const histogram = execFileSync('jcmd', [String(pid), 'GC.class_histogram'], { maxBuffer: 1 << 28 }).toString();
  if (file) fs.writeFileSync(file, histogram);
  return Number(histogram.match(/^Total\s+\d+\s+(\d+)/m)[1]) / 1024;
}

/** A worker process and a request/answer channel to it. */
function spawn(index) {
  const child = fork(fileURLToPath(import.meta.url), ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = [];
  child.on('message', (m) => waiting.shift()(m));
  child.on('exit', (code) => { if (code) process.stderr.write(`crowd worker ${index} exited ${code}\n`); });
  return { ask: (m) => new Promise((resolve) => { waiting.push(resolve); child.send(m); }) };
}

function worker() {
  const conns = [];
  const latencies = [];
  const errors = [];
  process.on('message', async (m) => {
    if (m.cmd === 'open') {
      const WebSocket = m.kind === 'ws' ? (await import('ws')).default : null;
      // what the producer appended, from a frame: a native tail's token event, or a Durable Streams data frame
      const payloads = target(m.kind === 'ds' ? 'ds' : 'sj', m.base).payloads;
      await pool(m.items.length, m.concurrency, async (i) => {
        const item = m.items[i];
        const onPayload = (data) => {
          if (item.hot && data && typeof data.sentAt === 'number') latencies.push(wallNow() - data.sentAt);
        };
        try {
          conns.push(m.kind === 'ws' ? await openWs(WebSocket, m.base, item.path, m.localAddress, onPayload)
            : await openTail(m.base, item.path, m.localAddress, (frame) => payloads(frame).forEach(onPayload)));
        } catch (e) {
          if (errors.length < 5) errors.push(String(e.message || e));
        }
      });
      process.send({ opened: conns.length, errors });
    } else if (m.cmd === 'report') {
      process.send({ latencies, open: conns.filter((c) => c.open()).length });
    } else if (m.cmd === 'close') {
      conns.forEach((c) => c.close());
      process.send({});
      setTimeout(() => process.exit(0), 100);
    }
  });
}

/** An SSE read; resolves at its first bytes (the service sends "retry:" or a control event once it holds the subscriber). */
async function openTail(base, path, localAddress, onFrame) {
  const sse = await openSse(base, path, { accept: 'text/event-stream' }, { onFrame, timeoutMs: 120000, localAddress });
  return { open: () => !sse.res.complete && !sse.res.destroyed, close: sse.close };
}

/** A WebSocket session channel; resolves at its first message (the session's current stream). */
function openWs(WebSocket, base, path, localAddress, onPayload) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(new URL(path, base.replace(/^http/, 'ws')), ['stream-journal.v1'], { localAddress, perMessageDeflate: false });
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('no first message in 120 s')); }, 120000);
    let open = true;
    let first = true;
    ws.on('message', (raw) => {
      if (first) { first = false; clearTimeout(timer); resolve({ open: () => open, close: () => ws.terminate() }); }
      const m = JSON.parse(raw.toString());
      if (m.event === 'token') onPayload(m.data.data);
    });
    ws.on('close', () => { open = false; });
    ws.on('error', (e) => { open = false; clearTimeout(timer); if (first) reject(e); });
  });
}
