// The AI SDK (npm `ai` 7) over the journal: a producer side that writes what `streamText` streams, and a
// chat transport whose resume reads the journal. Import it as `stream-journal-client/ai`; it needs `ai`
// (an optional peer dependency), which the main entry never loads.

import { DefaultChatTransport } from 'ai';
import { backoffDelay, sleep } from './backoff.js';
import { JournalClient } from './client.js';

/** Tool call fields a UI chunk carries beside its id, name and input or output. */
const CALL_FIELDS = ['providerExecuted', 'providerMetadata', 'toolMetadata', 'dynamic', 'title'];
const RESULT_FIELDS = ['providerExecuted', 'providerMetadata', 'toolMetadata', 'dynamic'];

/**
 * The journal events of one UI message chunk: native events where the journal has a type for it (so
 * that the transcript, the settlement and every native reader see the answer), `x-ai-sdk` carrying the
 * chunk otherwise (so that a replay gives the AI SDK back everything it streamed).
 */
export function eventsOfChunk(chunk) {
  const pick = (fields) => Object.fromEntries(fields.filter((f) => chunk[f] !== undefined).map((f) => [f, chunk[f]]));
  switch (chunk.type) {
    case 'start':
      return chunk.messageMetadata === undefined ? []
        : [{ type: 'x-ai-sdk', data: { type: 'message-metadata', messageMetadata: chunk.messageMetadata } }];
    case 'text-delta':
      return [{ type: 'token', data: { text: chunk.delta, id: chunk.id, ...pick(['providerMetadata']) } }];
    case 'reasoning-delta':
      return [{ type: 'reasoning', data: { text: chunk.delta, id: chunk.id, ...pick(['providerMetadata']) } }];
    case 'tool-input-available':
      return [{ type: 'tool', data: { id: chunk.toolCallId, name: chunk.toolName, input: chunk.input ?? {}, ...pick(CALL_FIELDS) } }];
    case 'tool-output-available':
      return chunk.preliminary ? [{ type: 'x-ai-sdk', data: chunk }]
        : [{ type: 'tool_complete', data: { id: chunk.toolCallId, output: chunk.output ?? null, ...pick(RESULT_FIELDS) } }];
    case 'tool-output-error':
      return [{ type: 'tool_complete', data: { id: chunk.toolCallId, errorText: chunk.errorText, ...pick(RESULT_FIELDS) } }];
    case 'finish':
      return [{ type: 'done', data: pick(['finishReason', 'messageMetadata']) }];
    case 'abort':
      return [{ type: 'cancel', data: pick(['reason']) }];
    case 'error':
      return [{ type: 'error', data: { errorText: chunk.errorText, message: chunk.errorText } }];
    default:
      return [{ type: 'x-ai-sdk', data: chunk }];
  }
}

const TERMINAL = new Set(['done', 'cancel', 'error']);
/** The most events, and about the most bytes of JSON, one append carries (the service takes 1,000 and 4 MiB). */
const MAX_BATCH = 500;
const MAX_BATCH_BYTES = 1 << 20;

/** Takes the next batch off the front of `buffer`: at least one event, at most MAX_BATCH and about MAX_BATCH_BYTES. */
function takeBatch(buffer) {
  let count = 0;
  let bytes = 0;
  while (count < buffer.length && count < MAX_BATCH) {
    bytes += JSON.stringify(buffer[count]).length;
    if (count > 0 && bytes > MAX_BATCH_BYTES) break;
    count++;
  }
  return buffer.splice(0, count);
}

/**
 * Writes a UI message stream (what `streamText(...).toUIMessageStream()` returns) to the journal through
 * `producer`: each chunk as its events (`eventsOfChunk`), in order, the chunks that arrive while an append
 * is in flight batched into the next ones (500 events and about 1 MiB at most each), each with the producer's safe
 * retries. It resolves with the last append's answer once the terminal event is durable. Pass `producer.stopSignal` to the model call as
 * its `abortSignal`: a stop request then ends the model call, and the stream ends `cancelled`. A stream that
 * ends without `finish` or `abort` is ended with `done`, one that fails with `error`.
 */
