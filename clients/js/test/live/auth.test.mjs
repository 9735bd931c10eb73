// Tokens: a live read asks its token provider again on every reconnect, with `refresh` after a 401 or
// an expiry, and resumes where it was; a provider that keeps failing ends the read with the 401.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { JournalClient, JournalError } from '../../src/index.js';
import { Service, ids, token, until } from '../harness.mjs';

let service;
let producer;

before(async () => {
  service = await Service.start('auth');
  producer = new JournalClient({ baseUrl: service.url, token: token() });
});

after(async () => {
  await service?.stop();
});

test('a 401 makes the tail ask for a fresh token, and it reads on with it', async () => {
  const { session, stream } = ids('refresh');
  const writer = await producer.createStream(session, { streamId: stream });
  await writer.token('hello');
  const asked = [];
  const reasons = [];
  const reader = new JournalClient({
    baseUrl: service.url,
    token: ({ refresh }) => {
      asked.push(refresh);
      return asked.length === 1 ? 'not-a-token' : token();
    },
  });
  const tail = reader.tail(stream, { onReconnect: ({ reason }) => reasons.push(reason) });
  await writer.done();
  await writer.end();
  const end = await tail.done;
  assert.equal(end.reason, 'stream_end');
  assert.equal(end.lastSeq, 3);
  assert.deepEqual(asked, [false, true]);
  assert.deepEqual(reasons, ['unauthorized']);
});

test('a token that expires mid-stream: the tail and the WebSocket channel reconnect with fresh tokens, no gap', async () => {
  const { session, stream } = ids('expiry');
  const writer = await producer.createStream(session, { streamId: stream });
  const asked = { tail: [], socket: [] };
  const shortLived = (log) => ({ refresh }) => {
    log.push(refresh);
    return token({ ttlSeconds: 3 });
  };
  const reasons = { tail: [], socket: [] };
  const tail = new JournalClient({ baseUrl: service.url, token: shortLived(asked.tail) })
    .tail(stream, { onReconnect: ({ reason }) => reasons.tail.push(reason) });
  const channel = new JournalClient({ baseUrl: service.url, token: shortLived(asked.socket), WebSocket })
    .session(session, { transport: 'websocket', onReconnect: ({ reason }) => reasons.socket.push(reason) });
  const tailSeqs = [];
  const socketSeqs = [];
  (async () => { for await (const item of tail) if (item.kind === 'event') tailSeqs.push(item.event.seq); })();
  (async () => { for await (const item of channel) if (item.kind === 'event') socketSeqs.push(item.event.seq); })();

  // appends until both readers have outlived at least two tokens
  const expired = (name) => reasons[name].filter((reason) => reason === 'token-expired').length;
  let count = 0;
  for (const deadline = Date.now() + 60000; expired('tail') < 2 || expired('socket') < 2; count++) {
    assert.ok(Date.now() < deadline, `expiries seen: ${reasons.tail} / ${reasons.socket}`);
    await writer.token(`t${count} `);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await writer.done();
  await writer.end();
  await tail.done;
  await until(() => socketSeqs.length === count + 2, { message: 'the WebSocket channel to take every event' });
  channel.close();
  const all = Array.from({ length: count + 2 }, (_, i) => i + 1);
  assert.deepEqual(tailSeqs, all);
  assert.deepEqual(socketSeqs, all);
  for (const name of ['tail', 'socket']) {
    assert.ok(reasons[name].filter((reason) => reason === 'token-expired').length >= 2, `${name}: ${reasons[name]}`);
    assert.equal(asked[name][0], false);
    assert.ok(asked[name].slice(1).every((refresh) => refresh), `${name} asked without refresh: ${asked[name]}`);
  }
});

test('a provider that keeps giving bad tokens ends the read with the 401', async () => {
  const { session, stream } = ids('bad');
  await producer.createStream(session, { streamId: stream });
  let asked = 0;
  const reader = new JournalClient({
    baseUrl: service.url, backoff: { initialMillis: 10 }, token: () => { asked++; return 'still-not-a-token'; },
  });
  const failures = [];
  const tail = reader.tail(stream, { onFailure: (error) => failures.push(error) });
  await assert.rejects(tail.done, (error) => error instanceof JournalError && error.status === 401 && error.slug === 'unauthorized');
  assert.equal(asked, 4);
  assert.equal(failures.length, 1);
});
