// A producer and a reader through a crash and restart of the service: the producer's retries (same seq,
// same body) put every event in exactly once; the tail resumes with no gap and no duplicate.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { JournalClient } from '../../src/index.js';
import { Service, ids, token, until } from '../harness.mjs';

let service;

before(async () => {
  service = await Service.start('restart');
});

after(async () => {
  await service?.stop();
});

for (const signal of ['SIGKILL', 'SIGTERM']) {
  test(`appends go through a restart (${signal}) exactly once, and the tail resumes`, async () => {
    const client = new JournalClient({ baseUrl: service.url, token: token(), backoff: { initialMillis: 50, maxMillis: 1000 } });
    // the service may take long to start on a busy machine: the producer waits as long as the harness
    const patient = { maxRetryMillis: 120000 };
    const { session, stream } = ids(signal.toLowerCase());
    const retries = [];
    const writer = await client.createStream(session, { streamId: stream, onRetry: (info) => retries.push(info), ...patient });
    const seqs = [];
    const reasons = [];
    const tail = client.tail(stream, {
      onEvent: (event) => seqs.push(event.seq),
      onReconnect: ({ reason }) => reasons.push(reason),
    });
    // appends go on until the service is back (about 40 before the restart), so some meet it down
    let restarted = false;
    let restarting = null;
    let count = 0;
    for (; count < 40 || !restarted; count++) {
      if (count === 20) {
        await until(() => seqs.length >= 10, { message: 'the tail to be reading' });
        restarting = service.restart(signal).then(() => { restarted = true; });
        restarting.catch(() => { restarted = true; });
      }
      await writer.token(`t${count} `);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await restarting;
    await writer.done();
    await writer.end();
    const end = await tail.done;

    assert.ok(retries.length > 0, 'no append was retried');
    assert.ok(reasons.length > 0, 'the tail never reconnected');
    assert.deepEqual(seqs, Array.from({ length: count + 2 }, (_, i) => i + 1));
    assert.equal(tail.stats.duplicates + tail.stats.gaps, 0);
    assert.equal(end.settlement.outcome, 'restored');
    const texts = [];
    for (let next = 0; next !== null;) {
      const page = await client.events(stream, { after: next, limit: 1000 });
      texts.push(...page.events.filter((e) => e.type === 'token').map((e) => e.data.text));
      next = page.next;
    }
    assert.deepEqual(texts, Array.from({ length: count }, (_, n) => `t${n} `));
  });
}
