// The operator console: live streams, a session (transcript, streams and their outcomes, a live tail),
// a stream's lifecycle timeline, and the audit with its NDJSON export. It uses the client library and
// the public API only; everything it shows is set as text, never as HTML.

import { JournalClient, JournalError } from './lib/index.js';

const TOKEN_KEY = 'stream-journal.console.token';
const POLL_MILLIS = Number(new URLSearchParams(location.search).get('poll')) || 2000;
const client = new JournalClient({ token: () => sessionStorage.getItem(TOKEN_KEY) || null });

const $ = (selector) => document.querySelector(selector);

/** An element with properties (`class`, `data-*` as attributes) and children (text or elements). */
function el(tag, properties = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(properties)) {
    if (name === 'class') element.className = value;
    else if (name.startsWith('data-')) element.setAttribute(name, value);
    else element[name] = value;
  }
  for (const child of children) element.append(child ?? '');
  return element;
}

const link = (text, hash) => el('a', { href: hash, textContent: text, className: 'mono' });
const sessionLink = (id) => link(id, `#/session?id=${encodeURIComponent(id)}`);
const timelineLink = (id) => link(id, `#/timeline?streamId=${encodeURIComponent(id)}`);
const time = (iso) => (iso ? new Date(iso).toLocaleString() : '');

/** The current visit of a view: work started for an earlier one writes nothing. */
let visit = 0;
const visitNow = () => visit;
const stillHere = (mine) => mine === visit;

function say(text, error = false) {
  $('#status').textContent = text;
  $('#status').className = error ? 'error' : '';
}

function problem(error) {
  if (error instanceof JournalError) {
    say(`${error.status} ${error.slug || ''}: ${error.message}`, true);
  } else {
    say(String(error?.message || error), true);
  }
}

/** Rows of cells into `tbody`; `attributes(i)` gives row i its `data-*` attributes (for the tests and for CSS). */
function fill(tbody, rows, attributes = () => ({})) {
  tbody.replaceChildren(...rows.map((cells, i) => el('tr', attributes(i), ...cells.map((cell) => el('td', {}, cell)))));
}

