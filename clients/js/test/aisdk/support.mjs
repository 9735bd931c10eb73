// The AI SDK side of the tests, with the real `ai` package: a headless chat (AbstractChat with a plain
// state class, what useChat wraps), mock language models streaming through the real streamText, and an
// app whose POST handler is the route handler of docs/clients.md.

import http from 'node:http';
import { AbstractChat, createUIMessageStream, jsonSchema, streamText, tool } from 'ai';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { JournalClient } from '../../src/index.js';
import { chatRoute } from '../../examples/ai-chat/route.mjs';
import { PlainState } from './state.mjs';

/** A headless chat: `sendMessage`, `resumeStream`, `stop` as in useChat; `finishes` records each onFinish. */
export class Chat extends AbstractChat {
  constructor({ messages, ...options }) {
    const finishes = [];
    super({ ...options, state: new PlainState(messages), onFinish: (finish) => finishes.push(finish) });
    this.finishes = finishes;
  }

  get assistant() {
    return this.messages.filter((message) => message.role === 'assistant');
  }
}

/** JSON as it travels: what a message is once sent or stored (undefined fields gone). */
export const plain = (value) => JSON.parse(JSON.stringify(value));

/** The text of a message's text parts. */
export const textOf = (message) => message.parts.filter((part) => part.type === 'text').map((part) => part.text).join('');

const usage = {
  inputTokens: { total: 3, noCache: 3, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};

/** A model call that streams `parts` (LanguageModelV3 stream parts), `delayMillis` apart. */
export function model(parts, { delayMillis = 0, pace } = {}) {
  const chunks = [{ type: 'stream-start', warnings: [] }, ...parts];
  return new MockLanguageModelV3({
    doStream: async ({ abortSignal }) => ({
      stream: (pace ? paced(chunks, pace) : simulateReadableStream({ chunks, chunkDelayInMs: delayMillis }))
        .pipeThrough(abortable(abortSignal)),
    }),
  });
}

/**
 * A pace for a model stream driven by the test, not the clock: the stream emits chunk `i` only once
 * `allow` has let more than `i` through.
 */
export function pacer(initially = 0) {
  let allowed = initially;
  let wake = () => {};
  return {
    get allowed() { return allowed; },
    allow(count = 1) { allowed += count; wake(); },
    async before(index) {
      while (index >= allowed) await new Promise((resolve) => { wake = resolve; });
    },
  };
}

function paced(chunks, pace) {
  let index = 0;
  return new ReadableStream({
    async pull(controller) {
      if (index === chunks.length) {
        controller.close();
        return;
      }
      await pace.before(index);
      controller.enqueue(chunks[index++]);
    },
  }, { highWaterMark: 0 });
}

/** Ends a model stream when the call is aborted, as a provider's fetch does. */
function abortable(signal) {
  return new TransformStream({
    start(controller) {
      signal?.addEventListener('abort', () => controller.error(signal.reason), { once: true });
    },
  });
}

/** `count` text deltas `t0 t1 ...` in one text part, then finish. */
export function tokens(count) {
  const parts = [{ type: 'text-start', id: 't' }];
  for (let i = 0; i < count; i++) parts.push({ type: 'text-delta', id: 't', delta: `t${i} ` });
  parts.push({ type: 'text-end', id: 't' }, { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage });
  return parts;
}

/** The full text of `tokens(count)`. */
export const tokensText = (count) => Array.from({ length: count }, (_, i) => `t${i} `).join('');

/** Text, reasoning, a source and a tool call (the tool runs and answers), ending with tool-calls. */
export const richAnswer = [
  { type: 'reasoning-start', id: 'r1' }, { type: 'reasoning-delta', id: 'r1', delta: 'Let me ' },
  { type: 'reasoning-delta', id: 'r1', delta: 'think.' }, { type: 'reasoning-end', id: 'r1' },
  { type: 'text-start', id: 't1' }, { type: 'text-delta', id: 't1', delta: 'Hello ' },
  { type: 'text-delta', id: 't1', delta: 'world.' }, { type: 'text-end', id: 't1' },
  { type: 'source', sourceType: 'url', id: 'src1', url: 'https://example.org/weather', title: 'Weather' },
  { type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Oslo"}' },
  { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' }, usage },
];

export const tools = {
  weather: tool({
    inputSchema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } } }),
    execute: async ({ city }) => ({ city, celsius: 3 }),
  }),
};

/**
 * The UI message stream of a model call, with a data part after its first step starts (an app's own
 * `data-*` part, as createUIMessageStream's writer adds them).
 */
export function answerStream(languageModel, { messages = [], abortSignal } = {}) {
  return createUIMessageStream({
    execute: async ({ writer }) => {
      const result = streamText({ model: languageModel, prompt: 'the weather?', tools, abortSignal, messages });
      const reader = result.toUIMessageStream({ sendSources: true }).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        writer.write(value);
        if (value.type === 'start-step') {
          writer.write({ type: 'data-weather', id: 'w1', data: { status: 'looking up' } });
        }
      }
    },
  });
}

/**
 * The app: `POST /api/chat` is the route handler of docs/clients.md (examples/ai-chat/route.mjs). Its
 * answer is the model's UI stream with a data part; `answers` holds a copy of each, `pipes` each pipe into
 * the journal. `files` (path -> {type, body}) are served to GETs, for a page on the app's origin.
 */
export async function startApp({ journal, languageModel, files = {} }) {
  const answers = [];
  const pipes = [];
  const { POST } = chatRoute({
    journal,
    answer: ({ messages, abortSignal }) => {
      const [toJournal, copy] = answerStream(languageModel(), { messages, abortSignal }).tee();
      answers.push(collect(copy));
      return toJournal;
    },
    waitUntil: (pipe) => pipes.push(pipe),
  });
  const server = http.createServer(async (req, res) => {
    try {
      if (req.method === 'GET') {
        const file = files[new URL(req.url, 'http://app').pathname];
        if (!file) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body());
        return;
      }
      const body = await new Promise((resolve) => {
        const parts = [];
        req.on('data', (part) => parts.push(part)).on('end', () => resolve(Buffer.concat(parts)));
      });
      const response = await POST(new Request(`http://app${req.url}`, { method: req.method, headers: req.headers, body }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      for await (const piece of response.body) res.write(piece);
      res.end();
    } catch (error) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${server.address().port}`;
  return {
    origin,
    api: `${origin}/api/chat`,
    answers,
    pipes,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/** Every chunk of a stream. */
export async function collect(stream) {
  const chunks = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

/** A stream of the given chunks. */
export function streamOf(chunks) {
  return new ReadableStream({
    start(controller) {
      chunks.forEach((chunk) => controller.enqueue(chunk));
      controller.close();
    },
  });
}

export { JournalClient };
