// The AI SDK over /ds through the protocol's own transport (npm @durable-streams/aisdk-transport, with its
// peer `ai` 6): an app whose chat route is the transport's recommended resumable setup, a headless chat
// (AbstractChat, what useChat wraps), and a page reloaded in the middle of an answer. The app writes to one
// replica and its read proxy reads from the other through a TCP front; the service runs with
// authentication on, so the browser side never holds the service's token: the app's proxy adds it.
import http from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { AbstractChat, convertToModelMessages, generateId, streamText } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { createDurableChatTransport, toDurableStreamResponse } from '@durable-streams/aisdk-transport';
import { Service, front, token, until } from '../../js/test/harness.mjs';
import { PlainState } from '../../js/test/aisdk/state.mjs';

const auth = { Authorization: `Bearer ${token({ sub: 'ds-chat-app', tenant: 'ds-chat' })}` };
let a;
let b;
let reads;
let app;

beforeAll(async () => {
  [a, b] = await Promise.all([Service.start('ds-aisdk-a'), Service.start('ds-aisdk-b')]);
  reads = await front(b);
  app = await startApp({ writeBase: a.url, readBase: reads.url });
});

afterAll(async () => {
  await app?.close();
  await reads?.close();
  await Promise.all([a?.stop(), b?.stop()]);
});

/** A page's chat: useChat({ id, transport, resume: true }) without React. */
class Chat extends AbstractChat {
  constructor({ id, messages }) {
    super({ id, state: new PlainState(messages), transport: createDurableChatTransport({ api: `${app.url}/api/chat` }) });
  }
}

const textOf = (message) => message?.parts.filter((part) => part.type === 'text').map((part) => part.text).join('') ?? '';
const last = (chat) => chat.messages.at(-1);
const plain = (value) => JSON.parse(JSON.stringify(value));

/** A model whose answer is `count` tokens `t0 t1 ...`, each let through by the test (`pace.allow`). */
function pacedModel(count, pace) {
  const usage = {
    inputTokens: { total: 3, noCache: 3, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: count, text: count, reasoning: 0 },
  };
  const chunks = [{ type: 'stream-start', warnings: [] }, { type: 'text-start', id: 't' }];
  for (let i = 0; i < count; i++) chunks.push({ type: 'text-delta', id: 't', delta: `t${i} ` });
  chunks.push({ type: 'text-end', id: 't' }, { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage });
  let index = 0;
  return new MockLanguageModelV3({
    doStream: async () => ({
      stream: new ReadableStream({
        async pull(controller) {
          if (index === chunks.length) {
            controller.close();
            return;
          }
          await pace.before(index);
          controller.enqueue(chunks[index++]);
        },
      }, { highWaterMark: 0 }),
    }),
  });
}

const answerText = (count) => Array.from({ length: count }, (_, i) => `t${i} `).join('');

/** Lets a stream through one chunk at a time, when the test says so; never by the clock. */
function pacer() {
  let allowed = 0;
  let wake = () => {};
  return {
    allow(count) { allowed += count; wake(); },
    async before(index) {
      while (index >= allowed) await new Promise((resolve) => { wake = resolve; });
    },
  };
}

/**
 * The app of the transport's README, step 2 (resumable generations): `POST /api/chat` starts a
 * generation into a fresh Durable Stream and remembers it as the chat's active stream until it finishes;
 * `GET /api/chat/:id/stream` answers 204 or the active stream's read URL; `GET /api/stream/...` is the read
 * proxy, which adds the service token. `chats` is its store; `pipes` are the generations still writing.
 */
