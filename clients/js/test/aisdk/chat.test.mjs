// The AI SDK (npm `ai`, pinned in package.json) against the packaged service: the route handler and the
// journal transport of docs/clients.md, a headless useChat (AbstractChat), mock models through the real
// streamText. A round trip, random cuts, a reload, the load/resume race, a killed producer, both kinds of
// stop, and a supersede.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { readUIMessageStream } from 'ai';
import { Service, front, ids, token, until } from '../harness.mjs';
import { journalChatTransport, pipeUIMessageStream } from '../../src/ai.js';
import {
  Chat, JournalClient, answerStream, collect, model, pacer, plain, richAnswer, startApp, streamOf, textOf, tokens, tokensText,
} from './support.mjs';

let service;
const producerToken = () => token({ sub: 'ai-app', groups: ['producer', 'reader'] });
const readerToken = () => token({ sub: 'ai-page', groups: ['reader'] });
let journal;

before(async () => {
  service = await Service.start('aisdk', { env: { JOURNAL_STOP_GRACE: '2s', JOURNAL_LEASE_REAPER_INTERVAL: '1s' } });
  journal = new JournalClient({ baseUrl: service.url, token: producerToken });
});

after(async () => {
  await service?.stop();
});

/** A UI stream the test writes chunk by chunk. */
function controlled() {
  let controller;
  const stream = new ReadableStream({ start: (c) => { controller = c; } });
  return { stream, push: (...chunks) => chunks.forEach((chunk) => controller.enqueue(chunk)), end: () => controller.close() };
}

const pageTransport = (baseUrl = service.url) => journalChatTransport({ api: `${service.url}/unused`, journal: baseUrl, token: readerToken });

test('round trip: a sent message comes back from the journal as the SDK builds it, and ui-messages agree', async () => {
  const app = await startApp({ journal, languageModel: () => model(richAnswer, { delayMillis: 5 }) });
  try {
    const { session } = ids('ai-round');
    const transport = journalChatTransport({ api: app.api, journal: service.url, token: readerToken });
    const chat = new Chat({ id: session, transport });
    await chat.sendMessage({ text: 'the weather?' });
    assert.equal(chat.status, 'ready', String(chat.error));
    await app.pipes[0];

    let direct;
    for await (const message of readUIMessageStream({ stream: streamOf(await app.answers[0]) })) direct = message;
    assert.equal(chat.assistant.length, 1);
    const [answer] = chat.assistant;
    assert.deepEqual(plain(answer.parts), plain(direct.parts));
    assert.deepEqual(answer.parts.map((part) => part.type),
      ['step-start', 'data-weather', 'reasoning', 'text', 'source-url', 'tool-weather']);
    const status = (await journal.getSession(session)).streams[0];
    assert.equal(answer.id, status.streamId);
    assert.equal(chat.finishes.at(-1).finishReason, 'tool-calls');

    const stored = await transport.loadMessages(session);
    assert.deepEqual(stored, plain(chat.messages));
    const session1 = await journal.getSession(session);
    assert.equal(session1.messages[1].content, 'Hello world.');
    assert.equal(session1.messages[1].toolCalls[0].result.output.celsius, 3);

    // a page loaded after the end has nothing to resume, and keeps its messages
    const later = new Chat({ id: session, transport, messages: stored });
    await later.resumeStream();
    assert.equal(later.status, 'ready');
    assert.deepEqual(plain(later.messages), stored);
  } finally {
    await app.close();
  }
});

test('random cuts: 200 cuts of a 300-token answer, each resumed: one message, the exact text, no duplicate part', async () => {
  const { session } = ids('ai-cuts');
  const producer = await journal.createStream(session, { userMessage: { content: 'count' } });
  // the model emits a token when the test lets it, so the answer streams for as long as the cuts take
  const pace = pacer(3); // stream-start, text-start, t0
  const lastToken = 301;
  const pipe = pipeUIMessageStream(answerStream(model(tokens(300), { pace })), producer);
  const cutter = await front(service);
  try {
    const chat = new Chat({ id: session, transport: pageTransport(cutter.url) });
    const resumed = chat.resumeStream();
    const drawn = () => (chat.assistant[0] ? textOf(chat.assistant[0]).length : 0);
    await until(() => drawn() > 0, { message: 'the first token' });
    let cuts = 0;
    while (cuts < 200 && pace.allowed <= lastToken) {
      // each cut comes at a random point after a token reached the page, while the next one is held
      const before = drawn();
      pace.allow();
      await until(() => drawn() > before, { message: 'progress after a resume' });
      await sleep(Math.floor(Math.random() * 15));
      if (cutter.cut() > 0) cuts++;
    }
    pace.allow(Infinity);
    await resumed;
    await pipe;
    assert.ok(cuts >= 180, `only ${cuts} cuts happened while the answer streamed`);
    process.stdout.write(`# ${cuts} cuts, ${cutter.accepted()} connections\n`);
    assert.ok(cutter.accepted() > cuts, `${cutter.accepted()} connections for ${cuts} cuts`);
    assert.equal(chat.status, 'ready', String(chat.error));
    assert.equal(chat.assistant.length, 1);
    const [answer] = chat.assistant;
    assert.equal(answer.id, producer.streamId);
    assert.equal(textOf(answer), tokensText(300));
    assert.deepEqual(answer.parts.map((part) => part.type), ['step-start', 'data-weather', 'text']);
    assert.equal(chat.finishes.at(-1).finishReason, 'stop');
  } finally {
    await cutter.close();
  }
});

