import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, hintedDelay } from '../../src/index.js';

const policy = { initialMillis: 100, maxMillis: 1000, factor: 2 };

test('backoff doubles up to its cap, jittered between half and all of it', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, policy, () => 0)), [50, 100, 200, 400, 500, 500]);
  assert.deepEqual([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, policy, () => 0.999999)), [100, 200, 400, 800, 1000, 1000]);
});

test('a server hint is waited at least, spread over up to a fifth more', () => {
  assert.equal(hintedDelay(1000, () => 0), 1000);
  assert.equal(hintedDelay(1000, () => 0.999999), 1200);
});
