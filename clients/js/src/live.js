// Live reads: a stream tail and a session channel. Each keeps one connection open, hands out what
// arrives in order (callbacks and an async iterator), and reconnects from the last event it handed out
// until the read is over: after `stream_end`, a `stale` or `missing` settlement, or close().

import { SseParser } from './sse.js';
import { backoffDelay, hintedDelay, sleep } from './backoff.js';
import { JournalError, errorOf, transient } from './errors.js';

const DRAINING = 'draining: reconnect';
const TOKEN_EXPIRED = 'token expired: reconnect with a fresh token';

/**
 * What a live read hands out. Items are `{kind: 'event', event}`, `{kind: 'settlement', settlement}`
 * and, on a session channel, `{kind: 'stream_started', streamId, sessionId}`, to the callbacks and to
 * one async iterator. Without item callbacks every item waits for the iterator; with them, the
 * iterator gets the items from when it is asked for. Leaving the iterator's loop early closes the read.
 */
const ITEM_HANDLERS = ['onEvent', 'onSettlement', 'onRestored', 'onError', 'onStale', 'onMissing', 'onStreamStarted'];

class LiveRead {
  constructor(client, handlers) {
    this.client = client;
    this.handlers = handlers || {};
    this.buffering = !ITEM_HANDLERS.some((name) => typeof this.handlers[name] === 'function');
    this.iterated = false;
    this.items = [];
    this.wake = null;
    this.finished = false;
    this.failure = null;
    this.progress = 0;
    this.settled = new Map();
    this.controller = new AbortController();
    this.stats = { connections: 0, reconnects: 0, duplicates: 0, gaps: 0 };
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {}); // a failure is also thrown to the iterator and passed to onFailure
  }

  /** Stops reading; `done` resolves with reason `closed`. */
  close() {
    this.end({ reason: 'closed' });
  }

  [Symbol.asyncIterator]() {
    if (this.iterated) {
      throw new TypeError('a live read has one iterator');
    }
    this.iterated = true;
    this.buffering = true;
    return this.iterate();
  }

  async *iterate() {
    try {
      for (;;) {
        if (this.items.length > 0) {
          yield this.items.shift();
          continue;
        }
        if (this.finished) {
          if (this.failure) {
            throw this.failure;
          }
          return;
        }
        await new Promise((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      this.close(); // a loop left early (break, return, throw) ends the read and its connection
    }
  }

  push(item, handler, ...args) {
    if (this.finished) {
      return;
    }
    this.call(handler, ...args);
    if (this.buffering) {
      this.items.push(item);
      this.notify();
    }
  }

  /**
   * Hands out a settlement, once: a resume at or past the terminal event brings the stream's settlement
   * again, and only a change (another outcome, another newer stream) is news.
   */
  handOut(settlement) {
    if (this.finished) {
      return;
    }
    const key = `${settlement.outcome}:${settlement.currentStreamId || ''}`;
    if (this.settled.get(settlement.streamId) === key) {
      if (settlement.streamId === this.settlement?.streamId) {
        this.settlement = settlement; // the same news, newer (closed since, say): kept, not handed out again
      }
      return;
    }
    this.settled.set(settlement.streamId, key);
    this.settlement = settlement;
    this.push({ kind: 'settlement', settlement }, 'onSettlement', settlement);
    switch (settlement.outcome) {
      case 'restored':
        this.call('onRestored', settlement.transcript, settlement);
        break;
      case 'error':
        this.call('onError', settlement.error, assistantMessage(settlement), settlement);
        break;
      case 'stale':
        this.call('onStale', settlement.currentStreamId, settlement);
        break;
      case 'missing':
        this.call('onMissing', settlement);
        break;
      default:
        break;
    }
  }

  end(result) {
    if (this.finished) {
      return;
    }
    this.finished = true;
    this.controller.abort();
    const outcome = { settlement: this.settlement || null, ...this.position(), ...result };
    this.resolveDone(outcome);
    this.notify();
    this.call('onEnd', outcome);
  }

  fail(error) {
    if (this.finished) {
      return;
    }
    this.finished = true;
    this.failure = error;
    this.controller.abort();
    this.rejectDone(error);
    this.notify();
    this.call('onFailure', error);
  }

  notify() {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  call(name, ...args) {
    const handler = this.handlers[name];
    if (typeof handler !== 'function') {
      return;
    }
    try {
      handler(...args);
    } catch (error) {
      report(error);
    }
  }

  /**
   * Connects again and again until the read is over. `connect(token, signal)` reads one connection and
   * resolves with how it ended: `{retryMillis}` for a server hint, `{immediate}` to resume at once, or
   * nothing (backoff with jitter); it throws a JournalError for a refused connection, which
   * `onRefused(error)` may turn into such an ending (else the read fails with it).
   */
  start(connect, onRefused) {
    this.loop(connect, onRefused).catch((error) => this.fail(error));
  }

  async loop(connect, onRefused) {
    let attempt = 0;
    let refresh = false;
    let refusals = 0;
    let previous = null;
    while (!this.finished) {
      const progressBefore = this.progress;
      let ending;
      let token;
      try {
        token = await this.client.token({ refresh });
      } catch (error) {
        // the app's token provider failed: like a 401, a few tries with a fresh token, then the end
        if (++refusals > this.client.maxUnauthorized) {
          throw error;
        }
        ending = { reason: 'token-provider', refresh: true, error };
      }
      if (this.finished) {
        return;
      }
      if (!ending) {
        try {
          this.stats.connections++;
          ending = (await connect(token, this.controller.signal)) || { reason: 'ended' };
          refusals = 0;
        } catch (error) {
          if (this.finished) {
            return;
          }
          if (!(error instanceof JournalError)) {
            ending = { reason: 'network', error };
          } else if (error.status === 401 && ++refusals <= this.client.maxUnauthorized) {
            ending = { reason: 'unauthorized', refresh: true, immediate: refusals === 1 };
          } else if (error.status >= 500 || error.status === 429 || error.status === 408) {
            ending = { reason: 'unavailable', error };
          } else {
            ending = onRefused ? await onRefused(error) : null;
            if (!ending) {
              throw error;
            }
          }
        }
      }
      if (this.finished) {
        return;
      }
      if (this.progress > progressBefore) {
        attempt = 0;
      }
      refresh = ending.refresh === true;
      // a gap is resumed at once, but not twice in a row: something between keeps producing it
      const immediate = ending.immediate && !(ending.reason === 'gap' && previous === 'gap');
      previous = ending.reason;
      const delayMillis = ending.retryMillis != null ? hintedDelay(ending.retryMillis)
        : immediate ? 0 : backoffDelay(attempt++, this.client.backoff);
      this.stats.reconnects++;
      this.call('onReconnect', { reason: ending.reason, delayMillis, error: ending.error || null });
      try {
        await sleep(delayMillis, this.controller.signal);
      } catch {
        return;
      }
    }
  }

  /**
   * Reads one SSE response; `frame(frame)` returns 'gap' to drop the connection and resume at once. A
   * connection that brings nothing, not even the service's keep-alive (every 15 s), for
   * `idleTimeoutMillis` is taken for dead (a half-open connection after a network change) and replaced.
   */
  async readSse(response, frame) {
    let retryMillis = this.client.retryMillis;
    let hint = null;
    let gap = false;
    let idle = false;
    const parser = new SseParser((parsed) => {
      if (parsed.retry !== null) {
        retryMillis = parsed.retry;
      }
      for (const comment of parsed.comments) {
        if (comment === DRAINING) {
          hint = { reason: 'drain' };
        } else if (comment === TOKEN_EXPIRED) {
          hint = { reason: 'token-expired', refresh: true };
        }
      }
      if (!gap && !this.finished && parsed.event !== null && parsed.data !== null) {
        gap = frame(parsed) === 'gap';
      }
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let timer = null;
    const watch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        idle = true;
        reader.cancel().catch(() => {});
      }, this.client.idleTimeoutMillis);
    };
    let done = false;
    try {
      watch();
      while (!gap && !this.finished && !idle) {
        const next = await reader.read();
        if (next.done) {
          done = true;
          parser.end();
          break;
        }
        watch();
        parser.push(decoder.decode(next.value, { stream: true }));
      }
    } finally {
      clearTimeout(timer);
      if (!done) {
        reader.cancel().catch(() => {});
      }
    }
    if (gap) {
      return { reason: 'gap', immediate: true };
    }
    if (idle) {
      return { reason: 'idle' };
    }
    return hint ? { ...hint, retryMillis } : { reason: 'ended' };
  }

  /** Opens an SSE response (throws the service's error for anything but 200). */
  async openSse(path, token, lastEventId, signal) {
    const headers = { Accept: 'text/event-stream' };
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    }
    if (lastEventId) {
      headers['Last-Event-ID'] = lastEventId;
    }
    const response = await this.client.fetch(this.client.url(path), { headers, signal, cache: 'no-store' });
    if (!response.ok) {
      throw await errorOf(response);
    }
    return response;
  }

  event(data) {
    this.progress++;
    this.push({ kind: 'event', event: data }, 'onEvent', data);
  }

  /**
   * Where `seq` falls after `last`, the seq taken before it: 'next' to take it; 'old' to drop it
   * (counted as a duplicate unless it was `expected` again); 'gap' to resume at once (counted).
   */
  order(last, seq, expected = false) {
    if (seq <= last) {
      if (!expected) {
        this.stats.duplicates++;
      }
      return 'old';
    }
    if (seq > last + 1) {
      this.stats.gaps++;
      return 'gap';
    }
    return 'next';
  }
}

/** A live tail of one stream: its events from `after`, its settlement, then the end. */
export class Tail extends LiveRead {
  constructor(client, streamId, options = {}) {
    super(client, options);
    this.streamId = streamId;
    this.lastSeq = options.after || 0;
    this.sawStreamEnd = false;
    this.start((token, signal) => this.connect(token, signal), (error) => this.refused(error));
  }

  position() {
    return { streamId: this.streamId, lastSeq: this.lastSeq };
  }

  async connect(token, signal) {
    const response = await this.openSse(`/v1/streams/${encodeURIComponent(this.streamId)}/events`, token,
      this.lastSeq > 0 ? String(this.lastSeq) : null, signal);
    const ending = await this.readSse(response, (frame) => this.frame(frame));
    // the service ends a tail after stream_end; a tail resumed at or past it gets the settlement (with
    // `closed`) and the end. When stream_end itself ended the stream its settlement follows it, and a
    // cut between the two is answered by one read, not a reconnect.
    const closed = this.settlement?.closed && this.lastSeq >= this.settlement.lastSeq;
    if ((this.sawStreamEnd || closed) && !this.finished) {
      if (!this.settlement) {
        this.handOut(await this.client.settle(this.streamId, { signal: this.controller.signal }));
      }
      this.end({ reason: 'stream_end' });
    }
    return ending;
  }

  frame(frame) {
    const data = JSON.parse(frame.data);
    if (frame.event === 'settlement') {
      this.handOut(data);
      if (ends(data)) {
        this.end({ reason: data.outcome });
      }
      return null;
    }
    const order = this.order(this.lastSeq, data.seq);
    if (order !== 'next') {
      return order === 'gap' ? 'gap' : null;
    }
    this.lastSeq = data.seq;
    this.event(data);
    if (data.type === 'stream_end') {
      this.sawStreamEnd = true;
    }
    return null;
  }

  /**
   * A 404: the settlement says whether the stream is `missing` (the tail ends with it) or was created
   * meanwhile (a tail opened in parallel with the create), which the next connection reads.
   */
  async refused(error) {
    if (error.status !== 404) {
      return null;
    }
    let settlement;
    try {
      settlement = await this.client.settle(this.streamId, { signal: this.controller.signal });
    } catch (failure) {
      if (transient(failure)) {
        return { reason: 'not-found', error: failure };
      }
      throw failure;
    }
    if (ends(settlement)) {
      this.handOut(settlement);
      this.end({ reason: settlement.outcome });
    }
    return { reason: 'not-found' };
  }
}

/**
 * Every stream of a session on one connection, over SSE or (option `transport: 'websocket'`) WebSocket.
 * It never ends by itself: a `stale` settlement of an old stream is followed by the newer stream's
 * `stream_started`.
 */
export class SessionChannel extends LiveRead {
  constructor(client, sessionId, options = {}) {
    super(client, options);
    this.sessionId = sessionId;
    this.lastEventId = options.lastEventId || null;
    this.seqs = new Map();
    this.open = new Map(); // streams not yet ended (stream_end, stale, missing) -> their last id
    this.replaying = new Set();
    const websocket = options.transport === 'websocket';
    if (websocket && typeof client.WebSocket !== 'function') {
      throw new TypeError('no WebSocket here: pass one as the WebSocket option of the client (Node 20: the ws package)');
    }
    this.start((token, signal) => (websocket ? this.connectWebSocket(token, signal) : this.connectSse(token, signal)));
  }

  position() {
    return { sessionId: this.sessionId, lastEventId: this.resumeId };
  }

  /**
   * The id to resume from later (`lastEventId` option): the oldest stream that has not ended, else the
   * last frame taken. Resuming from the last frame could skip an older stream's end.
   */
  get resumeId() {
    const oldest = this.open.values().next();
    return oldest.done ? this.lastEventId : oldest.value;
  }

  /**
   * Where to resume: the oldest stream that has not ended, so that frames of an older stream that come
   * after a newer stream's first ones are not skipped; newer streams are then sent again from their
   * start, and what was taken before is dropped without counting it as a duplicate.
   */
  cursor() {
    const cursor = this.resumeId;
    const from = cursor ? cursor.slice(0, cursor.lastIndexOf(':')) : null;
    this.replaying = new Set([...this.seqs.keys()].filter((streamId) => streamId !== from));
    return cursor;
  }

  async connectSse(token, signal) {
    const response = await this.openSse(`/v1/sessions/${encodeURIComponent(this.sessionId)}/events`, token,
      this.cursor(), signal);
    return this.readSse(response, (frame) => this.frame(frame.event, frame.id, JSON.parse(frame.data)));
  }

  connectWebSocket(token, signal) {
    if (signal.aborted) {
      return Promise.resolve({ reason: 'closed' });
    }
    const cursor = this.cursor();
    const query = cursor ? `?lastEventId=${encodeURIComponent(cursor)}` : '';
    const url = this.client.url(`/v1/sessions/${encodeURIComponent(this.sessionId)}/live${query}`).replace(/^http/, 'ws');
    const protocols = ['stream-journal.v1'];
    if (token) {
      protocols.push(`quarkus-http-upgrade#Authorization#${encodeURIComponent(`Bearer ${token}`)}`);
    }
    return new Promise((resolve, reject) => {
      const socket = new this.client.WebSocket(url, protocols);
      let opened = false;
      let problem = null;
      const abort = () => socket.close(1000);
      signal.addEventListener('abort', abort, { once: true });
      socket.onopen = () => {
        opened = true;
      };
      let dropping = false; // after a gap: the messages still on their way are not taken
      socket.onmessage = (message) => {
        if (dropping || this.finished) {
          return;
        }
        let frame;
        try {
          frame = JSON.parse(typeof message.data === 'string' ? message.data : String(message.data));
        } catch {
          frame = { event: null };
        }
        if (frame.event === 'error') {
          problem = frame.data;
        } else if (typeof frame.event !== 'string' || this.frame(frame.event, frame.id, frame.data) === 'gap') {
          dropping = true;
          socket.close(1000);
        }
      };
      socket.onerror = () => {}; // a close follows
      socket.onclose = (closed) => {
        signal.removeEventListener('abort', abort);
        if (problem) {
          reject(new JournalError(problem.status, problem));
        } else if (dropping) {
          resolve({ reason: 'gap', immediate: true });
        } else if (closed.code === 1012) {
          resolve({ reason: 'drain', retryMillis: this.client.retryMillis });
        } else if (closed.code === 4401) {
          resolve({ reason: 'token-expired', refresh: true, retryMillis: this.client.retryMillis });
        } else if (closed.code >= 4400 && closed.code < 4500) {
          reject(new JournalError(closed.code - 4000, { status: closed.code - 4000, detail: closed.reason }));
        } else if (opened) {
          resolve({ reason: 'ended' });
        } else {
          // a refused upgrade shows only as a close: one plain request tells a refusal (a 401, a 404:
          // thrown, as for SSE) from a service out of reach
          this.client.request('GET', `/v1/sessions/${encodeURIComponent(this.sessionId)}`, { signal })
            .then(() => resolve({ reason: 'network' }), (error) => (error instanceof JournalError ? reject(error) : resolve({ reason: 'network', error })));
        }
      };
    });
  }

  frame(event, id, data) {
    if (event === 'settlement') {
      if (ends(data)) {
        this.open.delete(data.streamId);
      }
      this.handOut(data);
      return null;
    }
    const split = id ? id.lastIndexOf(':') : -1;
    const streamId = split > 0 ? id.slice(0, split) : data.streamId;
    const seq = split > 0 ? Number(id.slice(split + 1)) : data.seq;
    const last = this.seqs.get(streamId);
    const order = last === undefined ? 'next' : this.order(last, seq, this.replaying.has(streamId));
    if (order !== 'next') {
      return order === 'gap' ? 'gap' : null;
    }
    this.seqs.set(streamId, seq);
    this.lastEventId = id;
    if (event === 'stream_end') {
      this.open.delete(streamId);
    } else {
      this.open.set(streamId, id);
    }
    if (event === 'stream_started') {
      this.progress++;
      this.push({ kind: 'stream_started', ...data }, 'onStreamStarted', data);
    } else {
      this.event(data);
    }
    return null;
  }
}

/** True for the outcomes after which a stream has nothing more to say to its client. */
function ends(settlement) {
  return settlement.outcome === 'stale' || settlement.outcome === 'missing';
}

/** The assistant message of a settlement's turn (the partial message of an `error`), or null. */
export function assistantMessage(settlement) {
  const messages = settlement?.transcript?.messages || [];
  return messages.find((message) => message.role === 'assistant') || null;
}

function report(error) {
  if (typeof globalThis.reportError === 'function') {
    globalThis.reportError(error);
  } else {
    console.error(error);
  }
}