const views = {
  live: {
    enter() {
      this.poll(visitNow());
    },
    leave() {
      clearTimeout(this.timer);
    },
    /** One refresh at a time: the next starts a poll interval after this one answered. */
    async poll(mine) {
      await this.refresh(mine);
      if (stillHere(mine)) this.timer = setTimeout(() => this.poll(mine), POLL_MILLIS);
    },
    async refresh(mine) {
      try {
        const [active, terminal, closed] = await Promise.all(['active', 'terminal', 'closed']
          .map((state) => client.listStreams({ state, limit: state === 'active' ? 200 : 10 })));
        if (!stillHere(mine)) return;
        fill($('#live-active tbody'), active.streams.map((s) => [timelineLink(s.streamId), sessionLink(s.sessionId),
          String(s.journal.lastSeq), s.journal.lastEvent || '', time(s.createdAt), time(s.leaseExpiresAt)]),
        (i) => ({ 'data-stream': active.streams[i].streamId }));
        $('#live-none').hidden = active.streams.length > 0;
        const ended = [...terminal.streams, ...closed.streams]
          .sort((a, b) => (b.lastEventAt || b.createdAt).localeCompare(a.lastEventAt || a.createdAt)).slice(0, 10);
        fill($('#live-ended tbody'), ended.map((s) => [timelineLink(s.streamId), sessionLink(s.sessionId),
          `${s.journal.terminalState}${s.journal.closed ? ', closed' : ''}`, String(s.journal.lastSeq), s.journal.lastEvent || '']),
        (i) => ({ 'data-stream': ended[i].streamId }));
        $('#live-updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
        say(`${active.streams.length}${active.next ? '+ (the newest 200 shown)' : ''} live stream(s)`);
      } catch (error) {
        if (stillHere(mine)) problem(error);
      }
    },
  },

  session: {
    enter(params) {
      const id = params.get('id');
      $('#session-form').sessionId.value = id || '';
      $('#session-body').hidden = !id;
      if (id) this.open(id);
    },
    leave() {
      this.channel?.close();
      this.channel = null;
      this.again = false;
    },
    open(id) {
      this.leave();
      this.id = id;
      for (const selector of ['#session-live', '#session-live-stream', '#session-live-outcome', '#session-id',
        '#session-revision', '#session-transcript', '#session-streams tbody']) $(selector).replaceChildren();
      this.load();
      // the session channel: the newest stream from its start, then every later one
      this.channel = client.session(id, {
        onStreamStarted: ({ streamId }) => {
          $('#session-live-stream').textContent = streamId;
          $('#session-live').textContent = '';
          this.outcome('active');
          this.load();
        },
        onEvent: (event) => {
          if (event.streamId !== $('#session-live-stream').textContent) return;
          if (event.type === 'token') $('#session-live').append(event.data?.text ?? '');
          else if (event.type === 'tool') $('#session-live').append(`\n[tool ${event.data?.name ?? ''}]\n`);
        },
        onSettlement: (settlement) => {
          if (settlement.streamId === $('#session-live-stream').textContent) this.outcome(settlement.outcome);
          this.load();
        },
        onFailure: problem,
      });
    },
    outcome(word) {
      $('#session-live-outcome').replaceChildren(el('span', { class: `outcome-${word}`, 'data-outcome': word, textContent: word }));
    },
    /** One load at a time; changes while it runs make one more load after it. */
    async load() {
      if (this.loading) {
        this.again = true;
        return;
      }
      this.loading = true;
      const mine = visitNow();
      try {
        do {
          this.again = false;
          await this.read(mine);
        } while (this.again && stillHere(mine));
      } finally {
        this.loading = false;
      }
    },
    async read(mine) {
      const id = this.id;
      try {
        const view = await client.getSession(id);
        // the outcome of each stream is its settlement, read for the newest 50
        view.streams = view.streams.slice(-50);
        const settlements = await Promise.all(view.streams.map((s) => client.settle(s.streamId)));
        if (!stillHere(mine) || id !== this.id) return;
        $('#session-id').textContent = view.sessionId;
        $('#session-revision').textContent = String(view.revision);
        $('#session-transcript').replaceChildren(...view.messages.map((m) => el('li', { 'data-role': m.role, 'data-stream': m.streamId },
          el('span', { class: 'meta', textContent: `${m.role} · ${m.streamId}${m.terminalState ? ` · ${m.terminalState}` : ''} · ${time(m.at)}` }),
          m.content || '')));
        fill($('#session-streams tbody'), view.streams.map((s, i) => [timelineLink(s.streamId),
          el('span', { class: `outcome-${settlements[i].outcome}`, textContent: settlements[i].outcome }),
          s.journal.terminalState || '', String(s.journal.lastSeq), time(s.createdAt)]),
        (i) => ({ 'data-stream': view.streams[i].streamId, 'data-outcome': settlements[i].outcome }));
        $('#session-body').hidden = false;
        say(`session ${id}: ${view.messages.length} message(s), ${view.streams.length} stream(s)`);
      } catch (error) {
        if (stillHere(mine)) problem(error);
      }
    },
  },

  timeline: {
    async enter(params) {
      const form = $('#timeline-form');
      form.streamId.value = params.get('streamId') || '';
      form.sessionId.value = params.get('sessionId') || '';
      $('#timeline').replaceChildren();
      const filter = { streamId: form.streamId.value || undefined, sessionId: form.sessionId.value || undefined };
      if (!filter.streamId && !filter.sessionId) return;
      const mine = visitNow();
      try {
        // the log's cursor goes on at its tail (for tailing): a short page is the end for now
        const entries = [];
        for (let after, page; !page || (page.entries.length === 1000 && entries.length < 10000); after = page.next) {
          page = await client.auditLifecycle({ ...filter, after, limit: 1000 });
          if (!stillHere(mine)) return;
          entries.push(...page.entries);
        }
        $('#timeline').replaceChildren(...entries.map((entry) => el('li', { 'data-kind': entry.kind, 'data-stream': entry.streamId },
          el('span', { class: 'kind', textContent: entry.kind + (entry.state ? `: ${entry.state}` : '') }), ' ',
          timelineLink(entry.streamId),
          el('div', { class: 'meta', textContent: `${time(entry.at)} · by ${entry.principal}` }),
          entry.detail && Object.keys(entry.detail).length ? el('div', { class: 'meta mono', textContent: JSON.stringify(entry.detail) }) : '')));
        say(`${entries.length} lifecycle entr${entries.length === 1 ? 'y' : 'ies'}`);
      } catch (error) {
        if (stillHere(mine)) problem(error);
      }
    },
  },

  audit: {
    enter(params) {
      const form = $('#audit-form');
      for (const name of ['sessionId', 'streamId', 'type']) form[name].value = params.get(name) || '';
      if ([...params.keys()].length > 0) this.search();
    },
    filter() {
      const form = $('#audit-form');
      const filter = {};
      for (const name of ['sessionId', 'streamId', 'type']) if (form[name].value) filter[name] = form[name].value.trim();
      for (const name of ['from', 'to']) if (form[name].value) filter[name] = new Date(form[name].value).toISOString();
      return filter;
    },
    /** A first page for the form's filter, or (`after`) the next page of the filter searched last. */
    async search(after) {
      const mine = visitNow();
      const ticket = (this.ticket || 0) + 1; // the latest search writes; an earlier one's late answer does not
      this.ticket = ticket;
      if (!after) this.searched = { ...this.filter(), limit: Number($('#audit-form').limit.value) || 100 };
      const searched = this.searched;
      try {
        const page = await client.auditEvents({ ...searched, after });
        if (!stillHere(mine) || ticket !== this.ticket) return;
        fill($('#audit-events tbody'), page.events.map((e) => [String(e.position), timelineLink(e.streamId), String(e.seq),
          e.type, time(e.at), el('span', { class: 'mono', textContent: JSON.stringify(e.data) })]));
        $('#audit-events tbody').querySelectorAll('td:last-child').forEach((cell) => cell.classList.add('data'));
        // the audit's cursor goes on at its tail: a full page may have a next one, a short page is the end
        const more = page.events.length === searched.limit;
        this.next = page.next;
        $('#audit-next').hidden = !more;
        say(`${page.events.length} event(s)${more ? ', more on the next page' : ''}`);
      } catch (error) {
        if (stillHere(mine) && ticket === this.ticket) problem(error);
      }
    },
    /** The selection as NDJSON, saved from the browser (it is held in memory until then). */
    async export() {
      const button = $('#audit-export');
      if (button.disabled) return;
      button.disabled = true;
      try {
        const response = await client.auditExport(this.filter());
        const reader = response.body.getReader();
        const chunks = [];
        let lines = 0;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          chunks.push(value);
          for (const byte of value) if (byte === 10) lines++;
        }
        const name = `audit-${new Date().toISOString().replace(/[:.]/g, '-')}.ndjson`;
        if (this.exported) URL.revokeObjectURL(this.exported);
        const href = URL.createObjectURL(new Blob(chunks, { type: 'application/x-ndjson' }));
        this.exported = href;
        $('#audit-export-result').replaceChildren(`${lines} event(s) exported: `,
          el('a', { href, download: name, textContent: name, id: 'audit-export-link' }));
      } catch (error) {
        problem(error);
      } finally {
        button.disabled = false;
      }
    },
  },
};

