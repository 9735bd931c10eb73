// The client's own decisions, over a scripted transport (the tests of test/live run it against the
// service): how a read ends, closes and gives up, and what a producer sends again.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JournalClient, JournalError, NetworkError } from '../../src/index.js';

const fast = { initialMillis: 5, maxMillis: 20 };
const json = (status, body) => new Response(JSON.stringify(body), {
  status, headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
});
const problem = (status, slug) => json(status, { type: `https://stream-journal.dev/problems/${slug}`, title: slug, status, detail: slug });
const event = (seq, type = 'token') => `id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify({ streamId: 's', seq, type, data: {} })}\n\n`;
const settlement = (fields) => `event: settlement\ndata: ${JSON.stringify({ streamId: 's', sessionId: 'x', currentStreamId: 's', ...fields })}\n\n`;

/** An SSE response that sends `text`, then ends, or stays open (`open`) until the request is aborted. */
function sse(text, { open = false, signal } = {}) {
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      if (!open) controller.close();
      signal?.addEventListener('abort', () => controller.error(signal.reason));
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

/** A fetch that answers from `script(request, n)`, recording each request. */
function scripted(script) {
  const requests = [];
  const fetch = async (url, init = {}) => {
    const request = { url: new URL(url), method: init.method || 'GET', headers: init.headers || {}, body: init.body, signal: init.signal };
    requests.push(request);
    return script(request, requests.length);
  };
  return { fetch, requests };
}

const until = async (check) => {
  for (const deadline = Date.now() + 5000; !check(); ) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

test('a tail resumed past stream_end ends with the settlement, without reconnecting', async () => {
  const { fetch, requests } = scripted(() => sse(`retry: 1000\n\n${settlement({ outcome: 'restored', lastSeq: 5, closed: true })}`));
  const tail = new JournalClient({ baseUrl: 'http://journal', fetch, backoff: fast }).tail('s', { after: 5 });
  const end = await tail.done;
  assert.equal(end.reason, 'stream_end');
  assert.equal(end.settlement.outcome, 'restored');
  assert.equal(requests.length, 1);
  assert.equal(requests[0].headers['Last-Event-ID'], '5');
});

test('a tail opened before its stream exists reads it once it does; an unknown one ends missing', async () => {
  const { fetch } = scripted((request, n) => {
    if (request.url.pathname.endsWith('/settlement')) return json(200, { streamId: 's', outcome: 'active' });
    if (n === 1) return problem(404, 'not-found');
    return sse(`${event(1)}${event(2, 'done')}${settlement({ outcome: 'restored', lastSeq: 2 })}${event(3, 'stream_end')}`);
  });
  const items = [];
  for await (const item of new JournalClient({ baseUrl: 'http://journal', fetch, backoff: fast }).tail('s')) items.push(item.kind);
  assert.deepEqual(items, ['event', 'event', 'settlement', 'event']);

  const missing = scripted((request) => (request.url.pathname.endsWith('/settlement')
    ? json(200, { streamId: 's', outcome: 'missing' }) : problem(404, 'not-found')));
  const end = await new JournalClient({ baseUrl: 'http://journal', fetch: missing.fetch }).tail('s').done;
  assert.equal(end.reason, 'missing');
  assert.equal(missing.requests.length, 2);
});

test('leaving the iterator early closes the read and its connection', async () => {
  const { fetch, requests } = scripted((request) => sse(`${event(1)}${event(2)}${event(3)}`, { open: true, signal: request.signal }));
  const tail = new JournalClient({ baseUrl: 'http://journal', fetch }).tail('s');
  for await (const item of tail) {
    if (item.event.seq === 2) break;
  }
  assert.equal((await tail.done).reason, 'closed');
  assert.equal(requests[0].signal.aborted, true);
  assert.throws(() => tail[Symbol.asyncIterator]().next(), /one iterator/);
});

test('close() while the token is asked for opens no connection', async () => {
  let give;
  const { fetch, requests } = scripted(() => sse(event(1)));
  const tail = new JournalClient({ baseUrl: 'http://journal', fetch, token: () => new Promise((resolve) => { give = resolve; }) }).tail('s');
  await until(() => give);
  tail.close();
  give('token');
  assert.equal((await tail.done).reason, 'closed');
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(requests.length, 0);
});

test('a token provider that keeps failing ends the read with its error', async () => {
  let asked = 0;
  const { fetch, requests } = scripted(() => sse(event(1)));
  const tail = new JournalClient({
    baseUrl: 'http://journal', fetch, backoff: fast, token: () => { asked++; throw new Error('no token today'); },
  }).tail('s');
  await assert.rejects(tail.done, /no token today/);
  assert.equal(asked, 4);
  assert.equal(requests.length, 0);
});

test('a connection that goes silent is replaced', async () => {
  const { fetch, requests } = scripted((request, n) => (n === 1
    ? sse(event(1), { open: true, signal: request.signal })
    : sse(`${event(2, 'done')}${settlement({ outcome: 'restored', lastSeq: 2 })}${event(3, 'stream_end')}`)));
  const reasons = [];
  const tail = new JournalClient({ baseUrl: 'http://journal', fetch, backoff: fast, idleTimeoutMillis: 50 })
    .tail('s', { onReconnect: ({ reason }) => reasons.push(reason) });
  assert.equal((await tail.done).lastSeq, 3);
  assert.deepEqual(reasons, ['idle']);
  assert.equal(requests[1].headers['Last-Event-ID'], '1');
});

test('a batch whose retries ran out is sent again, unchanged, before the next one', async () => {
  let down = true;
  const { fetch, requests } = scripted((request) => {
    if (request.method !== 'POST') return json(200, {});
    if (down) return problem(503, 'unavailable');
    const { events } = JSON.parse(request.body);
    return json(200, { streamId: 's', lastSeq: events.at(-1).seq, appended: events.length, duplicates: 0, terminal: false, closed: false });
  });
  const client = new JournalClient({ baseUrl: 'http://journal', fetch, backoff: fast });
  const status = { streamId: 's', sessionId: 'x', journal: { lastSeq: 0, terminal: false, closed: false } };
  const { Producer } = await import('../../src/index.js');
  const producer = new Producer(client, status, { maxRetryMillis: 40, heartbeatMillis: 60000 });
  const data = { text: 'first' };
  await assert.rejects(producer.append({ type: 'token', data }), (error) => error instanceof JournalError && error.status === 503);
  data.text = 'changed afterwards';
  down = false;
  const result = await producer.token('second');
  producer.close();
  const bodies = requests.map((request) => request.body);
  const first = JSON.stringify({ events: [{ seq: 1, type: 'token', data: { text: 'first' } }] });
  assert.ok(bodies.length >= 3);
  assert.ok(bodies.slice(0, -1).every((body) => body === first), bodies.join('\n'));
  assert.equal(bodies.at(-1), JSON.stringify({ events: [{ seq: 2, type: 'token', data: { text: 'second' } }] }));
  assert.equal(result.lastSeq, 2);
});

test('a failed heartbeat does not end the heartbeats; close() does', async () => {
  const beats = [];
  const { fetch } = scripted((request) => {
    beats.push(Date.now());
    return beats.length === 1 ? problem(500, 'internal') : new Response(null, { status: 204 });
  });
  const client = new JournalClient({ baseUrl: 'http://journal', fetch, backoff: fast });
  const { Producer } = await import('../../src/index.js');
  const producer = new Producer(client, { streamId: 's', sessionId: 'x', journal: { lastSeq: 0, terminal: false, closed: false } },
    { heartbeatMillis: 10 });
  await until(() => beats.length >= 3);
  producer.close();
  const after = beats.length;
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(beats.length <= after + 1, `${beats.length - after} heartbeats after close()`);
});

test('network errors are retried; a refused request is not', async () => {
  let calls = 0;
  const client = new JournalClient({
    baseUrl: 'http://journal', backoff: fast,
    fetch: async () => { calls++; if (calls < 3) throw new TypeError('fetch failed'); return problem(400, 'invalid-event'); },
  });
  await assert.rejects(client.retrying('POST', '/v1/streams/s/events', { body: {} }), (error) => error.slug === 'invalid-event');
  assert.equal(calls, 3);
  await assert.rejects(new JournalClient({ baseUrl: 'http://journal', fetch: async () => { throw new TypeError('down'); } })
    .status('s'), (error) => error instanceof NetworkError);
});

test('a batch that may have been written is kept, even when its last try was refused', async () => {
  let n = 0;
  const { fetch, requests } = scripted((request) => {
    n++;
    if (n === 1) throw new TypeError('connection reset'); // perhaps written, answer lost
    if (n === 2) return problem(500, 'internal');
    const { events } = JSON.parse(request.body);
    return json(200, { streamId: 's', lastSeq: events.at(-1).seq, appended: 1, duplicates: 0, terminal: false, closed: false });
  });
  const { Producer } = await import('../../src/index.js');
  const producer = new Producer(new JournalClient({ baseUrl: 'http://journal', fetch, backoff: fast }),
    { streamId: 's', sessionId: 'x', journal: { lastSeq: 0, terminal: false, closed: false } }, { heartbeatMillis: 60000 });
  await assert.rejects(producer.token('a'), (error) => error.status === 500 && error.uncertain === true);
  await producer.token('b');
  producer.close();
  assert.deepEqual(requests.map((request) => JSON.parse(request.body).events.map((e) => `${e.seq}${e.data.text}`).join()),
    ['1a', '1a', '1a', '2b']);
});

test('a heartbeat answered stream-terminal ends the heartbeats', async () => {
  let beats = 0;
  const { fetch } = scripted(() => {
    beats++;
    return json(409, { type: 'https://stream-journal.dev/problems/stream-terminal', status: 409, terminalState: 'interrupted' });
  });
  const { Producer } = await import('../../src/index.js');
  const producer = new Producer(new JournalClient({ baseUrl: 'http://journal', fetch }),
    { streamId: 's', sessionId: 'x', journal: { lastSeq: 0, terminal: false, closed: false } }, { heartbeatMillis: 10 });
  await until(() => beats === 1);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(beats, 1);
  assert.equal(producer.terminal, true);
  assert.equal(producer.terminalState, 'interrupted');
  assert.equal(producer.stopped, null); // trailers and stream_end may still follow
});

test('a request answered 401 is sent again at once with a fresh token', async () => {
  const asked = [];
  const { fetch } = scripted((request, n) => (n === 1 ? problem(401, 'unauthorized') : json(200, { ok: request.headers.Authorization })));
  const client = new JournalClient({ baseUrl: 'http://journal', fetch, token: ({ refresh }) => { asked.push(refresh); return refresh ? 'new' : 'old'; } });
  assert.deepEqual(await client.retrying('GET', '/v1/streams/s'), { ok: 'Bearer new' });
  assert.deepEqual(asked, [false, true]);
});

test('a tail whose 404 cannot be looked into for a moment keeps trying', async () => {
  const { fetch } = scripted((request, n) => {
    if (request.url.pathname.endsWith('/settlement')) return problem(503, 'unavailable');
    if (n === 1) return problem(404, 'not-found');
    return sse(`${event(1, 'done')}${settlement({ outcome: 'restored', lastSeq: 1 })}${event(2, 'stream_end')}`);
  });
  const end = await new JournalClient({ baseUrl: 'http://journal', fetch, backoff: fast }).tail('s').done;
  assert.equal(end.reason, 'stream_end');
  assert.equal(end.settlement.outcome, 'restored');
});
