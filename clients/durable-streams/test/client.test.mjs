// The official client (npm @durable-streams/client) against /ds of two replicas over one PostgreSQL, with
// authentication on: an IdempotentProducer writes through one TCP front while readers (SSE and long-poll)
// read through another, and the fronts are cut, re-pointed and one replica is killed with SIGKILL while
// appends are in flight. The client is configured, not changed: the producer gets a fetch that sends a
// request again when its connection broke, and the server's producer state counts it once.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DurableStream, IdempotentProducer, stream } from '@durable-streams/client';
import { Service, front, token, until } from '../../js/test/harness.mjs';

const TOTAL = 400;
const BACKOFF = { initialDelay: 20, maxDelay: 400, multiplier: 2 };
const env = { JOURNAL_DS_LONG_POLL_TIMEOUT: '3s' };
const auth = { Authorization: `Bearer ${token({ sub: 'ds-client', tenant: 'ds-client' })}` };
let a;
let b;
let writes;
let reads;

beforeAll(async () => {
  [a, b] = await Promise.all([Service.start('ds-client-a', { env }), Service.start('ds-client-b', { env })]);
  writes = await front(a);
  reads = await front(b);
});

afterAll(async () => {
  await writes?.close();
  await reads?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

/**
 * A live reader through `base`: every item it receives, in order, and the offset after each batch. The
 * client's long-poll retries a broken request by itself; its SSE session ends with an error when the
 * connection is cut mid-response, and the reader then resumes from the offset of the last batch it got,
 * as the protocol intends.
 */
function reader(base, path, live) {
  const state = { items: [], batches: [], resumes: 0 };
  const abort = new AbortController();
  let offset;
  let connected;
  state.started = new Promise((resolve) => { connected = resolve; });
  state.stop = () => abort.abort();
  (async () => {
    while (!abort.signal.aborted) {
      try {
        const response = await stream({
          url: `${base}/ds/v1/stream/${path}`, headers: auth, live, json: true, offset, signal: abort.signal,
          backoffOptions: BACKOFF,
        });
        connected();
        response.subscribeJson(async (batch) => {
          state.items.push(...batch.items);
          offset = batch.offset;
          state.batches.push({ offset, count: state.items.length });
        });
        await response.closed;
        return;
      } catch {
        state.resumes++;
      }
    }
  })();
  return state;
}

/** Appends items [from, to) without waiting for them: they are in flight when the next fault comes. */
function append(producer, from, to) {
  for (let i = from; i < to; i++) producer.append(JSON.stringify({ i }));
}

const sequence = (from, to) => Array.from({ length: to - from }, (_, k) => ({ i: from + k }));

test('a writer and readers on different replicas lose and double nothing through cuts and a SIGKILL', async () => {
  const path = `client/${Date.now()}`;
  const handle = await DurableStream.create({
    url: `${writes.url}/ds/v1/stream/${path}`, headers: auth, contentType: 'application/json',
  });
  const errors = [];
  let inFlight = 0;
  let brokenAttempts = 0;
  // The producer's default fetch does not retry; the client's createFetchWithBackoff would turn the 409
  // the producer handles itself (a batch that overtook an earlier one) into an error. So the producer gets
  // a fetch that sends a request again only when its connection broke or the service was unavailable.
  const waiting = [];
  const retrying = async (url, init) => {
    for (let attempt = 1; ; attempt++) {
      inFlight++;
      waiting.splice(0).forEach((started) => started());
      try {
        const response = await fetch(url, init);
        if (response.status !== 503) return response;
      } catch (error) {
        if (init?.signal?.aborted || attempt === 100) throw error;
      } finally {
        inFlight--;
      }
      brokenAttempts++;
      await new Promise((resolve) => setTimeout(resolve, Math.min(400, 10 * 2 ** attempt)));
    }
  };
  const producer = new IdempotentProducer(handle, 'writer-1', {
    autoClaim: true, lingerMs: 2, maxInFlight: 5, headers: auth, fetch: retrying,
    onError: (error) => errors.push(error),
  });
  // an append sent and not yet answered: the batch just given to the producer leaves after lingerMs and
  // may be answered within milliseconds, so its start is awaited, not polled for
  const appending = () => (inFlight > 0 ? Promise.resolve() : new Promise((started, fail) => {
    const timer = setTimeout(() => fail(new Error('no append sent within 30 s')), 30000);
    waiting.push(() => { clearTimeout(timer); started(); });
  }));
  const sse = reader(reads.url, path, 'sse');
  const poll = reader(reads.url, path, 'long-poll');
  await Promise.all([sse.started, poll.started]);
  const atLeast = (count) => until(() => sse.items.length >= count && poll.items.length >= count,
    { timeoutMillis: 60000, message: `both readers at ${count} items` });

  append(producer, 0, 100);
  await appending();
  writes.cut();
  append(producer, 100, 150);
  await atLeast(50);
  expect(reads.cut(), 'open reader connections cut').toBeGreaterThan(0);
  reads.pointAt(a);
  append(producer, 150, 250);
  await atLeast(150);

  // a crash of the replica both fronts use, with appends in flight; the fronts move to the survivor
  append(producer, 250, 300);
  await appending();
  await a.stop('SIGKILL');
  writes.pointAt(b);
  reads.pointAt(b);
  writes.cut();
  reads.cut();
  append(producer, 300, TOTAL);
  await producer.flush();
  await atLeast(TOTAL);
  expect(errors, 'producer errors').toEqual([]);
  expect(brokenAttempts, 'append attempts the faults broke (then sent again)').toBeGreaterThan(0);

  const expected = sequence(0, TOTAL);
  expect(sse.items, 'SSE reader').toEqual(expected);
  expect(poll.items, 'long-poll reader').toEqual(expected);
  sse.stop();
  poll.stop();

  // what the journal holds, read to the end through the survivor, is each append once
  const whole = await stream({ url: `${writes.url}/ds/v1/stream/${path}`, headers: auth, live: false, json: true });
  expect(await whole.json(), 'catch-up read').toEqual(expected);

  // a reader that stopped resumes from the offset it saved: exactly the rest, on either replica
  await a.start();
  const saved = poll.batches.find((batch) => batch.count >= TOTAL / 2);
  for (const base of [`${a.url}`, `${b.url}`]) {
    const rest = await stream({ url: `${base}/ds/v1/stream/${path}`, headers: auth, live: false, json: true, offset: saved.offset });
    expect(await rest.json(), `resumed at ${saved.offset} on ${base}`).toEqual(sequence(saved.count, TOTAL));
  }
  await producer.close();
}, 300000); // faults, a SIGKILL and a restart: the harness allows each replica 90 s to start

test('a token of another tenant neither reads nor writes the stream', async () => {
  const path = `client/tenant/${Date.now()}`;
  const handle = await DurableStream.create({
    url: `${b.url}/ds/v1/stream/${path}`, headers: auth, contentType: 'application/json',
  });
  await handle.append(JSON.stringify({ owner: true }));
  const other = { Authorization: `Bearer ${token({ sub: 'ds-other', tenant: 'ds-other' })}` };
  const foreign = new DurableStream({ url: handle.url, headers: other, contentType: 'application/json' });
  expect(await foreign.head(), 'HEAD from another tenant').toMatchObject({ exists: false });
  await expect(foreign.append(JSON.stringify({ owner: false })), 'append from another tenant')
    .rejects.toMatchObject({ status: 404 });
  const own = await stream({ url: handle.url, headers: auth, live: false, json: true });
  expect(await own.json()).toEqual([{ owner: true }]);
});
