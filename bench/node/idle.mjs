// Memory of idle subscribers: VmRSS of the service process (from /proc/PID/status) before and after N
// SSE subscribers connect to S streams (N/S each) and sit idle.
//
// Usage: node idle.mjs --base URL --pid SERVICE_PID --subs N --streams S --name NAME --out FILE.json
import { args, sleep, pool, openSse, target, rssKiB, run } from './lib.mjs';

const a = args();
const t = target('sj', a.base);
const prefix = `idle-${Date.now().toString(36)}`;
const ids = Array.from({ length: a.streams }, (_, i) => `${prefix}-${i}`);

run('rss', a.name, a.out, 600, async () => {
  await pool(ids.length, 16, (i) => t.create(ids[i]));
  await sleep(3000);
  const before = rssKiB(a.pid);

  const subs = [];
  let failedConnects = 0;
  const started = Date.now();
  await pool(a.subs, 200, async (i) => {
    try {
      subs.push(await openSse(t.base, t.tailPath(ids[i % ids.length]), t.tailHeaders, { onFrame: () => {}, timeoutMs: 120000 }));
    } catch {
      failedConnects++;
    }
  });
  const connectSeconds = (Date.now() - started) / 1000;
  await sleep(5000);
  const after = rssKiB(a.pid);
  const open = subs.filter((s) => !s.res.complete && !s.res.destroyed).length;
  for (const s of subs) s.close();

  return {
    status: failedConnects === 0 && open === a.subs ? 'ok' : 'failed',
    subscribers: a.subs, streams: a.streams, connected: subs.length, failedConnects, openAtMeasurement: open,
    connectSeconds: +connectSeconds.toFixed(1),
    rssBeforeMiB: +(before / 1024).toFixed(1), rssAfterMiB: +(after / 1024).toFixed(1),
    deltaMiB: +((after - before) / 1024).toFixed(1), kibPerSubscriber: +((after - before) / a.subs).toFixed(1),
  };
});
