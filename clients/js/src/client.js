// The client: one per service (and identity). Plain requests, the live reads, the producer.

import { DEFAULT_BACKOFF, backoffDelay, sleep } from './backoff.js';
import { JournalError, NetworkError, errorOf, transient } from './errors.js';
import { SessionChannel, Tail } from './live.js';
import { Producer } from './producer.js';

export class JournalClient {
  /**
   * @param options.baseUrl  the service, e.g. `https://journal.example.com` ('' = this page's origin)
   * @param options.token    a bearer token, or a function `({refresh}) => token` called before every
   *                         request and on every reconnect (`refresh` is true after a 401 or an expiry)
   * @param options.fetch, options.WebSocket  implementations (default: the global ones)
   * @param options.backoff  `{initialMillis, maxMillis, factor}` for reconnects and retries
   */
  constructor(options = {}) {
    this.baseUrl = (options.baseUrl || '').replace(/\/+$/, '');
    this.tokenSource = options.token;
    this.fetch = options.fetch || globalThis.fetch.bind(globalThis);
    this.WebSocket = options.WebSocket || globalThis.WebSocket;
    this.backoff = { ...DEFAULT_BACKOFF, ...(options.backoff || {}) };
    this.retryMillis = options.retryMillis ?? 1000;
    this.maxUnauthorized = options.maxUnauthorized ?? 3;
    this.idleTimeoutMillis = options.idleTimeoutMillis ?? 45000;
  }

  /** The bearer token to send now, or null with authentication off. */
  async token({ refresh = false } = {}) {
    const source = this.tokenSource;
    const token = typeof source === 'function' ? await source({ refresh }) : source;
    return token || null;
  }

  url(path, query) {
    const base = this.baseUrl || (typeof location !== 'undefined' ? location.origin : '');
    const url = new URL(base + path);
    for (const [name, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== '') {
        url.searchParams.set(name, String(value));
      }
    }
    return url.toString();
  }

  /** One request; the parsed JSON body (null for 204), or a JournalError / NetworkError. */
  async request(method, path, { query, body, accept = 'application/json', signal, raw = false, refresh = false } = {}) {
    const headers = { Accept: accept };
    const token = await this.token({ refresh });
    if (token) {
      headers.Authorization = `Bearer ${token}`;
    }
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await this.fetch(this.url(path, query), {
        method, headers, signal, cache: 'no-store',
        body: body === undefined || typeof body === 'string' ? body : JSON.stringify(body),
      });
    } catch (error) {
      if (signal?.aborted) {
        throw error;
      }
      throw new NetworkError(error);
    }
    if (!response.ok) {
      throw await errorOf(response);
    }
    if (raw) {
      return response;
    }
    return response.status === 204 ? null : response.json();
  }

  /**
   * `request` again with the same body after a network error, 503, 502, 504 or 429, with exponential
   * backoff and jitter, for `maxElapsedMillis` at most, and once at once with a fresh token after a
   * 401. Only for requests that are safe to repeat. The error it ends with says `uncertain: true` when
   * some try went unanswered (it may have been carried out); an answered 4xx or 5xx wrote nothing.
   */
  async retrying(method, path, options = {}, maxElapsedMillis = 60000) {
    const deadline = Date.now() + maxElapsedMillis;
    let uncertain = false;
    let refreshAt = -1;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request(method, path, { ...options, refresh: attempt === refreshAt });
      } catch (error) {
        uncertain ||= error instanceof NetworkError;
        if (error instanceof JournalError && error.status === 401 && refreshAt < 0) {
          refreshAt = attempt + 1; // the next try, at once, with a fresh token
          continue;
        }
        const delay = backoffDelay(attempt, this.backoff);
        if (!transient(error) || Date.now() + delay > deadline || options.signal?.aborted) {
          error.uncertain = uncertain;
          throw error;
        }
        options.onRetry?.({ attempt, delayMillis: delay, error });
        await sleep(delay, options.signal);
      }
    }
  }

  // ---- reads ----

  status(streamId) {
    return this.request('GET', `/v1/streams/${encodeURIComponent(streamId)}`);
  }

  events(streamId, { after, limit } = {}) {
    return this.request('GET', `/v1/streams/${encodeURIComponent(streamId)}/events`, { query: { after, limit } });
  }

  getSession(sessionId) {
    return this.request('GET', `/v1/sessions/${encodeURIComponent(sessionId)}`);
  }

  /** A page of the tenant's streams, newest first: `{streams, next}`. */
  listStreams({ state, sessionId, limit, after } = {}) {
    return this.request('GET', '/v1/streams', { query: { state, sessionId, limit, after } });
  }

  /**
   * The settlement of a stream. With `wait` (seconds) it long-polls while the outcome is `active`, again
   * until `wait` has passed, and rides out 503s and network errors within it.
   */
  async settle(streamId, { wait = 0, signal } = {}) {
    const path = `/v1/streams/${encodeURIComponent(streamId)}/settlement`;
    if (!wait) {
      return this.request('GET', path, { signal });
    }
    const deadline = Date.now() + wait * 1000;
    for (;;) {
      const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      const settlement = await this.retrying('GET', path, { query: { wait: Math.min(60, left) }, signal },
        Math.max(0, deadline - Date.now()));
      if (settlement.outcome !== 'active' || Date.now() >= deadline) {
        return settlement;
      }
    }
  }

  /** A page of the audit, in global position order: `{events, next}` (role auditor). */
  auditEvents(filter = {}) {
    return this.request('GET', '/v1/audit/events', { query: filter });
  }

  /** A page of the lifecycle log: `{entries, next}` (role auditor). */
  auditLifecycle(filter = {}) {
    return this.request('GET', '/v1/audit/lifecycle', { query: filter });
  }

  /** The whole audit selection as NDJSON: the raw response, to stream or save. */
  auditExport(filter = {}) {
    const { after, limit, ...selection } = filter;
    return this.request('GET', '/v1/audit/events', { query: selection, accept: 'application/x-ndjson', raw: true });
  }

  // ---- live ----

  /** A live tail of a stream (see Tail). */
  tail(streamId, options) {
    return new Tail(this, streamId, options);
  }

  /** The live channel of a session over SSE, or WebSocket with `{transport: 'websocket'}`. */
  session(sessionId, options) {
    return new SessionChannel(this, sessionId, options);
  }

  // ---- producer ----

  /**
   * Creates a stream in a session (the session too, on first use) and returns its Producer. The stream
   * id is generated when not given, so a retried create is recognised as the same one.
   */
  async createStream(sessionId, { streamId, userMessage, onActive, leaseSeconds, ...producerOptions } = {}) {
    const body = { streamId: streamId || newId() };
    if (userMessage !== undefined) body.userMessage = userMessage;
    if (onActive !== undefined) body.onActive = onActive;
    if (leaseSeconds !== undefined) body.leaseSeconds = leaseSeconds;
    const status = await this.retrying('POST', `/v1/sessions/${encodeURIComponent(sessionId)}/streams`, { body },
      producerOptions.maxRetryMillis);
    return new Producer(this, status, { leaseSeconds, ...producerOptions });
  }

  /** The Producer of a stream that exists (a restarted producer): it continues after its last seq. */
  async producer(streamId, options) {
    return new Producer(this, await this.status(streamId), options);
  }
}

function newId() {
  return globalThis.crypto.randomUUID();
}