let current = null;

/** Shows `hash`, also when it is already the current one (the same search again). */
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const name = Object.hasOwn(views, path) ? path : 'live';
  current?.leave?.();
  visit++;
  for (const section of document.querySelectorAll('main > section')) section.hidden = section.id !== `view-${name}`;
  for (const tab of document.querySelectorAll('nav a')) tab.classList.toggle('current', tab.dataset.view === name);
  say('');
  current = views[name];
  current.enter(new URLSearchParams(query || ''));
}

$('#token').value = sessionStorage.getItem(TOKEN_KEY) || '';
$('#token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = $('#token').value.trim();
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
  route();
});
$('#session-form').addEventListener('submit', (event) => {
  event.preventDefault();
  go(`#/session?id=${encodeURIComponent(event.target.sessionId.value.trim())}`);
});
$('#timeline-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const query = new URLSearchParams();
  for (const name of ['streamId', 'sessionId']) if (event.target[name].value.trim()) query.set(name, event.target[name].value.trim());
  go(`#/timeline?${query}`);
});
$('#audit-form').addEventListener('submit', (event) => {
  event.preventDefault();
  views.audit.search();
});
$('#audit-next').addEventListener('click', () => views.audit.search(views.audit.next));
$('#audit-export').addEventListener('click', () => views.audit.export());
window.addEventListener('hashchange', route);
route();
