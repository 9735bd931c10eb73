// Builds the report of one bench/run from its parts: PARTS_DIR/meta.json (run facts) and, per
// scenario, NNN.meta.json (what the scenario is, written before it runs), NNN.json (its result, written
// by the tool) and NNN.log (its output). A scenario without a result is reported as failed/timeout.
//
// Usage: node report.mjs PARTS_DIR OUT.md OUT.json
import fs from 'node:fs';
import path from 'node:path';

const [dir, mdFile, jsonFile] = process.argv.slice(2);
const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));

// ---- collect the parts --------------------------------------------------------------------------
const parts = [];
for (const f of fs.readdirSync(dir).filter((f) => /^\d+\.meta\.json$/.test(f)).sort()) {
  const id = f.slice(0, -'.meta.json'.length);
  const what = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  const resultFile = path.join(dir, `${id}.json`);
  let result;
  if (fs.existsSync(resultFile)) {
    try { result = JSON.parse(fs.readFileSync(resultFile, 'utf8')); } catch (e) { result = { status: 'failed', error: `unreadable result: ${e}` }; }
  } else {
    const statusFile = path.join(dir, `${id}.status`);
    const logFile = path.join(dir, `${id}.log`);
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    result = { status: fs.existsSync(statusFile) ? fs.readFileSync(statusFile, 'utf8').trim() : 'failed', error: log.slice(-800) };
  }
  parts.push({ ...result, ...what, status: result.status, error: result.error });
}
const ok = (p) => p && p.status === 'ok';
const find = (pred) => parts.find(pred);

// ---- formatting -----------------------------------------------------------------------------------
const num = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-'
  : Number(v).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const ms = (v) => (v === null || v === undefined ? '-' : v >= 100 ? num(v, 0) : v >= 10 ? num(v, 1) : num(v, 2));
const ratio = (a, b) => (a === null || a === undefined || !b ? '-' : num(a / b, 2));
const state = (p) => (ok(p) ? '' : ` **${p ? p.status : 'missing'}**`);
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`,
  ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const md = [];
md.push(`# stream-journal benchmark${meta.label ? `: ${meta.label}` : ''}`, '');
md.push(`- date: ${meta.date} (UTC)${meta.quick ? ' — **quick mode** (smoke test of the command; numbers are not for comparison)' : ''}`);
md.push(`- machine: ${meta.nproc} cores (${meta.cpu}), ${meta.memGiB} GiB, Linux ${meta.kernel}`);
md.push(`- service: \`${meta.jar}\` (built ${meta.jarTime}${meta.jarCommit ? `, from commit ${meta.jarCommit}` : ''}), java -Xmx256m, ${meta.java}`);
md.push(`- working tree: ${meta.commit}`);
md.push(`- service log (WARN level): ${meta.serviceLogErrors} ERROR and ${meta.serviceLogWarnings} WARN lines; ${meta.serviceAliveAtEnd ? 'still running at the end' : '**not running at the end**'}`);
for (const line of meta.serviceLogExcerpt || []) md.push(`  - \`${line.replace(/`/g, "'")}\``);
md.push(`- PostgreSQL${meta.citus ? ' (Citus: a coordinator and two workers, each a server of its own on this machine; the service and pgbench on the coordinator)' : ''}: ${meta.pgVersion}, fsync=${meta.fsync}, synchronous_commit=${meta.syncCommit}, max_connections=${meta.maxConnections}, service pool ${meta.poolSize} connections (its default); same machine`);
md.push(`- load: wrk ${meta.wrk}, pgbench (-M prepared), Node ${meta.node}; reference: @durable-streams/server ${meta.dsVersion}`);
md.push(`- durations: ${meta.seconds} s per throughput scenario; live: ${meta.liveRate} appends/s for ${meta.liveSeconds} s per scenario`);
md.push('', 'All figures come from this one run on one machine (load generators, PostgreSQL and the servers share its cores); compare ratios rather than absolute numbers across runs.', '');

