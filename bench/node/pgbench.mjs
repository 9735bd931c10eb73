// Turns one pgbench run into a result file: tps (without connection time) and mean latency from its
// output, p50/p99 latency from its per-transaction logs (-l; third column = latency in microseconds).
// pgbench reads its clock once per poll of a connection, so when its threads are starved of CPU a
// transaction that completes within one poll is logged as 0 us; when more than 1 % are, the
// percentiles are left out (null, with a note) and only the mean (clients / tps) stands.
//
// Usage: node pgbench.mjs --section S --name NAME --script FILE.sql --clients C --batch B
//                         --stdout PGBENCH_OUTPUT --logs LOG_PREFIX --out FILE.json
import fs from 'node:fs';
import path from 'node:path';
import { args, stats, writeResult } from './lib.mjs';

const a = args();
const text = fs.readFileSync(a.stdout, 'utf8');
const tps = Number((text.match(/^tps = ([\d.]+) \(without initial connection time\)/m) || [])[1]);
const failed = Number((text.match(/^number of failed transactions: (\d+)/m) || [, 0])[1]);
const mean = Number((text.match(/^latency average = ([\d.]+) ms/m) || [])[1]);
const processed = Number((text.match(/^number of transactions actually processed: (\d+)/m) || [])[1]);
const dir = path.dirname(a.logs);
const latencies = [];
for (const f of fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(a.logs) + '.'))) {
  for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
    const us = Number(line.split(' ')[2]);
    if (line && Number.isFinite(us)) latencies.push(us / 1000);
  }
}
const s = stats(latencies);
const zeroShare = latencies.length ? latencies.filter((v) => v === 0).length / latencies.length : 0;
const reliable = zeroShare <= 0.01;
const ok = Number.isFinite(tps) && tps > 0;
writeResult(a.out, {
  section: a.section, name: a.name, status: ok ? 'ok' : 'failed', tool: 'pgbench',
  ...(ok ? {} : { error: text.slice(-1000) }),
  script: a.script, connections: a.clients, batch: a.batch || null, requests: processed, failed,
  requestsPerSecond: tps, eventsPerSecond: a.batch ? tps * a.batch : null,
  mean: Number.isFinite(mean) ? mean : null,
  p50: reliable ? s.p50 : null, p99: reliable ? s.p99 : null,
  ...(reliable ? {} : { latencyNote: `${(zeroShare * 100).toFixed(0)} % of transactions logged as 0 us (pgbench starved of CPU); percentiles left out` }),
});
