// The console in a real browser over a seeded service: every view renders the data the API holds, the
// live list follows a stream that starts and ends, the timeline shows a supersede, the token is kept
// in sessionStorage, and the pages fit a phone's width. Screenshots: target/browser/console-*.png.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { JournalClient } from '../../src/index.js';
import { Service, ids, token } from '../harness.mjs';
import { launch, open, shot } from './chromium.mjs';

const TENANT = `console-${Date.now()}`;
let service;
let browser;
let producer;
const seeded = {};

before(async () => {
  service = await Service.start('browser-console');
  browser = await launch();
  producer = new JournalClient({ baseUrl: service.url, token: token({ tenant: TENANT }) });

  // a finished turn
  seeded.done = ids('done');
  const done = await producer.createStream(seeded.done.session, { streamId: seeded.done.stream, userMessage: { content: 'What is 2+2?' } });
  await done.append([{ type: 'token', data: { text: 'It is ' } }, { type: 'token', data: { text: '4.' } }]);
  await done.done();
  await done.end();
  // a session whose first turn was superseded by a second, still live
  seeded.race = ids('race');
  // markup in the data is shown as text, never parsed
  const first = await producer.createStream(seeded.race.session, { streamId: seeded.race.stream, userMessage: { content: '<b>first</b>' } });
  await first.token('half an answer');
  seeded.second = await producer.createStream(seeded.race.session, {
    streamId: `${seeded.race.stream}-2`, onActive: 'interrupt', userMessage: { content: 'second' },
  });
  await seeded.second.token('live ');
});

after(async () => {
  await browser?.close();
  await service?.stop();
});

/** The console, signed in with a token of the seeded tenant (reader and auditor). */
async function console_(hash = '', viewport) {
  const page = await open(browser, viewport);
  await page.goto(`${service.url}/console/?poll=300${hash}`);
  await page.type('#token', token({ tenant: TENANT, groups: ['reader', 'auditor'] }));
  await page.click('#token-form button');
  return page;
}

async function waitFor(page, fn, ...args) {
  try {
    await page.waitForFunction(fn, { timeout: 20000 }, ...args);
  } catch (error) {
    const status = await page.$eval('#status', (s) => s.textContent);
    throw new Error(`${fn}: not so (status: ${status})\n${page.log.join('\n')}`, { cause: error });
  }
}

const rows = (page, table) => page.$$eval(`${table} tbody tr`, (all) => all.map((row) => row.dataset.stream));

test('/console redirects to /console/, which is served with the client library', async () => {
  const redirect = await fetch(`${service.url}/console`, { redirect: 'manual' });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), '/console/');
  const library = await fetch(`${service.url}/console/lib/index.js`);
  assert.equal(library.status, 200);
  assert.match(await library.text(), /export \{ JournalClient/);
});

test('live streams: the list shows a stream when it starts and moves it when it ends', async () => {
  const page = await console_('#/live');
  await waitFor(page, (id) => [...document.querySelectorAll('#live-active tbody tr')].some((r) => r.dataset.stream === id), seeded.second.streamId);
  assert.ok(!(await rows(page, '#live-active')).includes(seeded.done.stream));
  assert.ok((await rows(page, '#live-ended')).includes(seeded.done.stream));

  const fresh = ids('fresh');
  const writer = await producer.createStream(fresh.session, { streamId: fresh.stream });
  await waitFor(page, (id) => [...document.querySelectorAll('#live-active tbody tr')].some((r) => r.dataset.stream === id), fresh.stream);
  await shot(page, 'console-live');
  await writer.done();
  await waitFor(page, (id) => ![...document.querySelectorAll('#live-active tbody tr')].some((r) => r.dataset.stream === id)
    && [...document.querySelectorAll('#live-ended tbody tr')].some((r) => r.dataset.stream === id), fresh.stream);
  await page.close();
});

test('a session: its transcript, its streams with their outcomes, and a live tail of the current one', async () => {
  const page = await console_(`#/session?id=${seeded.race.session}`);
  await waitFor(page, () => document.querySelectorAll('#session-streams tbody tr').length === 2);
  const outcomes = await page.$$eval('#session-streams tbody tr', (all) => Object.fromEntries(all.map((r) => [r.dataset.stream, r.dataset.outcome])));
  assert.deepEqual(outcomes, { [seeded.race.stream]: 'stale', [seeded.second.streamId]: 'active' });
  const transcript = await page.$$eval('#session-transcript li', (all) => all.map((li) => [li.dataset.role, li.lastChild.textContent]));
  assert.deepEqual(transcript, [['user', '<b>first</b>'], ['assistant', 'half an answer'], ['user', 'second']]);
  assert.equal(await page.$$eval('#session-transcript b', (all) => all.length), 0);

  await waitFor(page, (id) => document.querySelector('#session-live-stream').textContent === id
    && document.querySelector('#session-live').textContent === 'live ', seeded.second.streamId);
  await seeded.second.token('and done');
  await waitFor(page, () => document.querySelector('#session-live').textContent === 'live and done');
  await seeded.second.done();
  await waitFor(page, () => document.querySelector('#session-live-outcome [data-outcome]')?.dataset.outcome === 'restored'
    && [...document.querySelectorAll('#session-transcript li')].some((li) => li.lastChild.textContent === 'live and done'));
  await waitFor(page, (id) => document.querySelector(`#session-streams tr[data-stream="${id}"]`)?.dataset.outcome === 'restored', seeded.second.streamId);
  await shot(page, 'console-session');
  await page.close();
});