export async function pipeUIMessageStream(uiStream, producer) {
  const reader = uiStream.getReader();
  let buffer = [];
  let flushing = null;
  let failure = null;
  let ended = false;
  let answer = null;
  const flush = () => {
    if (!flushing && buffer.length && !failure) {
      flushing = (async () => {
        try {
          while (buffer.length && !failure) {
            answer = await producer.append(takeBatch(buffer));
          }
        } catch (error) {
          failure = error;
        }
        flushing = null; // at once: a write after this point starts the next flush itself
      })();
    }
  };
  const write = (events) => {
    for (const event of events) {
      if (!ended) {
        buffer.push(event);
        ended = TERMINAL.has(event.type);
      }
    }
    flush();
  };
  // a stop ends the read: the model call should end on the same signal, and if it does not, this does
  let stopRequested = false;
  const onStop = () => {
    stopRequested = true;
    reader.cancel().catch(() => {});
  };
  if (producer.stopSignal.aborted) onStop();
  else producer.stopSignal.addEventListener('abort', onStop, { once: true });
  try {
    while (!ended && !failure) {
      const next = await reader.read();
      if (next.done && stopRequested) {
        if (producer.stopped) {
          throw producer.stopped; // superseded: nothing more can be written
        }
        write([{ type: 'cancel', data: { reason: 'stop requested' } }]);
      } else if (next.done) {
        write([{ type: 'done', data: {} }]);
      } else {
        write(eventsOfChunk(next.value));
      }
    }
  } catch (error) {
    if (producer.stopped) {
      failure ??= producer.stopped;
    } else {
      write([{ type: 'error', data: { errorText: String(error?.message ?? error), message: String(error?.message ?? error) } }]);
    }
  } finally {
    producer.stopSignal.removeEventListener('abort', onStop);
    reader.cancel().catch(() => {});
    reader.releaseLock?.();
  }
  for (;;) {
    if (flushing) {
      await flushing;
    } else if (buffer.length && !failure) {
      flush();
    } else {
      break;
    }
  }
  if (failure) {
    throw failure;
  }
  return answer;
}

/**
 * A `DefaultChatTransport` whose messages go to your app (`api`, as usual) and whose resume reads the
 * journal directly with a bearer token: `useChat({ id: sessionId, transport, resume: true })`.
 *
 * - `loadMessages(chatId)` reads the transcript as UIMessages (`GET /v1/sessions/{id}/ui-messages`) and
 *   keeps its revision, which the resume then sends, so an answer that ended between the two requests
 *   still arrives.
 * - A response cut before its `finish` (a network cut, a replica that drains) goes on from the journal
 *   where it was cut, in the same response: the replay of a stream is the same chunks every time.
 * - `stop(streamId)` asks the producer to stop (`POST /v1/streams/{id}/stop`); every tab following the
 *   answer then sees it end with its partial text.
 *
 * @param options.api       your app's chat endpoint (POST), as for DefaultChatTransport
 * @param options.journal   the journal's base URL, or a JournalClient
 * @param options.token     a bearer token, or `({refresh}) => token` (not needed with a JournalClient)
 * @param options.sessionId `(chatId) => sessionId`, default the chat id itself
 * @param options.maxResumeMillis  how long a cut response is resumed without progress (default 60 s)
 * Other options go to DefaultChatTransport.
 */
export function journalChatTransport({ journal, token, sessionId, maxResumeMillis, ...options } = {}) {
  const client = journal instanceof JournalClient ? journal : new JournalClient({ baseUrl: journal, token });
  return new JournalChatTransport(client, { sessionId, maxResumeMillis, ...options });
}