test('reload mid-stream: a new page seeded from ui-messages and resumed replaces the message in place', async () => {
  const { session } = ids('ai-reload');
  const producer = await journal.createStream(session, { userMessage: { content: 'count' } });
  // the model holds after ten tokens until the new page is seeded, so the answer is partial then
  const pace = pacer(12); // stream-start, text-start, t0-t9
  const pipe = pipeUIMessageStream(answerStream(model(tokens(80), { pace })), producer);
  const first = new Chat({ id: session, transport: pageTransport() });
  const firstRead = first.resumeStream();
  await until(() => first.assistant[0] && textOf(first.assistant[0]).length > 20, { message: 'some text' });
  first.stop(); // the page goes away
  await firstRead;

  const transport = pageTransport();
  const seeded = await transport.loadMessages(session);
  assert.equal(seeded.length, 2);
  assert.equal(seeded[1].id, producer.streamId);
  assert.ok(textOf(seeded[1]).length > 0 && textOf(seeded[1]).length < tokensText(80).length, 'a partial answer');
  const page = new Chat({ id: session, transport, messages: seeded });
  const resumed = page.resumeStream();
  pace.allow(Infinity); // the rest of the answer, while the page resumes
  await resumed;
  await pipe;
  assert.equal(page.status, 'ready', String(page.error));
  assert.equal(page.messages.length, 2);
  assert.equal(page.messages[1].id, producer.streamId);
  assert.equal(textOf(page.messages[1]), tokensText(80));
  assert.equal(page.messages[1].parts.filter((part) => part.type === 'text').length, 1);
});

test('the race: an answer that ends between ui-messages and the resume request still arrives', async () => {
  const { session } = ids('ai-race');
  const producer = await journal.createStream(session, { userMessage: { content: 'q' } });
  const model = controlled();
  const pipe = pipeUIMessageStream(model.stream, producer);
  model.push({ type: 'start' }, { type: 'text-start', id: 'a' }, { type: 'text-delta', id: 'a', delta: 'half' });
  await until(async () => (await journal.status(producer.streamId)).journal.lastSeq >= 2, { message: 'the first token' });

  const transport = pageTransport();
  const seeded = await transport.loadMessages(session);
  assert.equal(textOf(seeded[1]), 'half');
  model.push({ type: 'text-delta', id: 'a', delta: ' and the rest' }, { type: 'text-end', id: 'a' },
    { type: 'finish', finishReason: 'stop' });
  model.end();
  await pipe; // the answer ended: the session has no live stream any more
  const page = new Chat({ id: session, transport, messages: seeded });
  await page.resumeStream();
  assert.equal(page.status, 'ready', String(page.error));
  assert.equal(page.messages.length, 2);
  assert.equal(textOf(page.messages[1]), 'half and the rest');

  // the SDK's own semantics stay: with the current revision there is nothing to resume (204)
  const again = new Chat({ id: session, transport, messages: await transport.loadMessages(session) });
  await again.resumeStream();
  assert.equal(again.status, 'ready');
  assert.equal(textOf(again.messages[1]), 'half and the rest');
});

test('a producer killed mid-stream: the lease ends it, and the chat finishes interrupted with the partial text', async () => {
  const { session, stream } = ids('ai-killed');
  const child = spawn(process.execPath, [new URL('./producer-child.mjs', import.meta.url).pathname, service.url,
    producerToken(), session, stream, '2'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (data) => data.toString().includes('appended') && resolve());
    child.once('exit', (code) => reject(new Error(`the producer exited ${code} before appending`)));
  });
  const chat = new Chat({ id: session, transport: pageTransport() });
  const resumed = chat.resumeStream();
  await until(() => chat.assistant[0] && textOf(chat.assistant[0]).length > 0, { message: 'some text' });
  child.kill('SIGKILL');
  await resumed;
  assert.equal(chat.status, 'ready', String(chat.error));
  assert.equal(chat.finishes.at(-1).finishReason, 'interrupted');
  const status = await journal.status(stream);
  assert.equal(status.journal.terminalState, 'interrupted');
  const saved = (await journal.getSession(session)).messages[1].content;
  assert.ok(saved.length > 0);
  assert.equal(textOf(chat.assistant[0]), saved);
});