// ---- appends --------------------------------------------------------------------------------------
md.push('## Appends', '');
md.push('Each wrk connection appends to its own session and stream (token events without seq). pgbench runs, with the same connections and duration, the SQL the service runs for a one-event append (`bench/sql/append-1.sql`), the append transaction of the first design with the NOTIFY inside (`bench/sql/append-1-notify.sql`, for reference) and a one-row INSERT (`bench/sql/insert-floor.sql`, the floor). wrk runs one thread per connection, pgbench one thread per client (-j = -c). Only 200s count.', '');
const appendRows = [];
for (const c of meta.appendConnections) {
  const floor = find((p) => p.section === 'append' && p.script === 'insert-floor.sql' && p.connections === c);
  const sql = find((p) => p.section === 'append' && (p.script === 'append-1.sql' || p.script === 'append-1-sharded.sql') && p.connections === c);
  const floorTps = ok(floor) ? floor.requestsPerSecond : null;
  const sqlTps = ok(sql) ? sql.requestsPerSecond : null;
  for (const p of parts.filter((p) => p.section === 'append' && p.connections === c)) {
    const events = p.tool === 'wrk' ? (ok(p) ? p.requestsPerSecond * p.batch : null) : (ok(p) ? p.requestsPerSecond : null);
    const errors = p.tool === 'wrk' && ok(p)
      ? `${p.non200}${Object.values(p.socketErrors).some((v) => v) ? ` (+${Object.values(p.socketErrors).reduce((x, y) => x + y)} socket)` : ''}`
      : p.tool === 'pgbench' && ok(p) ? `${p.failed}` : '-';
    appendRows.push([`${p.title}${state(p)}${p.latencyNote ? ' (¹)' : ''}`, c, p.batch || 1, num(ok(p) ? p.requestsPerSecond : null),
      num(events), ms(p.mean), ms(p.p50), ms(p.p99), errors, ratio(events, floorTps),
      p.tool === 'wrk' ? ratio(ok(p) ? p.requestsPerSecond : null, sqlTps) : '-']);
  }
}
md.push(table(['scenario', 'conns', 'batch', 'req/s', 'events/s', 'mean ms', 'p50 ms', 'p99 ms', 'non-2xx / failed',
  'events/s ÷ INSERT floor', 'req/s ÷ SQL append'], appendRows), '');
const pgbenchNote = '(¹) pgbench reads its clock once per poll; starved of CPU it logged many of these transactions as 0 µs, so its percentiles are left out; the mean (clients ÷ tps) stands.';
if (parts.some((p) => p.section === 'append' && p.latencyNote)) md.push(pgbenchNote, '');

// ---- reads ----------------------------------------------------------------------------------------
md.push('## Reads', '');
md.push(`wrk, ${meta.readConnections} connections, all on one stream with 100 events, after a VACUUM ANALYZE of the database the appends filled (tenant default; the JWT names the same tenant and is verified on every request). Floor: pgbench primary-key SELECT of that stream's row (\`bench/sql/select-pk.sql\`), same connections.`, '');
const selectFloor = find((p) => p.section === 'read' && p.tool === 'pgbench');
const selectTps = ok(selectFloor) ? selectFloor.requestsPerSecond : null;
md.push(table(['scenario', 'req/s', 'mean ms', 'p50 ms', 'p99 ms', 'non-200 / failed', 'req/s ÷ SELECT'],
  parts.filter((p) => p.section === 'read').map((p) => [`${p.title}${state(p)}${p.latencyNote ? ' (¹)' : ''}`,
    num(ok(p) ? p.requestsPerSecond : null), ms(p.mean), ms(p.p50), ms(p.p99),
    ok(p) ? (p.tool === 'wrk' ? p.non200 : p.failed) : '-', ratio(ok(p) ? p.requestsPerSecond : null, selectTps)])), '');
if (parts.some((p) => p.section === 'read' && p.latencyNote)) md.push(pgbenchNote, '');

