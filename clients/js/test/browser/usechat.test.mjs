// useChat({resume: true}) of @ai-sdk/react in Chromium, the page of docs/clients.md (examples/ai-chat)
// bundled now with esbuild and served by the app on an origin other than the service's, its resume reading
// the journal over CORS. A reload mid-answer continues the answer in place; Stop ends it with its partial
// text. The checks read the DOM; screenshots go to target/browser/.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { Service, ids, repo, token, until } from '../harness.mjs';
import { JournalClient, model, startApp, tokens, tokensText } from '../aisdk/support.mjs';
import { launch, open, shot } from './chromium.mjs';

const PAGE = path.join(repo, 'clients/js/examples/ai-chat/page.jsx');
const HTML = '<!doctype html><meta charset="utf-8"><title>chat</title><div id="root"></div><script type="module" src="/page.js"></script>';
let service;
let app;
let browser;
let journal;

before(async () => {
  const bundle = await esbuild.build({
    entryPoints: [PAGE], bundle: true, write: false, format: 'esm', jsx: 'automatic', minify: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    alias: { 'stream-journal-client': path.join(repo, 'clients/js/src') },
  });
  const script = bundle.outputFiles[0].text;
  // the app's origin is known only once it listens: the service starts after it, allowing it
  journal = new JournalClient({ token: () => token({ sub: 'ai-app', groups: ['producer', 'reader'] }) });
  app = await startApp({
    journal,
    languageModel: () => model(tokens(60), { delayMillis: 60 }),
    files: {
      '/chat.html': { type: 'text/html; charset=utf-8', body: () => HTML },
      '/page.js': { type: 'text/javascript', body: () => script },
      '/token': { type: 'text/plain', body: () => token({ sub: 'ai-page', groups: ['reader'] }) },
    },
  });
  service = await Service.start('browser-usechat', { env: { JOURNAL_CORS_ORIGINS: app.origin } });
  journal.baseUrl = service.url;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await app?.close();
  await service?.stop();
});

const assistantText = (page) => page.$$eval('article[data-role="assistant"]', (all) => all.map((a) => a.textContent));
const roles = (page) => page.$$eval('article', (all) => all.map((a) => a.dataset.role));

async function chatPage(chatId) {
  const page = await open(browser);
  await page.goto(`${app.origin}/chat.html?chat=${encodeURIComponent(chatId)}&journal=${encodeURIComponent(service.url)}`);
  await page.waitForSelector('#input');
  return page;
}

async function send(page, text) {
  await page.type('#input', text);
  await page.click('#send');
}

async function waitFor(page, check, what, ...args) {
  try {
    await page.waitForFunction(check, { timeout: 30000 }, ...args);
  } catch (error) {
    throw new Error(`${what}: page shows ${JSON.stringify(await assistantText(page))}\n${page.log.join('\n')}`, { cause: error });
  }
}

test('a reload mid-answer continues the answer in place, with no duplicate', async () => {
  const { session } = ids('usechat-reload');
  const page = await chatPage(session);
  await send(page, 'count for me');
  await waitFor(page, () => (document.querySelector('article[data-role="assistant"]')?.textContent.length ?? 0) > 20,
    'some of the answer drawn');
  const before = (await assistantText(page))[0];
  await shot(page, 'usechat-before-reload');

  await page.reload();
  await waitFor(page, (full) => document.querySelector('article[data-role="assistant"]')?.textContent === full
    && document.querySelector('#status').textContent === 'ready', 'the whole answer after the reload', tokensText(60));
  await shot(page, 'usechat-after-reload');
  assert.ok(before.length < tokensText(60).length, 'the reload came mid-answer');
  assert.deepEqual(await roles(page), ['user', 'assistant']);
  assert.deepEqual(await assistantText(page), [tokensText(60)]);
  const stream = (await journal.getSession(session)).streams[0];
  assert.equal(await page.$eval('article[data-role="assistant"]', (a) => a.dataset.id), stream.streamId);
  // (the console's "failed to load" lines are the favicon and the new chat's ui-messages 404, by design)
  assert.deepEqual(page.log.filter((line) => line.startsWith('pageerror')), []);
  await page.close();
});

test('the Stop button ends the answer, and the page shows the partial text the journal saved', async () => {
  const { session } = ids('usechat-stop');
  const page = await chatPage(session);
  await send(page, 'count for me');
  await waitFor(page, () => (document.querySelector('article[data-role="assistant"]')?.textContent.length ?? 0) > 10,
    'some of the answer drawn');
  await page.click('#stop');
  await waitFor(page, () => document.querySelector('#status').textContent === 'ready', 'the answer ended');
  await shot(page, 'usechat-stopped');
  const saved = await until(async () => {
    const view = await journal.getSession(session);
    return view.messages[1]?.terminalState === 'cancelled' && view.messages[1];
  }, { message: 'the cancelled transcript' });
  const [drawn] = await assistantText(page);
  assert.equal(drawn, saved.content);
  assert.ok(drawn.length > 10 && drawn.length < tokensText(60).length, `a partial answer: ${drawn}`);
  assert.deepEqual(await roles(page), ['user', 'assistant']);
  await page.close();
});
