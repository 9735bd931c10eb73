// The seed race: a newer turn takes the session while an old stream is read and produced. The old
// tail settles `stale` naming the new stream and ends; the old producer stops; the new turn is untouched.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { JournalClient, StreamTerminalError } from '../../src/index.js';
import { Service, ids, token, until } from '../harness.mjs';

let service;
let client;

before(async () => {
  service = await Service.start('supersede');
  client = new JournalClient({ baseUrl: service.url, token: token() });
});

after(async () => {
  await service?.stop();
});

test('the old tail settles stale with the new stream, the old producer stops, the new turn is untouched', async () => {
  const { session, stream } = ids('seed');
  const old = await client.createStream(session, { streamId: stream, userMessage: { content: 'first question' } });
  await old.append([{ type: 'token', data: { text: 'old ' } }, { type: 'token', data: { text: 'answer' } }]);

  const seen = { events: [], stale: [], restored: 0, stopped: [] };
  const tail = client.tail(stream, {
    onEvent: (event) => seen.events.push(`${event.streamId}:${event.seq}`),
    onStale: (current) => seen.stale.push(current),
    onRestored: () => seen.restored++,
  });
  await until(() => seen.events.length === 2, { message: 'the old events' });

  const newer = await client.createStream(session, {
    streamId: `${stream}-new`, onActive: 'interrupt', userMessage: { content: 'second question' },
  });
  const end = await tail.done;
  assert.equal(end.reason, 'stale');
  assert.deepEqual(seen.stale, [newer.streamId]);
  assert.equal(end.settlement.currentStreamId, newer.streamId);
  assert.deepEqual(seen.events, [`${stream}:1`, `${stream}:2`]);
  assert.equal(seen.restored, 0);

  // the old producer learns it at its next append, and stops: later calls fail without a request
  await assert.rejects(old.token(' late'), (error) => error instanceof StreamTerminalError && error.superseded);
  assert.ok(old.stopped?.superseded);
  await assert.rejects(old.token(' later'), (error) => error === old.stopped);

  // a tail of the old stream opened late replays it, settles stale and never shows the new turn
  const late = client.tail(stream);
  const items = [];
  for await (const item of late) items.push(item);
  assert.deepEqual(items.filter((item) => item.kind === 'event').map((item) => item.event.streamId), [stream, stream]);
  assert.deepEqual(items.filter((item) => item.kind === 'settlement').map((item) => item.settlement.outcome), ['stale']);

  // the new turn is untouched by all of it, and completes
  const status = await client.status(newer.streamId);
  assert.equal(status.active, true);
  assert.equal(status.journal.lastSeq, 0);
  await newer.token('new answer');
  await newer.done();
  const settlement = await client.settle(newer.streamId);
  assert.equal(settlement.outcome, 'restored');
  assert.deepEqual(settlement.transcript.messages.map((m) => m.content), ['second question', 'new answer']);
});

test('an idle producer learns from its heartbeat that it was superseded, and stops', async () => {
  const { session, stream } = ids('idle');
  let stoppedBy = null;
  const idle = await client.createStream(session, {
    streamId: stream, heartbeatMillis: 200, onStopped: (error) => { stoppedBy = error; },
  });
  await client.createStream(session, { onActive: 'interrupt' });
  await until(() => stoppedBy, { message: 'the heartbeat to find the stream superseded' });
  assert.ok(stoppedBy instanceof StreamTerminalError && stoppedBy.superseded);
  assert.equal(idle.stopped, stoppedBy);
});

test('a create into a busy session is a SessionBusyError naming the live stream', async () => {
  const { session, stream } = ids('busy');
  await client.createStream(session, { streamId: stream });
  const { SessionBusyError } = await import('../../src/index.js');
  await assert.rejects(client.createStream(session), (error) => error instanceof SessionBusyError
    && error.activeStreamId === stream && error.status === 409 && error.slug === 'session-busy');
});

test('a tail of an unknown stream settles missing and ends', async () => {
  const outcomes = [];
  const tail = client.tail('no-such-stream', { onMissing: (s) => outcomes.push(s.outcome) });
  const end = await tail.done;
  assert.equal(end.reason, 'missing');
  assert.deepEqual(outcomes, ['missing']);
});