// ---- live -----------------------------------------------------------------------------------------
const live = parts.filter((p) => p.section === 'live');
if (live.length) {
md.push('## Live latency', '');
md.push('From just before the producer\'s POST is sent to the moment a subscriber has parsed the frame (one Node process, one monotonic clock; subscribers are plain SSE connections over Node\'s http module). Appends go round-robin over the streams at a fixed total rate. Servers: stream-journal with its native SSE tail; the Durable Streams endpoint `/ds` (stream-journal-ds, the same protocol and client code as the reference); the Durable Streams reference server in memory (ds-memory) and file-backed with fsync (ds-file).', '');
const scenarios = [...new Set(live.map((p) => p.scenario))];
const liveOf = (s, server) => live.find((p) => p.scenario === s && p.server === server);
md.push(table(['scenario', 'server', 'subscribers', 'appends', 'frames received / expected', 'p50 ms', 'p99 ms', 'max ms', 'status'],
  live.map((p) => [p.scenario, p.server, num(p.subscribers), num(p.appends),
    p.expected ? `${num(p.received)} / ${num(p.expected)}` : '-', ms(p.p50), ms(p.p99), ms(p.max),
    p.status + (p.appendErrors ? ` (${p.appendErrors} append errors)` : '')])), '');
md.push('Ratio stream-journal ÷ reference (latency; above 1 = stream-journal slower), native tail and `/ds`:', '');
const r = (a, b, k) => (a && b && a[k] !== null && b[k] !== null && a[k] !== undefined && b[k] !== undefined ? ratio(a[k], b[k]) : '-');
md.push(table(['scenario', 'server', 'p50 ÷ ds-memory', 'p99 ÷ ds-memory', 'p50 ÷ ds-file', 'p99 ÷ ds-file'],
  scenarios.flatMap((s) => ['stream-journal', 'stream-journal-ds'].filter((server) => liveOf(s, server)).map((server) => {
    const sj = liveOf(s, server); const mem = liveOf(s, 'ds-memory'); const file = liveOf(s, 'ds-file');
    return [s, server, r(sj, mem, 'p50'), r(sj, mem, 'p99'), r(sj, file, 'p50'), r(sj, file, 'p99')];
  }))), '');
const reqpath = parts.filter((p) => p.section === 'reqpath');
if (reqpath.length) {
  const rows = reqpath.flatMap((p) => (p.rows ? p.rows.map((r) => [r.what, ms(r.p50), ms(r.p99), p.status])
    : [[p.name ?? p.title, ms(p.p50), ms(p.p99), p.status]]));
  md.push('The request path at this rate: one request at a time, 20 a second, from the same Node client to a bare Node HTTP server in another process (the floor of a loopback round trip on this machine) and to the service; and pgbench running the append\'s SQL (`bench/sql/append-1.sql`) at 20 transactions a second, one client.', '');
  md.push(table(['request', 'p50 ms', 'p99 ms', 'status'], rows), '');
}
md.push('Where the time goes: the append\'s answer (send to response: the HTTP request and, for stream-journal and the file-backed reference, the commit with fsync) and the frame\'s arrival after that answer (negative: the frame was parsed before the answer). A durable server can only push after its commit, so its frames follow the answer closely; what the frame adds past the answer is the push path (wake-up, feed read, framing, flush).', '');
md.push(table(['scenario', 'server', 'answer p50 ms', 'answer p99 ms', 'frame − answer p50 ms', 'frame − answer p99 ms', 'send → frame p99 ms'],
  live.filter((p) => p.ackP50 !== undefined).map((p) => [p.scenario, p.server, ms(p.ackP50), ms(p.ackP99), ms(p.afterAckP50), ms(p.afterAckP99), ms(p.p99)])), '');
md.push('The file-backed reference server reads the whole stream file (readFileSync) each time it wakes a subscriber, on its one event loop; that is the likely reason its latency grows with subscribers × stream length.', '');
}

// ---- Durable Streams appends ----------------------------------------------------------------------
const dsAppends = parts.filter((p) => p.section === 'ds');
if (dsAppends.length) {
  md.push('## Durable Streams appends', '');
  md.push('wrk `POST` of a JSON array of `batch` messages to a Durable Stream of its own per connection (content type `application/json`, no producer headers), one thread per connection, on stream-journal\'s `/ds` (committed in PostgreSQL, fsync on) and on the reference server in memory and file-backed (fsync on append). Every 2xx counts.', '');
  const ofServer = (server, c, b) => dsAppends.find((p) => p.server === server && p.connections === c && p.batch === b);
  const rps = (p) => (ok(p) ? p.requestsPerSecond : null);
  md.push(table(['server', 'conns', 'batch', 'req/s', 'messages/s', 'p50 ms', 'p99 ms', 'non-2xx', 'req/s ÷ ds-memory', 'req/s ÷ ds-file'],
    dsAppends.map((p) => [`${p.server}${state(p)}`, p.connections, p.batch, num(rps(p)), num(ok(p) ? p.requestsPerSecond * p.batch : null),
      ms(p.p50), ms(p.p99), ok(p) ? p.non200 : '-',
      ratio(rps(p), rps(ofServer('ds-memory', p.connections, p.batch))), ratio(rps(p), rps(ofServer('ds-file', p.connections, p.batch)))])), '');
}

