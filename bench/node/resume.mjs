// The AI SDK resume, side by side in one run: stream-journal (the journal's UI stream, producer piping
// into it with stream-journal-client/ai) against resumable-stream (npm, the AI SDK's standard resume
// backend) on a local redis-server. Run by bench/resume.
//
//   node resume.mjs --journal URL --redis URL --out FILE [--chunks 10000] [--concurrent 100]
//                   [--streams 200] [--streamChunks 1000]
//
// For each system a producer process writes an answer of `chunks` text deltas and stays alive (the
// answer is still streaming); this process then measures, as a resuming client:
//   - one resume, five times: time to the first replayed text delta, and to the last one;
//   - `concurrent` resumes at once: the same, p50, p99 and max;
//   - the producer killed (SIGKILL), then a resume: how many of the deltas come back;
//   - producer memory per open stream: the producer's JS heap and buffers after GC with `streams` open
//     answers of `streamChunks` deltas, less the same with none, divided by `streams`.
// Both clients run in this one process and count deltas the same way (one SSE frame at a time).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import { args, now, sleep } from './lib.mjs';

const ROLE = process.argv[2];
const delta = (i) => ({ type: 'text-delta', id: 't', delta: `w${i} ` });

// ---- producer processes ----------------------------------------------------------------------------

if (ROLE === 'producer-rs' || ROLE === 'producer-sj') {
  const a = args(process.argv.slice(3));
  const open = [];
  /** A UI chunk stream of `chunks` deltas that then stays open, as an answer still streaming. */
  const answer = (chunks) => new ReadableStream({
    start(controller) {
      controller.enqueue({ type: 'start' });
      controller.enqueue({ type: 'text-start', id: 't' });
      for (let i = 0; i < chunks; i++) controller.enqueue(delta(i));
      open.push(controller);
    },
  });
  let write;
  if (ROLE === 'producer-rs') {
    const { createResumableStreamContext } = await import('resumable-stream');
    const { createClient } = await import('redis');
    const publisher = createClient({ url: a.redis });
    const subscriber = createClient({ url: a.redis });
    for (const client of [publisher, subscriber]) client.on('error', (error) => process.stderr.write(`redis: ${error}\n`));
    await Promise.all([publisher.connect(), subscriber.connect()]);
    const context = createResumableStreamContext({ waitUntil: null, publisher, subscriber });
    write = async (id, chunks) => {
      const stream = await context.createNewResumableStream(id, () => answer(chunks).pipeThrough(
        new TransformStream({ transform: (chunk, c) => c.enqueue(`data: ${JSON.stringify(chunk)}\n\n`) })));
      // the first client reads it, as the POST that started the answer would
      const reader = stream.getReader();
      (async () => { for (;;) { const { done } = await reader.read(); if (done) break; } })();
    };
  } else {
    const { JournalClient } = await import('../../clients/js/src/index.js');
    const { pipeUIMessageStream } = await import('../../clients/js/src/ai.js');
    const journal = new JournalClient({ baseUrl: a.journal });
    write = async (id, chunks) => {
      const producer = await journal.createStream(`bench-${id}`, { streamId: id, userMessage: { content: 'go' }, leaseSeconds: 5 });
      const piped = pipeUIMessageStream(answer(chunks), producer);
      piped.catch(() => {});
      // durable once the journal holds every delta (start and text-start are not events)
      const target = chunks + 1;
      while ((await journal.status(id)).journal.lastSeq < target) await sleep(20);
    };
  }
  process.on('message', async (message) => {
    if (message.write) {
      for (const id of message.write.ids) await write(id, message.write.chunks);
      process.send({ written: message.write.ids.length });
    } else if (message.rss) {
      global.gc?.();
      await sleep(200);
      global.gc?.();
      const memory = process.memoryUsage();
      process.send({ bytes: memory.heapUsed + memory.arrayBuffers });
    }
  });
  process.send({ ready: true });
}

// ---- the resuming client -----------------------------------------------------------------------------

function producer(role, a) {
  const child = fork(new URL(import.meta.url).pathname, [role, '--journal', a.journal, '--redis', a.redis],
    { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise((resolve) => child.once('message', resolve));
  const ready = next();
  return {
    child,
    ready,
    ask: async (message) => { const answer = next(); child.send(message); return answer; },
    kill: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); }),
  };
}

/** Counts text deltas in SSE text, one frame at a time (frames may be split across pieces). */
function deltaCounter(onDelta) {
  let carry = '';
  return (text) => {
    carry += text;
    let end;
    while ((end = carry.indexOf('\n\n')) >= 0) {
      const frame = carry.slice(0, end);
      carry = carry.slice(end + 2);
      if (frame.includes('"type":"text-delta"')) onDelta();
    }
  };
}

