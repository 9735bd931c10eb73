// The soak: mixed load on one replica for --minutes, one sample a minute, and a verdict: every figure of
// the last third of the run within 1.2x of the highest of the first third.
//
// The load, after a closed-loop measure of append capacity (--capacity-seconds, 8 appenders) and
// --warmup-minutes of the mix (not sampled):
//   appends     open loop at half that capacity, one token each, to --streams conversations (a session
//               each) whose turns end after 20-80 tokens with done + stream_end, the next turn a new
//               stream; 5% of the turns are abandoned instead (lease 5 s: the lease reaper ends them)
//   tails       --tails SSE connections at all times, with churn: each follows a running turn for 5-30 s
//               and leaves; half of them come back with Last-Event-ID and must get the next seq, with
//               no gap and no duplicate; a tail whose turn ends gets its settlement and is closed by it
//   long-polls  --long-polls loops of GET /settlement?wait=10 on running turns
//   reads       --read-rate status reads a second (GET /v1/streams/{id})
// Retention and the reaper run with the short settings bench/soak gives the service.
//
// Each minute: VmRSS and open descriptors of the service, its heap after GC (the least heap after a
// collection that minute, from its -Xlog:gc file), p99 of append, read and live delivery (send to parse),
// the streams table's size, live and dead tuples, the database connections, and the counts.
//
// Usage: node soak.mjs --base URL --pid PID --gc-log FILE --psql "PSQL ARGS..." --minutes 30 --warmup-minutes 3
//          --capacity-seconds 20 --streams 1000 --tails 2000 --long-polls 20 --read-rate 200
//          --out FILE.json --md FILE.md --svg FILE.svg --name NAME
import http from 'node:http';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { args, now, sleep, request, openSse, rssKiB, percentile, writeResult } from './lib.mjs';

const a = args();
const minutes = a.minutes ?? 30;
const warmupMinutes = a['warmup-minutes'] ?? 3;
const window = Math.max(1, Math.floor(minutes / 3));
const STREAMS = a.streams ?? 1000;
const TAILS = a.tails ?? 2000;
const LONG_POLLS = a['long-polls'] ?? 20;
const READ_RATE = a['read-rate'] ?? 200;
const run = Date.now().toString(36);
const appendAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const readAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const pollAgent = new http.Agent({ keepAlive: true, maxSockets: LONG_POLLS });
const rand = (lo, hi) => lo + Math.floor(Math.random() * (hi - lo + 1));

// ---- counters of the current minute --------------------------------------------------------------
let minute = null;
const fresh = () => ({
  appendMs: [], readMs: [], liveMs: [], appends: 0, turnsEnded: 0, turnsAbandoned: 0, turnsReaped: 0, reads: 0,
  longPolls: 0, tailConnects: 0, tailResumes: 0, framesReceived: 0, settlementsReceived: 0,
  errors: {}, resumeViolations: 0, behind: 0,
});
const error = (what) => { if (minute) minute.errors[what] = (minute.errors[what] || 0) + 1; };
let totals = { resumeViolations: 0, errors: 0 };

// ---- conversations: one session each, a turn (stream) at a time --------------------------------
const slots = Array.from({ length: STREAMS }, (_, i) => ({ i, turn: 0, stream: null, n: 0, goal: 0, busy: true, abandon: false }));
// the slots whose turn takes appends and tails: an array with each slot's index, for a random pick in O(1)
const running = [];
function start(slot) { slot.at = running.length; running.push(slot); }
function retire(slot) {
  const last = running.pop();
  if (last !== slot) { running[slot.at] = last; last.at = slot.at; }
  slot.at = -1;
}

