// Two replicas behind one address, as in Kubernetes: the replica serving a tail and a producer drains
// mid-stream. The tail ends with the drain hint, comes back through the address to the other replica
// and resumes with no gap; the producer's appends go through (503s and refused connections retried).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { JournalClient } from '../../src/index.js';
import { Service, front, ids, token, until } from '../harness.mjs';

let a;
let b;
let address;

before(async () => {
  assert.ok(process.env.SJ_DB_REACTIVE_URL, 'two replicas need one database: run this through JsClientIT (SJ_DB_*)');
  [a, b] = [await Service.start('drain-a'), await Service.start('drain-b')];
  address = await front(a);
});

after(async () => {
  await address?.close();
  await a?.stop();
  await b?.stop();
});

test('a drain mid-stream: the tail resumes on the other replica with no gap', async () => {
  const client = new JournalClient({ baseUrl: address.url, token: token(), backoff: { initialMillis: 50, maxMillis: 1000 } });
  const { session, stream } = ids('drain');
  const writer = await client.createStream(session, { streamId: stream });
  const seqs = [];
  const reasons = [];
  const sessionSeqs = [];
  const tail = client.tail(stream, { onEvent: (e) => seqs.push(e.seq), onReconnect: ({ reason }) => reasons.push(reason) });
  const channelReasons = [];
  const channel = client.session(session, {
    onEvent: (e) => sessionSeqs.push(e.seq), onReconnect: ({ reason }) => channelReasons.push(reason),
  });
  const COUNT = 150;
  let drained = null;
  for (let n = 0; n < COUNT; n++) {
    if (n === 50) {
      await until(() => seqs.length >= 30 && sessionSeqs.length >= 30, { message: 'both readers to be reading' });
      address.pointAt(b);
      drained = a.stop('SIGTERM');
    }
    await writer.token(`t${n} `);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await drained;
  await writer.done();
  await writer.end();
  const end = await tail.done;
  const all = Array.from({ length: COUNT + 2 }, (_, i) => i + 1);
  assert.ok(reasons.includes('drain'), `reconnects: ${reasons}`);
  assert.ok(channelReasons.includes('drain'), `session channel reconnects: ${channelReasons}`);
  assert.deepEqual(seqs, all);
  assert.equal(end.settlement.outcome, 'restored');
  await until(() => sessionSeqs.length === all.length, { message: 'the session channel to take every event' });
  assert.deepEqual(sessionSeqs, all);
  assert.equal(tail.stats.duplicates + tail.stats.gaps + channel.stats.duplicates + channel.stats.gaps, 0);
  channel.close();
});
