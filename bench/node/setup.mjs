// Fixtures for the wrk scenarios, created through the API (anonymous, tenant "default"):
//   node setup.mjs streams BASE N PREFIX      N sessions with one stream each (lease 3600 s); prints the
//                                             stream ids, one a line (wrk gives each connection one)
//   node setup.mjs ds-streams BASE N PREFIX   N Durable Streams (JSON) at BASE/PREFIX-i; prints their URL
//                                             paths, one a line (BASE is the streams' base: the service's
//                                             /ds/v1/stream or a reference server's root)
//   node setup.mjs read BASE ID               session s-ID with stream ID holding 100 token events
//                                             (for the read scenarios: status, settlement, event page, session)
import { request, expect, pool, target } from './lib.mjs';

const [mode, base, arg, prefix] = process.argv.slice(2);
const create = (id) => expect(request(base, 'POST', `/v1/sessions/s-${id}/streams`,
  { body: { streamId: id, userMessage: { content: 'benchmark' }, leaseSeconds: 3600 } }), 201, 200);

if (mode === 'streams') {
  const ids = Array.from({ length: Number(arg) }, (_, i) => `${prefix}-${i}`);
  await pool(ids.length, 8, (i) => create(ids[i]));
  console.log(ids.join('\n'));
} else if (mode === 'ds-streams') {
  const streams = target('ds', base);
  const ids = Array.from({ length: Number(arg) }, (_, i) => `${prefix}-${i}`);
  await pool(ids.length, 8, (i) => streams.create(ids[i]));
  console.log(ids.map((id) => streams.path(id)).join('\n'));
} else if (mode === 'read') {
  await create(arg);
  const events = Array.from({ length: 100 }, (_, i) => ({ type: 'token', data: { text: `word${i} ` } }));
  await expect(request(base, 'POST', `/v1/streams/${arg}/events`, { body: { events } }), 200);
  console.log(arg);
} else {
  console.error('usage: node setup.mjs streams BASE N PREFIX | ds-streams BASE N PREFIX | read BASE ID');
  process.exit(2);
}
process.exit(0);
