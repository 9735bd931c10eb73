// Database transactions per append with M SSE subscribers on one stream: the delta of
// pg_stat_database.xact_commit + xact_rollback of the bench database over a window of length L with K
// appends, minus the idle rate (measured over a second window of the same length, subscribers connected,
// no appends) times L, divided by K. Also reports that idle rate.
//
// PostgreSQL publishes these counters lazily (a backend that goes idle flushes its counts up to ~10 s
// later), so each window ends with >= 11 s without appends and windows are read only at their ends.
// The counters are read with psql connected to the "postgres" database, so reading does not count.
//
// Usage: node txwindow.mjs --base URL --subs M --appends K --append-seconds A --window L
//                          --psql "psql -h ... -p ... -U postgres -d postgres" --db NAME --name NAME --out FILE.json
import { execSync } from 'node:child_process';
import { args, now, sleep, pool, openSse, target, run } from './lib.mjs';

const a = args();
const t = target('sj', a.base);
const id = `tx-${Date.now().toString(36)}`;
const xacts = () => Number(execSync(`${a.psql} -Atc "select xact_commit + xact_rollback from pg_stat_database where datname = '${a.db}'"`).toString().trim());

run('tx', a.name, a.out, 3 * a.window + 300, async () => {
  await t.create(id);
  let frames = 0;
  const subs = [];
  await pool(a.subs, 200, async () => {
    subs.push(await openSse(t.base, t.tailPath(id), t.tailHeaders,
      { onFrame: (f) => { if (f.event === 'token') frames++; } }));
  });
  await sleep(12000); // the connection burst's counts are published

  // window 1: K appends at fixed times over A seconds, then quiet until L (at least 11 s after the last)
  const c0 = xacts(); const t0 = now();
  const sends = [];
  let appendErrors = 0;
  for (let k = 0; k < a.appends; k++) {
    const due = t0 + (k * a['append-seconds'] * 1000) / a.appends;
    if (due - now() > 1) await sleep(due - now());
    sends.push(t.append(id, { text: 'lorem ipsum ', k }).catch(() => { appendErrors++; }));
  }
  await Promise.all(sends);
  await sleep(Math.max(t0 + a.window * 1000 - now(), 11000));
  const c1 = xacts(); const t1 = now();
  const delivered = frames;

  // window 2: the same length, subscribers connected, no appends
  await sleep(t1 - t0);
  const c2 = xacts(); const t2 = now();
  for (const s of subs) s.close();

  const idlePerSecond = (c2 - c1) / ((t2 - t1) / 1000);
  const appendWindowTx = c1 - c0;
  const perAppend = (appendWindowTx - idlePerSecond * ((t1 - t0) / 1000)) / a.appends;
  return {
    status: appendErrors ? 'failed' : 'ok', appendErrors,
    subscribers: subs.length, appends: a.appends, appendSeconds: a['append-seconds'], windowSeconds: +((t1 - t0) / 1000).toFixed(1),
    appendWindowTx, idleWindowTx: c2 - c1,
    idleTxPerSecond: +idlePerSecond.toFixed(1), txPerAppend: +perAppend.toFixed(1),
    framesDelivered: delivered, framesExpected: a.appends * subs.length,
  };
});
