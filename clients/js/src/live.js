// Live reads: a stream tail and a session channel. Each keeps one connection open, hands out what
// arrives in order (callbacks and an async iterator), and reconnects from the last event it handed out
// until the read is over: after `stream_end`, a `stale` or `missing` settlement, or close().

import { SseParser } from './sse.js';
import { backoffDelay, hintedDelay, sleep } from './backoff.js';
import { JournalError, errorOf } from './errors.js';

const DRAINING = 'draining: reconnect';
const TOKEN_EXPIRED = 'token expired: reconnect with a fresh token';

/**
 * What a live read hands out. Items are `{kind: 'event', event}`, `{kind: 'settlement', settlement}`
 * and, on a session channel, `{kind: 'stream_started', streamId, sessionId}`. Without callbacks every
 * item waits for the async iterator; with callbacks, an iterator sees the items from when it starts.
 */
class LiveRead {
  constructor(client, handlers) {
    this.client = client;
    this.handlers = handlers || {};
    this.buffering = !['onEvent', 'onSettlement', 'onRestored', 'onError', 'onStale', 'onMissing', 'onStreamStarted']
      .some((name) => typeof this.handlers[name] === 'function');
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

  async *[Symbol.asyncIterator]() {
    this.buffering = true;
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
  settle(settlement) {
    const key = `${settlement.outcome}:${settlement.currentStreamId || ''}`;
    if (this.settled.get(settlement.streamId) === key) {
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
   * nothing (backoff with jitter); it throws a JournalError for a refused connection.
   */
  async run(connect, onRefused) {
    let attempt = 0;
    let refresh = false;
    let unauthorized = 0;
    while (!this.finished) {
      const progressBefore = this.progress;
      let ending;
      try {
        const token = await this.client.token({ refresh });
        this.stats.connections++;
        ending = (await connect(token, this.controller.signal)) || { reason: 'ended' };
        unauthorized = 0;
      } catch (error) {
        if (this.finished) {
          return;
        }
        if (!(error instanceof JournalError)) {
          ending = { reason: 'network', error };
        } else if (error.status === 401 && ++unauthorized <= this.client.maxUnauthorized) {
          ending = { reason: 'unauthorized', refresh: true, immediate: unauthorized === 1 };
        } else if (error.status >= 500 || error.status === 429 || error.status === 408) {
          ending = { reason: 'unavailable', error };
        } else if (!(await onRefused?.(error))) {
          this.fail(error);
          return;
        }
      }
      if (this.finished) {
        return;
      }
      if (this.progress > progressBefore) {
        attempt = 0;
      }
      refresh = ending.refresh === true;
      const delayMillis = ending.retryMillis != null ? hintedDelay(ending.retryMillis)
        : ending.immediate ? 0 : backoffDelay(attempt++, this.client.backoff);
      this.stats.reconnects++;
      this.call('onReconnect', { reason: ending.reason, delayMillis, error: ending.error || null });
      try {
        await sleep(delayMillis, this.controller.signal);
      } catch {
        return;
      }
    }
  }

  /** Reads one SSE response; `frame(frame)` returns 'gap' to drop the connection and resume at once. */
  async readSse(response, frame) {
    let retryMillis = this.client.retryMillis;
    let hint = null;
    let gap = false;
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
      if (!gap && !this.finished && parsed.event !== null) {
        gap = frame(parsed) === 'gap';
      }
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      while (!gap && !this.finished) {
        const { value, done } = await reader.read();
        if (done) {
          parser.end();
          break;
        }
        parser.push(decoder.decode(value, { stream: true }));
      }
    } finally {
      if (gap || this.finished) {
        reader.cancel().catch(() => {});
      }
    }
    if (gap) {
      return { reason: 'gap', immediate: true };
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
}

/** A live tail of one stream: its events from `after`, its settlement, then the end. */
export class Tail extends LiveRead {
  constructor(client, streamId, options = {}) {
    super(client, options);
    this.streamId = streamId;
    this.lastSeq = options.after || 0;
    this.sawStreamEnd = false;
    this.run((token, signal) => this.connect(token, signal), (error) => this.refused(error));
  }

  position() {
    return { streamId: this.streamId, lastSeq: this.lastSeq };
  }

  async connect(token, signal) {
    const response = await this.openSse(`/v1/streams/${encodeURIComponent(this.streamId)}/events`, token,
      this.lastSeq > 0 ? String(this.lastSeq) : null, signal);
    const ending = await this.readSse(response, (frame) => this.frame(frame));
    if (this.sawStreamEnd && !this.finished) {
      // the service ends a tail after stream_end; when stream_end itself ended the stream, its
      // settlement follows it, and a cut between the two is answered by one read, not a reconnect
      if (!this.settlement) {
        this.settle(await this.client.settle(this.streamId));
      }
      this.end({ reason: 'stream_end' });
    }
    return ending;
  }

  frame(frame) {
    const data = JSON.parse(frame.data);
    if (frame.event === 'settlement') {
      this.settle(data);
      if (data.outcome === 'stale' || data.outcome === 'missing') {
        this.end({ reason: data.outcome });
      }
      return null;
    }
    const seq = data.seq;
    if (seq <= this.lastSeq) {
      this.stats.duplicates++;
      return null;
    }
    if (seq > this.lastSeq + 1) {
      this.stats.gaps++;
      return 'gap';
    }
    this.lastSeq = seq;
    this.event(data);
    if (data.type === 'stream_end') {
      this.sawStreamEnd = true;
    }
    return null;
  }

  /** A tail of an unknown stream settles `missing` (read from the service) and ends. */
  async refused(error) {
    if (error.status !== 404) {
      return false;
    }
    const settlement = await this.client.settle(this.streamId);
    this.settle(settlement);
    this.end({ reason: settlement.outcome });
    return true;
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
    const websocket = options.transport === 'websocket';
    if (websocket && typeof client.WebSocket !== 'function') {
      throw new TypeError('no WebSocket here: pass one as the WebSocket option of the client (Node 20: the ws package)');
    }
    this.run((token, signal) => (websocket ? this.connectWebSocket(token, signal) : this.connectSse(token, signal)));
  }

  position() {
    return { sessionId: this.sessionId, lastEventId: this.lastEventId };
  }

  async connectSse(token, signal) {
    const response = await this.openSse(`/v1/sessions/${encodeURIComponent(this.sessionId)}/events`, token,
      this.lastEventId, signal);
    return this.readSse(response, (frame) => this.frame(frame.event, frame.id, JSON.parse(frame.data)));
  }

  connectWebSocket(token, signal) {
    const query = this.lastEventId ? `?lastEventId=${encodeURIComponent(this.lastEventId)}` : '';
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
      socket.onmessage = (message) => {
        const frame = JSON.parse(typeof message.data === 'string' ? message.data : String(message.data));
        if (frame.event === 'error') {
          problem = frame.data;
        } else if (!this.finished && this.frame(frame.event, frame.id, frame.data) === 'gap') {
          socket.close(1000);
          this.resumeAtOnce = true;
        }
      };
      socket.onerror = () => {}; // a close follows
      socket.onclose = (closed) => {
        signal.removeEventListener('abort', abort);
        if (problem) {
          reject(new JournalError(problem.status, problem));
        } else if (this.resumeAtOnce) {
          this.resumeAtOnce = false;
          resolve({ reason: 'gap', immediate: true });
        } else if (closed.code === 1012) {
          resolve({ reason: 'drain', retryMillis: this.client.retryMillis });
        } else if (closed.code === 4401) {
          resolve({ reason: 'token-expired', refresh: true, retryMillis: this.client.retryMillis });
        } else if (closed.code >= 4400 && closed.code < 4500) {
          reject(new JournalError(closed.code - 4000, { status: closed.code - 4000, detail: closed.reason }));
        } else {
          // a refused upgrade (a bad token, too) shows only as a close: ask for a fresh token next time
          resolve({ reason: opened ? 'ended' : 'network', refresh: !opened });
        }
      };
    });
  }

  frame(event, id, data) {
    if (event === 'settlement') {
      this.settle(data);
      return null;
    }
    const split = id ? id.lastIndexOf(':') : -1;
    const streamId = split > 0 ? id.slice(0, split) : data.streamId;
    const seq = split > 0 ? Number(id.slice(split + 1)) : data.seq;
    const last = this.seqs.get(streamId);
    if (last !== undefined && seq <= last) {
      this.stats.duplicates++;
      return null;
    }
    if (last !== undefined && seq > last + 1) {
      this.stats.gaps++;
      return 'gap';
    }
    this.seqs.set(streamId, seq);
    this.lastEventId = id;
    if (event === 'stream_started') {
      this.progress++;
      this.push({ kind: 'stream_started', ...data }, 'onStreamStarted', data);
    } else {
      this.event(data);
    }
    return null;
  }
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
