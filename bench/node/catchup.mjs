// Catch-up of a closed stream: appends E token events in batches of 500, then stream_end; then reads the
// whole stream over SSE for W seconds unmeasured (the warm-up every scenario gets) and then R times measured. Each run is timed from just before the request is sent to the end of
// the response, and counts only when all E token frames arrived (and the response ended by itself).
//
// Usage: node catchup.mjs --base URL --events E --runs R [--warmup-seconds W] --name NAME --out FILE.json
import { args, now, request, expect, openSse, run } from './lib.mjs';

const a = args();
const id = `catchup-${Date.now().toString(36)}`;

run('catchup', a.name, a.out, 600, async () => {
  await expect(request(a.base, 'POST', `/v1/sessions/s-${id}/streams`, { body: { streamId: id, leaseSeconds: 3600 } }), 201);
  const batch = { events: Array.from({ length: 500 }, () => ({ type: 'token', data: { text: 'lorem ipsum ' } })) };
  for (let n = 0; n < a.events; n += 500) {
    await expect(request(a.base, 'POST', `/v1/streams/${id}/events`, { body: batch, timeoutMs: 120000 }), 200);
  }
  await expect(request(a.base, 'POST', `/v1/streams/${id}/events`, { body: { events: [{ type: 'stream_end' }] } }), 200);

  const runs = [];
  let bytes = 0;
  const warmupUntil = now() + 1000 * Number(a['warmup-seconds'] ?? 0);
  let warmup = 0;
  for (let r = 0; runs.length < Number(a.runs); r++) {
    const measured = now() >= warmupUntil;
    let tokens = 0;
    let streamEnd = false;
    const t0 = now();
    let conn;
    const seconds = await new Promise((resolve, reject) => {
      openSse(a.base, `/v1/streams/${id}/events`, { accept: 'text/event-stream' }, {
        timeoutMs: 120000,
        onFrame: (f) => { if (f.event === 'token') tokens++; else if (f.event === 'stream_end') streamEnd = true; },
        onEnd: () => resolve((now() - t0) / 1000),
      }).then((c) => { conn = c; }, reject);
    });
    bytes = conn.bytes();
    if (tokens !== a.events || !streamEnd) {
      throw new Error(`run ${r + 1}: ${tokens} of ${a.events} token frames, stream_end ${streamEnd}`);
    }
    if (measured) runs.push(+seconds.toFixed(3)); else warmup++;
  }
  const sorted = [...runs].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)];
  return {
    events: a.events, warmupRuns: warmup, runs, medianSeconds: median, minSeconds: sorted[0],
    eventsPerSecondAtMedian: Math.round(a.events / median), mebibytes: +(bytes / 1048576).toFixed(1),
  };
});
