// The client in a real browser, on a page of another origin (CORS): the chat page of docs/clients.md. A stream is
// drawn token by token and replaced by the canonical transcript on `restored`; a supersede freezes the
// old view and the page follows the new turn; a restart of the service mid-stream is resumed with no gap.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { JournalClient } from '../../src/index.js';
import { Service, ids, repo, token } from '../harness.mjs';
import { launch, open, origin, shot } from './chromium.mjs';

const CHAT = path.join(repo, 'clients/js/examples/chat.html');
let service;
let app;
let stranger;
let browser;
let producer;

before(async () => {
  // the app's origin is allowed; the stranger's is not
  app = await origin({ files: { '/chat.html': CHAT }, routes: { '/token': () => token({ groups: ['reader'] }) } });
  stranger = await origin({ files: { '/chat.html': CHAT }, routes: { '/token': () => token({ groups: ['reader'] }) } });
  service = await Service.start('browser-chat', { env: { JOURNAL_CORS_ORIGINS: app.url } });
  producer = new JournalClient({ baseUrl: service.url, token: token(), backoff: { initialMillis: 50, maxMillis: 1000 } });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await service?.stop();
  await app?.close();
  await stranger?.close();
});

async function chat(streamId, from = app) {
  const page = await open(browser);
  await page.goto(`${from.url}/chat.html?service=${encodeURIComponent(service.url)}&stream=${encodeURIComponent(streamId)}`);
  return page;
}

const view = (page, streamId) => page.$eval(`article[data-stream="${streamId}"]`, (a) => ({ text: a.textContent, state: a.dataset.state }));

async function waitForView(page, streamId, expected) {
  try {
    await page.waitForFunction((id, want) => {
      const article = document.querySelector(`article[data-stream="${id}"]`);
      return article && article.textContent === want.text && article.dataset.state === want.state;
    }, { timeout: 30000 }, streamId, expected);
  } catch (error) {
    const seen = await view(page, streamId).catch(() => null);
    throw new Error(`${streamId}: wanted ${JSON.stringify(expected)}, page shows ${JSON.stringify(seen)}\n${page.log.join('\n')}`, { cause: error });
  }
}

test('drawn token by token, then replaced by the canonical transcript on restored', async () => {
  const { session, stream } = ids('draw');
  const writer = await producer.createStream(session, { streamId: stream, userMessage: { content: 'hi' } });
  const page = await chat(stream);
  let drawn = '';
  for (const word of ['Hel', 'lo', ', ', 'wor', 'ld']) {
    await writer.token(word);
    drawn += word;
    await waitForView(page, stream, { text: drawn, state: 'live' });
  }
  await shot(page, 'chat-live');
  await writer.done({ message: { content: 'Hello, world! (as saved)' } });
  await waitForView(page, stream, { text: 'Hello, world! (as saved)', state: 'restored' });
  await shot(page, 'chat-restored');
  await writer.end();
  await page.close();
});

test('a supersede mid-stream: the old view freezes on stale, the page follows the new turn', async () => {
  const { session, stream } = ids('supersede');
  const old = await producer.createStream(session, { streamId: stream });
  const page = await chat(stream);
  await old.token('old answer, half');
  await waitForView(page, stream, { text: 'old answer, half', state: 'live' });

  const newer = await producer.createStream(session, { streamId: `${stream}-2`, onActive: 'interrupt' });
  await waitForView(page, stream, { text: 'old answer, half', state: 'stale' });
  await newer.token('new ');
  await newer.token('answer');
  await waitForView(page, newer.streamId, { text: 'new answer', state: 'live' });
  await newer.done();
  await waitForView(page, newer.streamId, { text: 'new answer', state: 'restored' });
  assert.deepEqual(await view(page, stream), { text: 'old answer, half', state: 'stale' });
  assert.equal(await page.$$eval('article', (all) => all.length), 2);
  await shot(page, 'chat-superseded');
  await page.close();
});

test('the service restarts mid-stream: the page resumes with no gap and no duplicate', async () => {
  const { session, stream } = ids('restart');
  const writer = await producer.createStream(session, { streamId: stream });
  const page = await chat(stream);
  let drawn = '';
  for (let n = 0; n < 20; n++) {
    await writer.token(`a${n} `);
    drawn += `a${n} `;
  }
  await waitForView(page, stream, { text: drawn, state: 'live' });
  await service.restart('SIGTERM');
  for (let n = 0; n < 20; n++) {
    await writer.token(`b${n} `);
    drawn += `b${n} `;
  }
  await waitForView(page, stream, { text: drawn, state: 'live' });
  await writer.done();
  await waitForView(page, stream, { text: drawn, state: 'restored' });
  await page.close();
});

test('CORS: a page of an origin that is not listed cannot read the service', async () => {
  const { session, stream } = ids('stranger');
  await producer.createStream(session, { streamId: stream });
  const page = await open(browser);
  await page.goto(`${stranger.url}/chat.html?service=${encodeURIComponent(service.url)}&stream=${stream}`);
  // the module import of the client is refused by the browser, so no view appears
  const read = await page.evaluate(async (url) => {
    try {
      await fetch(`${url}/v1/streams`, { headers: { Authorization: 'Bearer x' } });
      return 'read';
    } catch (error) {
      return error.name;
    }
  }, service.url);
  assert.equal(read, 'TypeError');
  assert.equal(await page.$$eval('article', (all) => all.length), 0);
  assert.ok(page.log.some((line) => /CORS|Access-Control-Allow-Origin/.test(line)), page.log.join('\n'));
  await page.close();
});
