// The producer side of the AI SDK helpers without a service: the events of each UI chunk, batching while
// an append is in flight (never more than the service takes at once), and how a pipe ends.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventsOfChunk, pipeUIMessageStream } from '../../src/ai.js';

/** A producer that records its batches and answers each after `delayMillis`. */
function recorder({ delayMillis = 5, fail } = {}) {
  const batches = [];
  return {
    batches,
    stopSignal: new AbortController().signal,
    async append(events) {
      batches.push(events);
      await new Promise((resolve) => setTimeout(resolve, delayMillis));
      if (fail && batches.length === fail.at) throw fail.error;
      return { lastSeq: batches.flat().length, terminalState: events.at(-1).type === 'done' ? 'completed' : null };
    },
  };
}

const streamOf = (chunks) => new ReadableStream({ start(c) { chunks.forEach((chunk) => c.enqueue(chunk)); c.close(); } });

test('native events where the journal has a type, x-ai-sdk for the rest', () => {
  assert.deepEqual(eventsOfChunk({ type: 'start' }), []);
  assert.deepEqual(eventsOfChunk({ type: 'text-delta', id: 'a', delta: 'hi' }), [{ type: 'token', data: { text: 'hi', id: 'a' } }]);
  assert.deepEqual(eventsOfChunk({ type: 'reasoning-delta', id: 'r', delta: 'hm' }), [{ type: 'reasoning', data: { text: 'hm', id: 'r' } }]);
  assert.deepEqual(eventsOfChunk({ type: 'tool-input-available', toolCallId: 'c', toolName: 'w', input: { x: 1 }, dynamic: true }),
    [{ type: 'tool', data: { id: 'c', name: 'w', input: { x: 1 }, dynamic: true } }]);
  assert.deepEqual(eventsOfChunk({ type: 'tool-output-available', toolCallId: 'c', output: 2 }),
    [{ type: 'tool_complete', data: { id: 'c', output: 2 } }]);
  assert.deepEqual(eventsOfChunk({ type: 'tool-output-available', toolCallId: 'c', output: 1, preliminary: true }),
    [{ type: 'x-ai-sdk', data: { type: 'tool-output-available', toolCallId: 'c', output: 1, preliminary: true } }]);
  assert.deepEqual(eventsOfChunk({ type: 'finish', finishReason: 'length' }), [{ type: 'done', data: { finishReason: 'length' } }]);
  assert.deepEqual(eventsOfChunk({ type: 'abort', reason: 'user' }), [{ type: 'cancel', data: { reason: 'user' } }]);
  assert.deepEqual(eventsOfChunk({ type: 'error', errorText: 'x' }), [{ type: 'error', data: { errorText: 'x', message: 'x' } }]);
  assert.deepEqual(eventsOfChunk({ type: 'data-w', data: 1 }), [{ type: 'x-ai-sdk', data: { type: 'data-w', data: 1 } }]);
});

test('chunks that arrive during an append go in the next ones, at most 500 events each, in order', async () => {
  const producer = recorder();
  const chunks = [{ type: 'text-start', id: 't' }];
  for (let i = 0; i < 1200; i++) chunks.push({ type: 'text-delta', id: 't', delta: `${i} ` });
  chunks.push({ type: 'text-end', id: 't' }, { type: 'finish' }, { type: 'text-delta', id: 't', delta: 'after the end' });
  const answer = await pipeUIMessageStream(streamOf(chunks), producer);
  assert.equal(answer.terminalState, 'completed');
  assert.ok(producer.batches.length >= 4 && producer.batches.every((batch) => batch.length <= 500),
    producer.batches.map((batch) => batch.length).join(' '));
  const events = producer.batches.flat();
  assert.equal(events.length, 1203);
  assert.deepEqual(events.filter((e) => e.type === 'token').map((e) => e.data.text).join(''),
    Array.from({ length: 1200 }, (_, i) => `${i} `).join(''));
  assert.equal(events.at(-1).type, 'done');
});

test('a stream that ends without finish is ended with done; one that fails with error', async () => {
  const ended = recorder();
  await pipeUIMessageStream(streamOf([{ type: 'text-start', id: 't' }]), ended);
  assert.deepEqual(ended.batches.flat().map((e) => e.type), ['x-ai-sdk', 'done']);

  const failing = recorder();
  const stream = new ReadableStream({ start(c) { c.enqueue({ type: 'text-start', id: 't' }); c.error(new Error('model down')); } });
  await pipeUIMessageStream(stream, failing);
  const last = failing.batches.flat().at(-1);
  assert.equal(last.type, 'error');
  assert.equal(last.data.errorText, 'model down');
});

test('a refused append fails the pipe with its error', async () => {
  const error = Object.assign(new Error('refused'), { status: 400 });
  const producer = recorder({ fail: { at: 1, error } });
  await assert.rejects(pipeUIMessageStream(streamOf([{ type: 'text-delta', id: 't', delta: 'x' }, { type: 'finish' }]), producer),
    (thrown) => thrown === error);
});