async function startApp({ writeBase, readBase }) {
  const chats = new Map();
  const pipes = [];
  let turns = 0;
  let url;
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url, 'http://app');
    try {
      if (req.method === 'POST' && path.pathname === '/api/chat') {
        const { id, messages } = JSON.parse(await read(req));
        const streamPath = `chat/${id}/${++turns}`;
        chats.set(id, { messages, activeStreamId: streamPath });
        const result = streamText({ model: app.model(), messages: await convertToModelMessages(messages) });
        const response = await toDurableStreamResponse({
          source: result.toUIMessageStream({
            originalMessages: messages,
            generateMessageId: generateId,
            onFinish: ({ messages: final }) => chats.set(id, { messages: final, activeStreamId: null }),
          }),
          stream: { writeUrl: `${writeBase}/ds/v1/stream/${streamPath}`, readUrl: `${url}/api/stream/${streamPath}`, headers: auth },
          waitUntil: (pipe) => pipes.push(pipe),
        });
        await relay(response, res);
        return;
      }
      const reconnect = path.pathname.match(/^\/api\/chat\/([^/]+)\/stream$/);
      if (req.method === 'GET' && reconnect) {
        const active = chats.get(reconnect[1])?.activeStreamId;
        if (!active) {
          res.writeHead(204).end();
          return;
        }
        const streamUrl = `${url}/api/stream/${active}`;
        res.writeHead(200, { 'content-type': 'application/json', location: streamUrl }).end(JSON.stringify({ streamUrl }));
        return;
      }
      if (req.method === 'GET' && path.pathname.startsWith('/api/stream/')) {
        const aborted = new AbortController();
        res.on('close', () => aborted.abort());
        const upstream = await fetch(`${readBase}/ds/v1/stream/${path.pathname.slice('/api/stream/'.length)}${path.search}`,
          { headers: { ...auth, accept: req.headers.accept ?? '*/*' }, signal: aborted.signal });
        await relay(upstream, res);
        return;
      }
      res.writeHead(404).end();
    } catch (error) {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(error));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}`;
  return {
    url, chats, pipes,
    model: null,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

async function read(req) {
  const parts = [];
  for await (const part of req) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

/** Sends a fetch Response on a Node response, as it arrives (SSE included). */
async function relay(response, res) {
  const headers = Object.fromEntries([...response.headers]
    .filter(([name]) => !['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name)));
  res.writeHead(response.status, headers);
  if (response.body) {
    try {
      for await (const piece of response.body) res.write(piece);
    } catch {
      // the reader went away, or the replica did: the client resumes from its offset
    }
  }
  res.end();
}

test('a chat reloaded mid-answer resumes from the journal on another replica and shows the answer once', async () => {
  const pace = pacer();
  app.model = () => pacedModel(40, pace);
  const id = `reload-${Date.now()}`;
  const page = new Chat({ id });
  const sending = page.sendMessage({ text: 'the weather?' });
  pace.allow(15);
  await until(() => textOf(last(page)).includes('t10 '), { message: 'the first page drawing the answer' });
  expect(app.chats.get(id).activeStreamId, 'a generation in progress').toBeTruthy();

  // the reload: the page goes away mid-answer, and the replica it read from with it
  await page.stop();
  await sending;
  const drawn = textOf(last(page));
  reads.pointAt(a);
  reads.cut();

  const reloaded = new Chat({ id, messages: app.chats.get(id).messages });
  expect(reloaded.messages.map((message) => message.role), 'what the app had stored').toEqual(['user']);
  const resuming = reloaded.resumeStream();
  await until(() => textOf(last(reloaded)).includes('t10 '), { message: 'the reloaded page replaying the answer so far' });
  pace.allow(1000);
  await resuming;
  await Promise.all(app.pipes);

  expect(answerText(40).startsWith(drawn) && drawn.length < answerText(40).length, `a part drawn before: ${drawn}`).toBe(true);
  expect(reloaded.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
  expect(textOf(last(reloaded)), 'the whole answer, once').toBe(answerText(40));
  expect(reloaded.status).toBe('ready');
  const stored = app.chats.get(id);
  expect(stored.activeStreamId, 'the generation finished').toBeNull();
  expect(plain(reloaded.messages), 'what the page shows is what the app stored').toEqual(plain(stored.messages));

  // a later page load finds no active generation: nothing to resume, nothing doubled
  const later = new Chat({ id, messages: stored.messages });
  await later.resumeStream();
  expect(plain(later.messages)).toEqual(plain(stored.messages));
});

test('a chat that stays sends a second turn into a fresh stream and keeps both answers', async () => {
  const pace = pacer();
  app.model = () => pacedModel(5, pace);
  pace.allow(1000);
  const id = `turns-${Date.now()}`;
  const page = new Chat({ id });
  await page.sendMessage({ text: 'one' });
  await page.sendMessage({ text: 'two' });
  await Promise.all(app.pipes);
  expect(page.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  expect(page.messages.filter((message) => message.role === 'assistant').map(textOf)).toEqual([answerText(5), answerText(5)]);
  expect(plain(page.messages)).toEqual(plain(app.chats.get(id).messages));
});
