// Readers whose connections break at random points while a producer appends: every reader ends with
// every seq exactly once, in order, and with the restored settlement, and it saw no duplicate or gap.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { JournalClient, assistantMessage } from '../../src/index.js';
import { Service, ids, token } from '../harness.mjs';
import { cuttingFetch, cuttingWebSocket, seeded } from './cuts.mjs';

const TOKENS = 300;
const SEED = Number(process.env.SJ_SEED || Date.now() % 100000);
let service;

before(async () => {
  service = await Service.start('reconnect');
});

after(async () => {
  await service?.stop();
});

test(`random cut points (seed ${SEED}): no gap, no duplicate, one settlement`, async () => {
  const random = seeded(SEED);
  const bearer = token();
  const fast = { initialMillis: 10, maxMillis: 200 };
  const producer = new JournalClient({ baseUrl: service.url, token: bearer });
  const { session, stream } = ids('cuts');
  const writer = await producer.createStream(session, { streamId: stream, userMessage: { content: 'count' } });

  const tally = { cuts: 0 };
  const reader = (options) => new JournalClient({ baseUrl: service.url, token: bearer, backoff: fast, ...options });
  const tails = [1, 2, 3].map(() => reader({ fetch: cuttingFetch(random, 2500, tally) }).tail(stream));
  const sse = reader({ fetch: cuttingFetch(random, 2500, tally) }).session(session);
  const socket = reader({ WebSocket: cuttingWebSocket(random, 25, tally) }).session(session, { transport: 'websocket' });

  // the tails are read through their async iterators, the session channels through callbacks
  const collected = tails.map(async (tail) => {
    const seqs = [];
    const settlements = [];
    for await (const item of tail) {
      if (item.kind === 'event') seqs.push(item.event.seq);
      else settlements.push(item.settlement);
    }
    return { seqs, settlements, end: await tail.done, stats: tail.stats };
  });

  let text = '';
  for (let sent = 0; sent < TOKENS;) {
    const batch = [];
    for (let n = 1 + Math.floor(random() * 8); n > 0 && sent < TOKENS; n--, sent++) {
      batch.push({ type: 'token', data: { text: `t${sent} ` } });
      text += `t${sent} `;
    }
    await writer.append(batch);
  }
  await writer.done();
  await writer.end();
  const all = Array.from({ length: TOKENS + 2 }, (_, i) => i + 1);

  for (const result of await Promise.all(collected)) {
    assert.deepEqual(result.seqs, all);
    assert.deepEqual(result.stats.duplicates + result.stats.gaps, 0);
    assert.equal(result.end.reason, 'stream_end');
    assert.deepEqual(result.settlements.map((s) => s.outcome), ['restored']);
    assert.equal(assistantMessage(result.settlements[0]).content, text);
  }
  for (const channel of [sse, socket]) {
    const seqs = await sessionSeqs(channel, stream, TOKENS + 2);
    assert.deepEqual(seqs, all);
    assert.equal(channel.stats.duplicates + channel.stats.gaps, 0);
    channel.close();
  }
  assert.ok(tally.cuts >= 50, `only ${tally.cuts} cuts`);
  console.log(`seed ${SEED}: ${tally.cuts} connections cut`);
});

/** The seqs of `stream` a session channel took, once it has `count` of them and the settlement. */
async function sessionSeqs(channel, stream, count) {
  const seqs = [];
  let settled = false;
  for await (const item of channel) {
    if (item.kind === 'event' && item.event.streamId === stream) seqs.push(item.event.seq);
    if (item.kind === 'settlement' && item.settlement.streamId === stream) settled = item.settlement.outcome === 'restored';
    if (seqs.length >= count && settled) break;
  }
  return seqs;
}
