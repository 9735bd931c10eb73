import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from '../../src/index.js';

const TEXT = 'retry: 1000\n\n: keep-alive\n\nid: 1\nevent: token\ndata: {"seq":1}\n\n'
  + 'id: 2\r\nevent: token\r\ndata: {"seq":\r\ndata: 2}\r\n\r\n'
  + 'retry: 2500\r: draining: reconnect\r\r';

function parse(chunks) {
  const frames = [];
  const parser = new SseParser((frame) => frames.push(structuredClone(frame)));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return frames;
}

test('frames, comments, retry, and the three line endings', () => {
  assert.deepEqual(parse([TEXT]), [
    { event: null, id: null, data: null, retry: 1000, comments: [] },
    { event: null, id: null, data: null, retry: null, comments: ['keep-alive'] },
    { event: 'token', id: '1', data: '{"seq":1}', retry: null, comments: [] },
    { event: 'token', id: '2', data: '{"seq":\n2}', retry: null, comments: [] },
    { event: null, id: null, data: null, retry: 2500, comments: ['draining: reconnect'] },
  ]);
});

test('the same frames whatever the chunks split (every cut point, and byte by byte)', () => {
  const whole = parse([TEXT]);
  for (let cut = 0; cut <= TEXT.length; cut++) {
    assert.deepEqual(parse([TEXT.slice(0, cut), TEXT.slice(cut)]), whole, `cut at ${cut}`);
  }
  assert.deepEqual(parse([...TEXT]), whole);
});

test('a retry that is not digits and an unknown field are ignored', () => {
  assert.deepEqual(parse(['retry: 1s\nfoo: bar\ndata: x\n\n']),
    [{ event: null, id: null, data: 'x', retry: null, comments: [] }]);
});