test('stop: a cooperating producer ends the model call and the stream cancelled, with the partial text', async () => {
  const { session } = ids('ai-stop');
  const producer = await journal.createStream(session, { userMessage: { content: 'go on' } });
  const pipe = pipeUIMessageStream(answerStream(model(tokens(100000), { delayMillis: 10 }),
    { abortSignal: producer.stopSignal }), producer);
  const transport = pageTransport();
  const chat = new Chat({ id: session, transport });
  const resumed = chat.resumeStream();
  await until(() => chat.assistant[0] && textOf(chat.assistant[0]).length > 30, { message: 'some text' });
  const stop = await transport.stop();
  assert.equal(stop.stopRequested, true);
  await resumed;
  const answer = await pipe;
  assert.equal(answer.terminalState, 'cancelled');
  assert.ok(producer.stopRequested);
  assert.equal(chat.status, 'ready', String(chat.error));
  const text = textOf(chat.assistant[0]);
  assert.ok(text.length > 30 && text.length < tokensText(100000).length);
  const session1 = await journal.getSession(session);
  assert.equal(session1.messages[1].terminalState, 'cancelled');
  assert.equal(session1.messages[1].content, text);
  const events = await journal.events(producer.streamId, { after: producer.lastSeq - 1 });
  assert.equal(events.events.at(-1).type, 'cancel');
  assert.notEqual(events.events.at(-1).data.synthetic, true, 'the producer wrote its own cancel');
});

test('stop: a producer that does not stop is ended by the service after journal.stop-grace', async () => {
  const { session } = ids('ai-silent');
  const producer = await journal.createStream(session, { userMessage: { content: 'go' }, heartbeatMillis: 300 });
  const model = controlled();
  const pipe = pipeUIMessageStream(model.stream, { append: (e) => producer.append(e), stopSignal: new AbortController().signal });
  model.push({ type: 'text-start', id: 'a' }, { type: 'text-delta', id: 'a', delta: 'stuck' });
  const transport = pageTransport();
  const chat = new Chat({ id: session, transport });
  const resumed = chat.resumeStream();
  await until(() => chat.assistant[0] && textOf(chat.assistant[0]) === 'stuck', { message: 'the text' });
  const requested = Date.now();
  await transport.stop(producer.streamId);
  await until(() => producer.stopRequested, { message: 'a heartbeat answer with stopRequested' });
  await resumed;
  assert.ok(Date.now() - requested >= 2000, 'ended before the grace');
  assert.equal(chat.status, 'ready', String(chat.error));
  assert.equal(textOf(chat.assistant[0]), 'stuck');
  const last = (await journal.events(producer.streamId)).events.at(-1);
  assert.equal(last.type, 'cancel');
  assert.equal(last.data.reason, 'stop-grace');
  producer.close();
  model.end();
  await assert.rejects(pipe, (error) => error.status === 409);
});

test('supersede: the old resume ends interrupted and the new turn is untouched', async () => {
  const { session } = ids('ai-supersede');
  const old = await journal.createStream(session, { userMessage: { content: 'first' } });
  const oldPipe = pipeUIMessageStream(answerStream(model(tokens(100000), { delayMillis: 10 }),
    { abortSignal: old.stopSignal }), old)
    .then(() => null, (error) => error);
  const chat = new Chat({ id: session, transport: pageTransport() });
  const resumed = chat.resumeStream();
  await until(() => chat.assistant[0] && textOf(chat.assistant[0]).length > 10, { message: 'old text' });

  const newer = await journal.createStream(session, { userMessage: { content: 'second' }, onActive: 'interrupt' });
  const newPipe = pipeUIMessageStream(answerStream(model(tokens(20), { delayMillis: 5 })), newer);
  await resumed;
  assert.equal(chat.finishes.at(-1).finishReason, 'interrupted');
  assert.equal(chat.assistant[0].id, old.streamId);
  assert.ok(!textOf(chat.assistant[0]).includes('t19 t0'), 'no text of the new turn');
  assert.equal((await oldPipe)?.superseded, true, 'the old producer stops on the supersede');
  assert.equal((await newPipe).terminalState, 'completed');

  const messages = await pageTransport().loadMessages(session);
  assert.deepEqual(messages.map((message) => message.role), ['user', 'assistant', 'user', 'assistant']);
  assert.equal(messages[1].id, old.streamId);
  assert.equal(textOf(messages[1]), textOf(chat.assistant[0]));
  assert.equal(messages[3].id, newer.streamId);
  assert.equal(textOf(messages[3]), tokensText(20));
});