// ---- transactions per append ----------------------------------------------------------------------
const tx = find((p) => p.section === 'tx');
if (tx) {
  md.push('## Database transactions per append', '');
  md.push(`pg_stat_database (xact_commit + xact_rollback of the bench database) with ${num(tx.subscribers ?? tx.subscribersWanted)} SSE subscribers on one stream: a window with ${tx.appends ?? '-'} appends (over ${tx.appendSeconds ?? '-'} s, then quiet so that PostgreSQL publishes the counts), minus the idle rate measured over a window of the same length with the subscribers connected and no appends.`, '');
  md.push(table(['measure', 'value'], [
    ['status', tx.status],
    ['transactions per append', num(tx.txPerAppend, 1)],
    [`idle transactions/s with ${num(tx.subscribers ?? tx.subscribersWanted)} idle subscribers`, num(tx.idleTxPerSecond, 1)],
    ['transactions in the append window / idle window', `${num(tx.appendWindowTx)} / ${num(tx.idleWindowTx)}`],
    ['window length s', num(tx.windowSeconds, 1)],
    ['frames delivered / expected', tx.framesExpected ? `${num(tx.framesDelivered)} / ${num(tx.framesExpected)}` : '-'],
  ]), '');
}

// ---- catch-up -------------------------------------------------------------------------------------
const cu = find((p) => p.section === 'catchup');
if (cu) {
  md.push('## Catch-up of a closed stream', '');
  md.push(`One SSE request for a closed stream of ${num(cu.events ?? cu.eventsWanted)} token events (appended in batches of 500, then stream_end), from the request to the end of the response, every frame received; ${cu.runs ? cu.runs.length : '-'} measured runs${cu.warmupRuns ? ` after ${cu.warmupRuns} unmeasured warm-up runs (the warm-up time of every scenario)` : ''}.`, '');
  md.push(table(['measure', 'value'], [
    ['status', cu.status], ['median s', num(cu.medianSeconds, 3)], ['min s', num(cu.minSeconds, 3)],
    ['events/s at the median', num(cu.eventsPerSecondAtMedian)], ['runs s', cu.runs ? cu.runs.join(', ') : '-'],
    ['response size MiB', num(cu.mebibytes, 1)],
  ]), '');
}

// ---- memory ---------------------------------------------------------------------------------------
const rss = find((p) => p.section === 'rss');
if (rss) {
  md.push('## Memory with idle subscribers', '');
  md.push(`VmRSS of the service process (-Xmx256m) before and after ${num(rss.subscribers ?? rss.subscribersWanted)} idle SSE subscribers connect to ${num(rss.streams ?? rss.streamsWanted)} streams (measured at the end of the run, 5 s after the last connected). RSS counts what the JVM has committed: heap committed during earlier scenarios absorbs the subscribers' objects first, so small counts may barely move it.`, '');
  md.push(table(['measure', 'value'], [
    ['status', rss.status], ['RSS before MiB', num(rss.rssBeforeMiB, 1)], ['RSS with subscribers MiB', num(rss.rssAfterMiB, 1)],
    ['delta MiB', num(rss.deltaMiB, 1)], ['KiB per subscriber', num(rss.kibPerSubscriber, 1)],
    ['connected / open at measurement', rss.connected !== undefined ? `${num(rss.connected)} / ${num(rss.openAtMeasurement)}` : '-'],
    ['connect time s', num(rss.connectSeconds, 1)],
  ]), '');
}

// ---- failures -------------------------------------------------------------------------------------
const failed = parts.filter((p) => !ok(p));
if (failed.length) {
  md.push('## Scenarios that did not complete', '');
  for (const p of failed) {
    // a stack trace: its message (the lines before the first "at"); a log: its last lines
    const lines = String(p.error || '').trim().split('\n');
    const at = lines.findIndex((l) => /^\s+at /.test(l));
    const excerpt = (at > 0 ? lines.slice(0, at) : lines.slice(-6)).join('\n  ');
    md.push(`- ${p.section} / ${p.title || `${p.scenario}, ${p.server}`}: **${p.status}**${excerpt ? `\n\n  \`\`\`\n  ${excerpt}\n  \`\`\`` : ''}`);
  }
  md.push('');
}

fs.writeFileSync(mdFile, md.join('\n'));
fs.writeFileSync(jsonFile, JSON.stringify({ meta, results: parts }, null, 2) + '\n');