/** A resume of one system: resolves {first, last, count} (ms from the request), `count` deltas at most. */
async function resumeSj(journal, id, want, timeoutMs) {
  const started = now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let count = 0;
  let first = null;
  let last = null;
  try {
    const response = await fetch(`${journal}/v1/streams/${id}/ui-stream`, { signal: controller.signal });
    const count1 = deltaCounter(() => { count++; first ??= now() - started; if (count === want) last = now() - started; });
    const decoder = new TextDecoder();
    for await (const piece of response.body) {
      count1(decoder.decode(piece, { stream: true }));
      if (count >= want) break;
    }
  } catch {
    // timed out or cut
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { first, last, count };
}

async function resumeRs(context, id, want, timeoutMs) {
  const started = now();
  let count = 0;
  let first = null;
  let last = null;
  let timer;
  try {
    const stream = await Promise.race([context.resumeExistingStream(id),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), timeoutMs); })]);
    if (stream) {
      const reader = stream.getReader();
      const count1 = deltaCounter(() => { count++; first ??= now() - started; if (count === want) last = now() - started; });
      const deadline = started + timeoutMs;
      while (count < want && now() < deadline) {
        const next = await Promise.race([reader.read(), sleep(Math.max(1, deadline - now())).then(() => ({ done: true }))]);
        if (next.done) break;
        count1(next.value);
      }
      reader.cancel().catch(() => {});
    }
  } catch {
    // refused or timed out
  } finally {
    clearTimeout(timer);
  }
  return { first, last, count };
}

const pct = (values, p) => {
  const sorted = values.filter((v) => v !== null).sort((x, y) => x - y);
  return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 10) / 10 : null;
};
const summary = (runs) => ({
  firstP50: pct(runs.map((r) => r.first), 50), firstP99: pct(runs.map((r) => r.first), 99),
  lastP50: pct(runs.map((r) => r.last), 50), lastP99: pct(runs.map((r) => r.last), 99), lastMax: pct(runs.map((r) => r.last), 100),
  complete: runs.filter((r) => r.last !== null).length, of: runs.length,
});

async function main() {
  const a = { chunks: 10000, concurrent: 100, streams: 200, streamChunks: 1000, ...args() };
  const { createResumableStreamContext } = await import('resumable-stream');
  const { createClient } = await import('redis');
  const [publisher, subscriber] = [createClient({ url: a.redis }), createClient({ url: a.redis })];
  for (const client of [publisher, subscriber]) client.on('error', (error) => process.stderr.write(`redis: ${error}\n`));
  await Promise.all([publisher.connect(), subscriber.connect()]);
  const rsContext = createResumableStreamContext({ waitUntil: null, publisher, subscriber });
  const result = { section: 'resume', name: 'ai-sdk-resume', status: 'ok', parameters: a, systems: {} };
  for (const [system, role, resume] of [
    ['stream-journal', 'producer-sj', (id, want, t) => resumeSj(a.journal, id, want, t)],
    ['resumable-stream', 'producer-rs', (id, want, t) => resumeRs(rsContext, id, want, t)],
  ].filter(([system]) => !a.only || a.only === system)) {
    const out = {};
    const p = producer(role, a);
    await p.ready;
    const id = `resume-${system}-${Date.now()}`;
    await p.ask({ write: { ids: [id], chunks: a.chunks } });
    await resume(id, a.chunks, 30000); // warm-up
    const single = [];
    for (let i = 0; i < 5; i++) single.push(await resume(id, a.chunks, 30000));
    out.single = summary(single);
    out.concurrent = summary(await Promise.all(Array.from({ length: a.concurrent }, () => resume(id, a.chunks, 60000))));
    await p.kill();
    const afterDeath = await resume(id, a.chunks, 10000);
    out.afterProducerDeath = { deltas: afterDeath.count, of: a.chunks };

    const m = producer(role, a);
    await m.ready;
    const base = (await m.ask({ rss: true })).bytes;
    const ids = Array.from({ length: a.streams }, (_, i) => `mem-${system}-${Date.now()}-${i}`);
    await m.ask({ write: { ids, chunks: a.streamChunks } });
    const loaded = (await m.ask({ rss: true })).bytes;
    out.producerBytesPerOpenStream = Math.round((loaded - base) / a.streams);
    await m.kill();
    result.systems[system] = out;
    process.stderr.write(`${system}: ${JSON.stringify(out)}\n`);
  }
  const sj = result.systems['stream-journal'];
  const rs = result.systems['resumable-stream'];
  const ratio = (x, y) => (x && y ? Math.round((x / y) * 100) / 100 : null);
  result.ratios = {
    singleFirst: ratio(sj.single.firstP50, rs.single.firstP50),
    singleWhole: ratio(sj.single.lastP50, rs.single.lastP50),
    concurrentFirstP99: ratio(sj.concurrent.firstP99, rs.concurrent.firstP99),
    concurrentWholeP99: ratio(sj.concurrent.lastP99, rs.concurrent.lastP99),
    producerMemory: ratio(sj.producerBytesPerOpenStream, rs.producerBytesPerOpenStream),
  };
  fs.writeFileSync(a.out, JSON.stringify(result, null, 2) + '\n');
  process.exit(0);
}

if (ROLE !== 'producer-rs' && ROLE !== 'producer-sj') {
  await main();
}
