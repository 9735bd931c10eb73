// The producer of one stream: appends with explicit seqs (a retry sends the same seq and the same
// body, so the service counts it as a duplicate if the first try was committed), heartbeats while idle.

import { JournalError, StreamClosedError, StreamTerminalError, transient } from './errors.js';

export class Producer {
  /**
   * @param status  the stream's status (as `POST .../streams` or `GET /v1/streams/{id}` answer it)
   * @param options.heartbeatMillis  idle time before a heartbeat (default a third of the lease, 5 s at most)
   * @param options.maxRetryMillis   how long one append or heartbeat is retried (default 60 s)
   * @param options.onStopped        called once with the error that stopped the producer
   * @param options.onRetry          called before each retry with `{attempt, delayMillis, error}`
   * @param options.onStopRequested  called once when an answer says a reader asked to stop the stream
   */
  constructor(client, status, options = {}) {
    this.client = client;
    this.stopping = new AbortController();
    this.streamId = status.streamId;
    this.sessionId = status.sessionId;
    this.observe(status.journal);
    const leaseSeconds = options.leaseSeconds ?? leaseOf(status) ?? 60;
    // a third of the lease, and at most 5 s, so that an idle producer learns of a stop request well
    // within journal.stop-grace (10 s)
    this.heartbeatMillis = options.heartbeatMillis ?? Math.max(500, Math.min(5000, (leaseSeconds * 1000) / 3));
    this.maxRetryMillis = options.maxRetryMillis ?? 60000;
    this.onStopped = options.onStopped;
    this.onRetry = options.onRetry;
    this.onStopRequested = options.onStopRequested;
    this.stopped = null;
    this.heartbeatsOff = false;
    this.pending = null;
    this.timer = null;
    this.queue = Promise.resolve();
    this.schedule();
  }

  /**
   * Appends events (`{type, data}`, one or an array) as one atomic batch at the next seqs; appends run
   * one after another in call order. Resolves with the service's answer once it is durable. The events
   * are copied now: changing them afterwards changes nothing that is sent.
   */
  append(events) {
    const batch = (Array.isArray(events) ? events : [events])
      .map((event) => ({ type: event.type, data: event.data === undefined ? undefined : JSON.parse(JSON.stringify(event.data)) }));
    const sent = this.queue.then(() => this.send(batch));
    this.queue = sent.catch(() => {});
    return sent;
  }

  /**
   * Aborts once a reader asked to stop the stream (`POST /v1/streams/{id}/stop`), as the next append or
   * heartbeat answer tells, and once the producer stopped (a newer turn superseded the stream): pass it to
   * the model call; after a stop request, end the stream with `cancel()`.
   */
  get stopSignal() {
    return this.stopping.signal;
  }

  /** True once a reader asked to stop the stream. */
  get stopRequested() {
    return this.stopAsked === true;
  }

  token(text) {
    return this.append({ type: 'token', data: { text } });
  }

  /** The turn completed (`done`); `data.message` may carry the final assistant message. */
  done(data = {}) {
    return this.append({ type: 'done', data });
  }

  /** The turn was stopped (`cancel`): what was streamed so far is its transcript. */
  cancel(data = {}) {
    return this.append({ type: 'cancel', data });
  }

  /** The turn failed (`error`); `data` is handed to readers as the settlement's error. */
  error(data = {}) {
    return this.append({ type: 'error', data });
  }

  /** Closes the stream (`stream_end`); nothing can be appended after it. */
  end(data = {}) {
    return this.append({ type: 'stream_end', data });
  }

  /**
   * Extends the lease now (the timer does this while the producer is idle). A failed heartbeat is
   * tried again at the next beat, unless the stream is terminal (its lease is over) or gone.
   */
  async heartbeat() {
    if (this.stopped) {
      throw this.stopped;
    }
    this.beating?.abort();
    const beating = new AbortController();
    this.beating = beating;
    try {
      const answer = await this.client.retrying('POST', `/v1/streams/${encodeURIComponent(this.streamId)}/heartbeat`,
        { onRetry: this.onRetry, signal: beating.signal }, this.maxRetryMillis);
      this.noticeStop(answer);
    } catch (error) {
      this.stopOn(error);
      if (error instanceof JournalError && error.status === 404) {
        this.heartbeatsOff = true; // the stream is gone (retention)
      }
      throw error;
    } finally {
      if (!beating.signal.aborted) {
        this.schedule();
      }
    }
  }

  /** Stops the heartbeats for good, also one being retried (the stream stays as it is; appends still work). */
  close() {
    this.heartbeatsOff = true;
    this.unschedule();
    this.beating?.abort();
  }

  /**
   * Sends a batch at the next seqs. A batch whose retries ran out may have been written (its answer
   * lost): it is sent again, unchanged, before the next batch, so no seq is ever given other content.
   */
  async send(batch) {
    if (this.stopped) {
      throw this.stopped;
    }
    if (this.pending) {
      this.observe(await this.post(this.pending));
      this.pending = null;
    }
    const events = batch.map((event, i) => ({ seq: this.lastSeq + 1 + i, ...event }));
    const body = JSON.stringify({ events });
    this.pending = body;
    const result = await this.post(body);
    this.pending = null;
    this.observe(result);
    this.schedule();
    return result;
  }

  async post(body) {
    try {
      return await this.client.retrying('POST', `/v1/streams/${encodeURIComponent(this.streamId)}/events`,
        { body, onRetry: this.onRetry }, this.maxRetryMillis);
    } catch (error) {
      if (!transient(error) && !error.uncertain) {
        this.pending = null; // answered with a refusal at every try: nothing of it was written
      }
      this.stopOn(error);
      throw error;
    }
  }

  observe(journal) {
    this.lastSeq = journal.lastSeq;
    this.terminal = journal.terminal;
    this.terminalState = journal.terminalState || null;
    this.closed = journal.closed;
    this.noticeStop(journal);
  }

  noticeStop(answer) {
    if (answer?.stopRequested && !this.stopAsked) {
      this.stopAsked = true;
      this.stopping.abort(new Error('a reader asked to stop the stream'));
      this.onStopRequested?.();
    }
  }

  /**
   * A terminal stream needs no heartbeat; a superseded or closed one takes no more content, and the
   * producer stops at once.
   */
  stopOn(error) {
    if (error instanceof StreamTerminalError) {
      this.terminal = true;
      this.terminalState = error.terminalState || this.terminalState;
      this.unschedule();
      this.stopping.abort(error); // the stream is over (the service ended it): so is the model call
    }
    const over = error instanceof StreamClosedError || (error instanceof StreamTerminalError && error.superseded);
    if (!over || this.stopped) {
      return;
    }
    this.stopped = error;
    this.unschedule();
    this.beating?.abort();
    this.stopping.abort(error);
    if (typeof this.onStopped === 'function') {
      this.onStopped(error);
    }
  }

  unschedule() {
    clearTimeout(this.timer);
    this.timer = null;
  }

  schedule() {
    this.unschedule();
    if (this.terminal || this.closed || this.stopped || this.heartbeatsOff) {
      return;
    }
    this.timer = setTimeout(() => this.heartbeat().catch(() => {}), this.heartbeatMillis);
    this.timer.unref?.();
  }
}

/** The lease a status shows (its expiry after its last activity), in seconds, or null. */
function leaseOf(status) {
  const seconds = (Date.parse(status.leaseExpiresAt) - Date.parse(status.lastEventAt || status.createdAt)) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
}