async function newTurn(slot) {
  slot.turn++;
  slot.abandon = Math.random() < 0.05;
  slot.stream = `soak-${run}-${slot.i}-${slot.turn}`;
  slot.n = 0;
  slot.goal = slot.abandon ? rand(1, 5) : rand(20, 80); // an abandoned turn's producer vanishes early
  // an abandoned turn is in a session of its own, so that the conversation's next turn is not refused
  const session = slot.abandon ? `soak-${run}-${slot.i}-a${slot.turn}` : `soak-${run}-${slot.i}`;
  const res = await request(a.base, 'POST', `/v1/sessions/${session}/streams`,
    { body: { streamId: slot.stream, leaseSeconds: slot.abandon ? 5 : 60 }, agent: appendAgent });
  if (res.status !== 201) throw new Error(`create ${slot.stream}: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  start(slot);
  slot.busy = false;
}

/** The slot's next turn, retried a second later when its creation fails. */
function nextTurn(slot) {
  newTurn(slot).catch((e) => {
    error(`create ${e.message.replace(/soak-\S+/, '{id}').slice(0, 40)}`);
    setTimeout(() => nextTurn(slot), 1000);
  });
}

function pickRunning() {
  return running.length ? running[Math.floor(Math.random() * running.length)] : null;
}

async function appendTo(slot) {
  slot.busy = true;
  const started = now();
  const events = [{ type: 'token', data: { t: started } }];
  const ending = slot.n + 1 >= slot.goal && !slot.abandon;
  if (ending) events.push({ type: 'done', data: {} }, { type: 'stream_end', data: {} });
  try {
    const res = await request(a.base, 'POST', `/v1/streams/${slot.stream}/events`, { body: { events }, agent: appendAgent });
    if (res.status === 409 && slot.abandon) {
      // the producer of an abandoned turn was too slow for its 5 s lease: the reaper ended the turn
      retire(slot);
      if (minute) minute.turnsReaped++;
      nextTurn(slot);
      return;
    }
    if (res.status !== 200) { error(`append ${res.status}`); slot.busy = false; return; }
    if (minute) { minute.appendMs.push(now() - started); minute.appends++; }
    slot.n++;
    if (ending || (slot.abandon && slot.n >= slot.goal)) {
      retire(slot);
      if (minute) { if (ending) minute.turnsEnded++; else minute.turnsAbandoned++; }
      nextTurn(slot);
    } else {
      slot.busy = false;
    }
  } catch (e) {
    error(`append ${e.code || e.message.slice(0, 40)}`);
    slot.busy = false;
  }
}

// open loop at `rate` appends/s: every 10 ms the appends due, to running turns without one in flight
function appendLoop(rate, stop) {
  let due = 0;
  let inFlight = 0;
  const timer = setInterval(() => {
    due += rate / 100;
    while (due >= 1) {
      due--;
      let slot = null;
      for (let tries = 0; tries < 4 && !slot; tries++) {
        const s = pickRunning();
        if (s && !s.busy) slot = s;
      }
      if (!slot || inFlight >= 256) { if (minute) minute.behind++; continue; }
      inFlight++;
      appendTo(slot).finally(() => inFlight--);
    }
    if (stop()) clearInterval(timer);
  }, 10);
}

// ---- tails with churn ----------------------------------------------------------------------------
async function tailer(stop) {
  while (!stop()) {
    const slot = pickRunning();
    if (!slot) { await sleep(100); continue; }
    // the turn this tail follows, also once its slot has moved on to the next turn
    const stream = slot.stream;
    let last = null;
    let resume = true;
    for (let visit = 0; resume && !stop(); visit++) {
      const connected = now();
      let ended = false;
      let violation = false;
      const headers = { accept: 'text/event-stream', ...(last === null ? {} : { 'last-event-id': String(last) }) };
      let sse;
      try {
        await new Promise((resolve, reject) => {
          openSse(a.base, `/v1/streams/${stream}/events`, headers, {
            timeoutMs: 30000,
            onEnd: () => { ended = true; resolve(); },
            onFrame: (frame) => {
              if (frame.event === 'settlement') { if (minute) minute.settlementsReceived++; return; }
              if (frame.id === undefined || frame.event === undefined) return;
              const seq = Number(frame.id);
              if (seq !== (last ?? 0) + 1) violation = true;
              last = seq;
              if (minute) minute.framesReceived++;
              if (frame.event === 'token') {
                const sent = JSON.parse(frame.data).data.t;
                if (sent > connected && minute) minute.liveMs.push(now() - sent);
              }
            },
          }).then((s) => {
            sse = s;
            if (minute) { if (visit === 0) minute.tailConnects++; else minute.tailResumes++; }
            setTimeout(resolve, rand(5000, 30000));
          }, reject);
        });
      } catch (e) {
        error(`tail ${e.message.replace(/soak-\S+/, '{id}').slice(0, 60)}`);
        break;
      } finally {
        if (sse) sse.close();
      }
      if (violation && minute) { minute.resumeViolations++; }
      resume = !ended && Math.random() < 0.5;
      if (resume) await sleep(rand(500, 2000));
    }
    await sleep(rand(100, 1000));
  }
}

// ---- long-polls and status reads -------------------------------------------------------------------
async function longPoller(stop) {
  while (!stop()) {
    const slot = pickRunning();
    if (!slot) { await sleep(100); continue; }
    try {
      const res = await request(a.base, 'GET', `/v1/streams/${slot.stream}/settlement?wait=10`, { agent: pollAgent, timeoutMs: 30000 });
      if (res.status === 200) { if (minute) minute.longPolls++; } else error(`long-poll ${res.status}`);
    } catch (e) {
      error(`long-poll ${e.code || e.message.slice(0, 40)}`);
    }
  }
}

function readLoop(stop) {
  let due = 0;
  const timer = setInterval(() => {
    due += READ_RATE / 100;
    while (due >= 1) {
      due--;
      const slot = pickRunning();
      if (!slot) continue;
      const started = now();
      request(a.base, 'GET', `/v1/streams/${slot.stream}`, { agent: readAgent }).then((res) => {
        if (res.status === 200) { if (minute) { minute.readMs.push(now() - started); minute.reads++; } } else error(`read ${res.status}`);
      }, (e) => error(`read ${e.code || e.message.slice(0, 40)}`));
    }
    if (stop()) clearInterval(timer);
  }, 10);
}

// ---- the service's and the database's figures ---------------------------------------------------
let gcOffset = 0;
function heapAfterGcMiB() {
  let text = '';
  try {
    const fd = fs.openSync(a['gc-log'], 'r');
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.max(0, size - gcOffset));
    fs.readSync(fd, buffer, 0, buffer.length, gcOffset);
    fs.closeSync(fd);
    gcOffset = size;
    text = buffer.toString();
  } catch {
    return null;
  }
  const unit = { K: 1 / 1024, M: 1, G: 1024 };
  let least = null;
  for (const m of text.matchAll(/(\d+)([KMG])->(\d+)([KMG])\(\d+[KMG]\)/g)) {
    const after = Number(m[3]) * unit[m[4]];
    least = least === null ? after : Math.min(least, after);
  }
  return least;
}

function database() {
  const [bin, ...rest] = a.psql.split(' ');
  const sql = `select pg_total_relation_size('streams'), n_live_tup, n_dead_tup,
      (select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid())
    from pg_stat_user_tables where relname = 'streams'`;
  return new Promise((resolve) => {
    execFile(bin, [...rest, '-Atq', '-F', ',', '-c', sql], (e, stdout) => {
      if (e) { resolve({}); return; }
      const [bytes, live, dead, connections] = stdout.trim().split(',').map(Number);
      resolve({ streamsMiB: +(bytes / 1048576).toFixed(2), streamsLive: live, streamsDead: dead, dbConnections: connections });
    });
  });
}

const p99 = (values) => {
  const sorted = Float64Array.from(values).sort();
  const v = percentile(sorted, 0.99);
  return v === null ? null : +v.toFixed(1);
};

async function sample(index, counters, seconds) {
  const db = await database();
  let fds = null;
  try { fds = fs.readdirSync(`/proc/${a.pid}/fd`).length; } catch { /* not ours to read */ }
  const errors = Object.values(counters.errors).reduce((x, y) => x + y, 0);
  totals.errors += errors;
  totals.resumeViolations += counters.resumeViolations;
  return {
    minute: index,
    rssMiB: +(rssKiB(a.pid) / 1024).toFixed(1),
    heapAfterGcMiB: heapAfterGcMiB(),
    appendP99Ms: p99(counters.appendMs), readP99Ms: p99(counters.readMs), liveP99Ms: p99(counters.liveMs),
    ...db,
    serviceFds: fds,
    appendsPerSecond: +(counters.appends / seconds).toFixed(1), readsPerSecond: +(counters.reads / seconds).toFixed(1),
    framesPerSecond: +(counters.framesReceived / seconds).toFixed(1),
    turnsEnded: counters.turnsEnded, turnsAbandoned: counters.turnsAbandoned, turnsReaped: counters.turnsReaped,
    longPolls: counters.longPolls,
    tailConnects: counters.tailConnects, tailResumes: counters.tailResumes, settlements: counters.settlementsReceived,
    resumeViolations: counters.resumeViolations, appendsBehind: counters.behind, errors, errorKinds: counters.errors,
  };
}

// ---- the verdict, the report and the plots ---------------------------------------------------------
const FIGURES = [
  ['rssMiB', 'RSS (MiB)'], ['heapAfterGcMiB', 'heap after GC (MiB)'], ['appendP99Ms', 'append p99 (ms)'],
  ['readP99Ms', 'status read p99 (ms)'], ['liveP99Ms', 'live p99, send to parse (ms)'],
  ['streamsMiB', 'streams table (MiB)'], ['streamsDead', 'streams dead tuples'], ['dbConnections', 'database connections'],
  ['serviceFds', 'service file descriptors'],
];

function verdict(samples) {
  return FIGURES.map(([key, title]) => {
    const first = samples.slice(0, window).map((s) => s[key]).filter((v) => v !== null && v !== undefined);
    const last = samples.slice(-window).map((s) => s[key]).filter((v) => v !== null && v !== undefined);
    const baseline = first.length ? Math.max(...first) : null;
    const worst = last.length ? Math.max(...last) : null;
    const ratio = baseline ? +(worst / baseline).toFixed(2) : null;
    return { key, title, firstMax: baseline, lastMax: worst, ratio, pass: baseline !== null && worst !== null && worst <= 1.2 * baseline };
  });
}

function svg(samples, checks) {
  const W = 360, H = 180, cols = 3, pad = { l: 48, r: 10, t: 22, b: 26 };
  const rows = Math.ceil(FIGURES.length / cols);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${cols * W}" height="${rows * H}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`];
  FIGURES.forEach(([key, title], k) => {
    const x0 = (k % cols) * W, y0 = Math.floor(k / cols) * H;
    const points = samples.map((s) => [s.minute, s[key]]).filter(([, v]) => v !== null && v !== undefined);
    const check = checks.find((c) => c.key === key);
    const top = Math.max(1e-9, ...points.map(([, v]) => v), check.firstMax ? check.firstMax * 1.2 : 0) * 1.1;
    const px = (m) => x0 + pad.l + (m - 1) / Math.max(1, minutes - 1) * (W - pad.l - pad.r);
    const py = (v) => y0 + H - pad.b - v / top * (H - pad.t - pad.b);
    parts.push(`<text x="${x0 + pad.l}" y="${y0 + 14}" font-weight="bold">${title}: ${check.pass ? 'pass' : 'FAIL'} (${check.ratio ?? '-'}x)</text>`);
    parts.push(`<rect x="${px(1)}" y="${y0 + pad.t}" width="${px(window) - px(1)}" height="${H - pad.t - pad.b}" fill="#eef"/>`);
    parts.push(`<rect x="${px(minutes - window + 1)}" y="${y0 + pad.t}" width="${px(minutes) - px(minutes - window + 1)}" height="${H - pad.t - pad.b}" fill="#efe"/>`);
    parts.push(`<line x1="${x0 + pad.l}" y1="${y0 + H - pad.b}" x2="${x0 + W - pad.r}" y2="${y0 + H - pad.b}" stroke="#888"/>`);
    parts.push(`<line x1="${x0 + pad.l}" y1="${y0 + pad.t}" x2="${x0 + pad.l}" y2="${y0 + H - pad.b}" stroke="#888"/>`);
    for (const v of [0, top / 2, top]) {
      parts.push(`<text x="${x0 + pad.l - 4}" y="${py(v) + 4}" text-anchor="end">${v >= 100 ? Math.round(v) : +v.toPrecision(2)}</text>`);
    }
    parts.push(`<text x="${x0 + (W + pad.l) / 2}" y="${y0 + H - 6}" text-anchor="middle">minute</text>`);
    if (check.firstMax) {
      parts.push(`<line x1="${x0 + pad.l}" y1="${py(check.firstMax * 1.2)}" x2="${x0 + W - pad.r}" y2="${py(check.firstMax * 1.2)}" stroke="#c00" stroke-dasharray="4 3"/>`);
    }
    parts.push(`<polyline fill="none" stroke="#036" stroke-width="1.5" points="${points.map(([m, v]) => `${px(m).toFixed(1)},${py(v).toFixed(1)}`).join(' ')}"/>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function markdown(result) {
  const lines = [`# Soak: ${result.name}`, '',
    `${result.date}, ${minutes} minutes after ${warmupMinutes} of warm-up; one replica at -Xmx256m; ${STREAMS} conversations, ` +
    `${TAILS} tails with churn, ${LONG_POLLS} long-polls, ${READ_RATE} status reads/s; appends at half the measured ` +
    `capacity (${result.capacityPerSecond}/s closed loop, ${result.appendRate}/s offered). ` +
    `Pass: every figure of the last ${window} minutes within 1.2x of the highest of the first ${window}.`, '',
    `**${result.pass ? 'PASS' : 'FAIL'}**: errors ${result.errors}, resumes with a gap or a duplicate ${result.resumeViolations}.`, '',
    `![soak figures](${result.svgName})`, '',
    '| figure | first max | last max | ratio | |', '|---|---|---|---|---|',
    ...result.checks.map((c) => `| ${c.title} | ${c.firstMax ?? '-'} | ${c.lastMax ?? '-'} | ${c.ratio ?? '-'} | ${c.pass ? 'pass' : 'FAIL'} |`), '',
    '| minute | RSS | heap after GC | append p99 | read p99 | live p99 | streams MiB | dead | db conns | fds | appends/s | frames/s | turns ended | abandoned | reaped | tail connects | resumes | errors |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...result.samples.map((s) => `| ${s.minute} | ${s.rssMiB} | ${s.heapAfterGcMiB ?? '-'} | ${s.appendP99Ms} | ${s.readP99Ms} | ${s.liveP99Ms} | ` +
      `${s.streamsMiB} | ${s.streamsDead} | ${s.dbConnections} | ${s.serviceFds} | ${s.appendsPerSecond} | ${s.framesPerSecond} | ` +
      `${s.turnsEnded} | ${s.turnsAbandoned} | ${s.turnsReaped} | ${s.tailConnects} | ${s.tailResumes} | ${s.errors} |`), ''];
  return lines.join('\n');
}

// ---- the run -------------------------------------------------------------------------------------
async function capacity(seconds, label) {
  const ids = Array.from({ length: 8 }, (_, i) => `soak-${run}-${label}-${i}`);
  for (const id of ids) {
    await request(a.base, 'POST', `/v1/sessions/s-${id}/streams`, { body: { streamId: id, leaseSeconds: 3600 }, agent: appendAgent });
  }
  let count = 0;
  const end = now() + seconds * 1000;
  await Promise.all(ids.map(async (id) => {
    while (now() < end) {
      const res = await request(a.base, 'POST', `/v1/streams/${id}/events`, { body: { events: [{ type: 'token', data: { t: 0 } }] }, agent: appendAgent });
      if (res.status === 200) count++;
    }
  }));
  return count / seconds;
}

async function main() {
  await capacity(10, 'warm'); // the JIT's first pass over the append path is not capacity
  const capacityPerSecond = Math.round(await capacity(a['capacity-seconds'] ?? 20, 'measured'));
  const appendRate = Math.round(capacityPerSecond / 2);
  process.stderr.write(`capacity ${capacityPerSecond}/s, offering ${appendRate}/s\n`);
  for (let i = 0; i < slots.length; i += 50) await Promise.all(slots.slice(i, i + 50).map(newTurn));
  let stopping = false;
  const stop = () => stopping;
  appendLoop(appendRate, stop);
  readLoop(stop);
  const workers = [];
  for (let t = 0; t < TAILS; t++) { workers.push(tailer(stop)); if (t % 100 === 99) await sleep(200); }
  for (let p = 0; p < LONG_POLLS; p++) workers.push(longPoller(stop));

  minute = fresh();
  await sleep(warmupMinutes * 60000);
  heapAfterGcMiB(); // what the warm-up collected is not a sample
  const samples = [];
  for (let m = 1; m <= minutes; m++) {
    minute = fresh();
    const started = now();
    await sleep(60000);
    const counters = minute;
    samples.push(await sample(m, counters, (now() - started) / 1000));
    process.stderr.write(`${JSON.stringify(samples.at(-1))}\n`);
  }
  stopping = true;
  minute = null;
  await Promise.race([Promise.all(workers), sleep(40000)]);

  const checks = verdict(samples);
  const svgName = a.svg.split('/').pop();
  const result = {
    section: 'soak', name: a.name, date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    minutes, warmupMinutes, window, streams: STREAMS, tails: TAILS, longPolls: LONG_POLLS, readRate: READ_RATE,
    capacityPerSecond, appendRate, errors: totals.errors, resumeViolations: totals.resumeViolations,
    pass: checks.every((c) => c.pass) && totals.errors === 0 && totals.resumeViolations === 0,
    checks, samples, svgName,
  };
  fs.writeFileSync(a.svg, svg(samples, checks));
  fs.writeFileSync(a.md, markdown(result));
  return result;
}

main().then((result) => {
  writeResult(a.out, { ...result, status: result.pass ? 'ok' : 'failed' });
  process.exit(result.pass ? 0 : 1);
}, (e) => {
  writeResult(a.out, { section: 'soak', name: a.name, status: 'failed', error: String(e && e.stack || e).slice(0, 1000) });
  process.exit(1);
});