export class JournalChatTransport extends DefaultChatTransport {
  constructor(client, { sessionId, maxResumeMillis = 60000, ...options }) {
    const sessionOf = sessionId || ((chatId) => chatId);
    const revisions = new Map();
    super({
      ...options,
      prepareReconnectToStreamRequest: async ({ id, headers }) => {
        const session = sessionOf(id);
        const bearer = await client.token();
        return {
          api: client.url(`/v1/sessions/${encodeURIComponent(session)}/ui-stream`, { revision: revisions.get(session) }),
          headers: { ...headers, ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) },
          credentials: 'omit',
        };
      },
    });
    this.client = client;
    this.sessionOf = sessionOf;
    this.revisions = revisions;
    this.maxResumeMillis = maxResumeMillis;
    this.currentStreamId = null;
  }

  /** The chat's messages from the journal, to seed `useChat({messages})`; remembers their revision. */
  async loadMessages(chatId) {
    const session = this.sessionOf(chatId);
    try {
      const answer = await this.client.request('GET', `/v1/sessions/${encodeURIComponent(session)}/ui-messages`);
      this.revisions.set(session, answer.revision);
      return answer.messages;
    } catch (error) {
      if (error.status === 404) {
        this.revisions.set(session, 0);
        return [];
      }
      throw error;
    }
  }

  /** Asks the producer of a stream (default: the last one this transport read) to stop. */
  async stop(streamId = this.currentStreamId) {
    if (!streamId) {
      return null;
    }
    try {
      return await this.client.request('POST', `/v1/streams/${encodeURIComponent(streamId)}/stop`);
    } catch (error) {
      if (error.slug === 'stream-terminal') {
        return null; // it ended already
      }
      throw error;
    }
  }

  processResponseStream(stream) {
    return this.resumable(super.processResponseStream(stream));
  }

  /**
   * The chunks of a response; if it is cut before `finish`, the rest from the journal's UI stream of the
   * same message, skipping the chunks already passed on (the replay gives the same ones again).
   */
  resumable(first) {
    const transport = this;
    let reader = first.getReader();
    let passed = 0;
    let last = null;
    let messageId = null;
    let finished = false;
    let attempt = 0;
    let stalledSince = null;
    const aborting = new AbortController();
    const parse = (body) => DefaultChatTransport.prototype.processResponseStream.call(transport, body);
    return new ReadableStream({
      async pull(controller) {
        for (;;) {
          let next;
          try {
            next = await reader.read();
          } catch (error) {
            next = { error };
          }
          if (aborting.signal.aborted) {
            return;
          }
          if (next.value !== undefined) {
            const chunk = next.value;
            if (chunk.type === 'start' && chunk.messageId) {
              messageId = chunk.messageId;
              transport.currentStreamId = messageId;
            }
            finished ||= chunk.type === 'finish';
            passed++;
            last = JSON.stringify(chunk);
            attempt = 0;
            stalledSince = null;
            controller.enqueue(chunk);
            return;
          }
          if (next.done && (finished || !messageId)) {
            controller.close();
            return;
          }
          // only a cut is resumed: a chunk the client refuses, or any other failure, is the chat's error
          if (!messageId || (next.error && !isCut(next.error))) {
            controller.error(next.error);
            return;
          }
          stalledSince ??= Date.now();
          if (Date.now() - stalledSince > transport.maxResumeMillis) {
            controller.error(next.error || new Error(`the answer ${messageId} ended before its finish`));
            return;
          }
          // the first try soon, jittered (the readers of a draining replica do not come back in step),
          // the next ones backing off until a chunk passes again
          const delay = attempt === 0 ? Math.random() * 20 : backoffDelay(attempt - 1, transport.client.backoff);
          attempt++;
          try {
            await sleep(delay, aborting.signal);
            reader = await transport.replay(messageId, passed, last, parse, aborting.signal);
          } catch (error) {
            if (aborting.signal.aborted) {
              return;
            }
            if (error instanceof ReplayMismatch || (error.status && ![429, 502, 503, 504].includes(error.status))) {
              controller.error(error);
              return;
            }
            reader = erroring(error);
          }
        }
      },
      cancel(reason) {
        aborting.abort(reason);
        return reader.cancel(reason).catch(() => {});
      },
    });
  }

  /**
   * A reader of the stream's UI chunks after the first `skip`, checking that chunk `skip` is `last`; once
   * more with a fresh token after a 401 (the response it resumes may have ended at the token's expiry).
   */
  async replay(streamId, skip, last, parse, signal) {
    const path = `/v1/streams/${encodeURIComponent(streamId)}/ui-stream`;
    let response;
    try {
      response = await this.client.request('GET', path, { accept: 'text/event-stream', raw: true, signal });
    } catch (error) {
      if (error.status !== 401) throw error;
      response = await this.client.request('GET', path, { accept: 'text/event-stream', raw: true, signal, refresh: true });
    }
    const reader = parse(response.body).getReader();
    for (let i = 0; i < skip; i++) {
      const { value, done } = await reader.read();
      if (done || (i === skip - 1 && JSON.stringify(value) !== last)) {
        reader.cancel().catch(() => {});
        throw new ReplayMismatch(`the replay of ${streamId} differs from what was already read`);
      }
    }
    return reader;
  }
}

/** A replay that is not what was already read (the journal changed under it, as retention does): not resumed. */
class ReplayMismatch extends Error {}

/** A network cut: the body ended with a TypeError (undici's "terminated", a browser's "network error"). */
function isCut(error) {
  return error instanceof TypeError || error?.name === 'NetworkError' || error?.cause instanceof TypeError;
}

function erroring(error) {
  return { read: () => Promise.reject(error), cancel: () => Promise.resolve() };
}

/**
 * The journal's UI message stream of a stream as a `Response`, for an app's POST handler to return: the
 * first answer and every resume are then the same chunks of one journal.
 */
export async function uiStreamResponse(journal, streamId) {
  const response = await journal.request('GET', `/v1/streams/${encodeURIComponent(streamId)}/ui-stream`,
    { accept: 'text/event-stream', raw: true });
  return new Response(response.body, {
    headers: {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-vercel-ai-ui-message-stream': 'v1',
      'x-accel-buffering': 'no',
    },
  });
}

/** A UIMessage of the user as the journal's `userMessage`: its text as `content`, its id and parts kept. */
export function userMessageOf(message) {
  const content = (message.parts || []).filter((part) => part.type === 'text').map((part) => part.text).join('');
  return { id: message.id, content, parts: message.parts, ...(message.metadata === undefined ? {} : { metadata: message.metadata }) };
}
