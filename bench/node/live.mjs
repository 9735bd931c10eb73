// Live latency: from just before a producer's POST is sent to the moment a subscriber has parsed the
// frame carrying that event. Producer and subscribers run in this one Node process, so both ends read
// the same monotonic clock (performance.now()); the producer puts its send time into the event data.
//
// Usage: node live.mjs --target sj|ds --base URL --streams N --subs M --rate APPENDS_PER_S
//                      --seconds S --wait W --name NAME --out FILE.json
//   N streams with M subscribers each; appends at a fixed total rate, round-robin over the streams,
//   for S seconds; then up to W seconds for the last frames. Writes p50/p99 (ms) and the counts;
//   status "timeout" when not every subscriber got every event in time (percentiles of what arrived).
//   The breakdown: each append's answer time (send to response: HTTP and commit) and each frame's
//   arrival after its append's answer.
import { args, now, sleep, pool, openSse, target, stats, run } from './lib.mjs';

const a = args();
const t = target(a.target, a.base);
const prefix = `live-${a.target}-${Date.now().toString(36)}`;
const ids = Array.from({ length: a.streams }, (_, i) => `${prefix}-${i}`);

run('live', a.name, a.out, a.seconds + a.wait + 240, async () => {
  await pool(ids.length, 16, (i) => t.create(ids[i]));

  // subscribers: every parsed token frame whose data carries a send time of a measured event (k >= 0)
  const latencies = [];
  const arrivals = []; // [k, send time, parse time] of every measured frame, for the breakdown
  let received = 0;
  let warmReceived = 0;
  const subs = [];
  let ended = 0;
  const onFrame = (frame) => {
    const at = now();
    for (const d of t.payloads(frame)) {
      if (d && typeof d.t === 'number') {
        if (d.k >= 0) { latencies.push(at - d.t); arrivals.push([d.k, d.t, at]); received++; } else warmReceived++;
      }
    }
  };
  const connectStart = now();
  await pool(ids.length * a.subs, 200, async (i) => {
    subs.push(await openSse(t.base, t.tailPath(ids[i % ids.length]), t.tailHeaders,
      { onFrame, onEnd: () => { ended++; } }));
  });
  const connectMs = now() - connectStart;

  // warm-up: one unmeasured event on up to 20 streams, then a short pause
  const warm = Math.min(ids.length, 20);
  await pool(warm, 8, (i) => t.append(ids[i], { text: 'warm ', t: now(), k: -1 }));
  const warmDeadline = now() + 10000;
  while (warmReceived < warm * a.subs && now() < warmDeadline) await sleep(20);
  await sleep(200);

  // producer: K appends at fixed times; each POST is sent at its slot without waiting for the previous one
  const total = Math.max(1, Math.round(a.rate * a.seconds));
  const interval = 1000 / a.rate;
  const start = now();
  let appendErrors = 0;
  const sends = [];
  const acks = new Array(total); // ms from send to the append's answer, per k
  for (let k = 0; k < total; k++) {
    const due = start + k * interval;
    const delay = due - now();
    if (delay > 1) await sleep(delay);
    const sentAt = now();
    sends.push(t.append(ids[k % ids.length], { text: 'lorem ipsum ', t: sentAt, k })
      .then(() => { acks[k] = now() - sentAt; }, () => { appendErrors++; }));
  }
  await Promise.all(sends);
  const expected = total * a.subs;
  const deadline = now() + a.wait * 1000;
  while (received < expected && now() < deadline) await sleep(20);
  const complete = received >= expected;
  for (const s of subs) s.close();
  // the breakdown: the append's answer (HTTP and commit), and the frame's arrival after that answer
  // (negative when the frame was parsed before the answer)
  const afterAckStats = stats(arrivals.filter(([k]) => acks[k] !== undefined).map(([k, sent, at]) => at - (sent + acks[k])));
  const ackStats = stats(acks.filter((v) => v !== undefined));

  return {
    status: complete && appendErrors === 0 ? 'ok' : complete ? 'failed' : 'timeout',
    target: a.target, streams: a.streams, subscribersPerStream: a.subs, subscribers: subs.length,
    appends: total, rate: a.rate, appendErrors, expected, received, endedEarly: ended,
    connectSeconds: +(connectMs / 1000).toFixed(2),
    ...stats(latencies),
    ackP50: ackStats.p50, ackP99: ackStats.p99,
    afterAckP50: afterAckStats.p50, afterAckP99: afterAckStats.p99,
  };
});