test('the timeline shows the supersede, with principals and times', async () => {
  const page = await console_(`#/timeline?sessionId=${seeded.race.session}`);
  await waitFor(page, () => document.querySelectorAll('#timeline li').length > 0);
  const entries = await page.$$eval('#timeline li', (all) => all.map((li) => ({
    kind: li.dataset.kind, stream: li.dataset.stream, text: li.textContent,
  })));
  const superseded = entries.find((entry) => entry.kind === 'superseded');
  assert.ok(superseded, JSON.stringify(entries));
  assert.equal(superseded.stream, seeded.race.stream);
  assert.match(superseded.text, /by js-test/);
  const kinds = entries.map((entry) => `${entry.stream === seeded.race.stream ? 'first' : 'second'}:${entry.kind}`);
  for (const kind of ['first:created', 'first:superseded', 'second:created']) {
    assert.ok(kinds.includes(kind), `${kind} in ${kinds}`);
  }
  await shot(page, 'console-timeline');
  await page.close();
});

test('the audit: a search with filters, and the NDJSON export', async () => {
  const page = await console_('#/audit');
  await page.type('#audit-form input[name=sessionId]', seeded.done.session);
  await page.type('#audit-form input[name=type]', 'token');
  await page.click('#audit-form button[type=submit]');
  await waitFor(page, () => document.querySelectorAll('#audit-events tbody tr').length === 2);
  const types = await page.$$eval('#audit-events tbody tr', (all) => all.map((row) => row.children[3].textContent));
  assert.deepEqual(types, ['token', 'token']);

  await page.$eval('#audit-form input[name=type]', (input) => { input.value = ''; });
  await page.click('#audit-export');
  await waitFor(page, () => document.querySelector('#audit-export-link'));
  const exported = await page.$eval('#audit-export-link', async (a) => (await (await fetch(a.href)).text()));
  const lines = exported.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(lines.map((event) => event.type), ['token', 'token', 'done', 'stream_end']);
  assert.match(await page.$eval('#audit-export-result', (p) => p.textContent), /^4 event\(s\) exported/);
  await shot(page, 'console-audit');
  await page.close();
});

test('the token stays in sessionStorage across a reload; a wrong token shows the problem', async () => {
  const page = await console_('#/live');
  await waitFor(page, () => /live stream/.test(document.querySelector('#status').textContent));
  await page.reload();
  assert.ok((await page.$eval('#token', (input) => input.value)).length > 20);
  await waitFor(page, () => /live stream/.test(document.querySelector('#status').textContent));
  await page.$eval('#token', (input) => { input.value = 'wrong'; });
  await page.click('#token-form button');
  await waitFor(page, () => /^401 unauthorized/.test(document.querySelector('#status').textContent));
  await page.close();
});

test('on a phone: every view fits the width', async () => {
  const phone = { width: 390, height: 844, mobile: true };
  for (const [name, hash, content] of [['live', '#/live', '#live-updated:not(:empty)'],
    ['session', `#/session?id=${seeded.race.session}`, '#session-streams tbody tr'],
    ['timeline', `#/timeline?sessionId=${seeded.race.session}`, '#timeline li'],
    ['audit', `#/audit?sessionId=${seeded.done.session}`, '#audit-events tbody tr']]) {
    const page = await console_(hash, phone);
    await waitFor(page, (selector) => document.querySelector(selector), content);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name} is ${overflow}px wider than the phone`);
    await shot(page, `console-phone-${name}`);
    await page.close();
  }
});

test('with authentication off the console needs no token', async () => {
  const open_ = await Service.start('browser-console-open', { env: { JOURNAL_AUTH_ENABLED: 'false' } });
  try {
    const page = await open(browser);
    await page.goto(`${open_.url}/console/#/live`);
    await waitFor(page, () => /live stream/.test(document.querySelector('#status').textContent));
    assert.equal(await page.$eval('#token', (input) => input.value), '');
    await page.close();
  } finally {
    await open_.stop();
  }
});
