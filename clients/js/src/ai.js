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
const MAX_BATCH = 500;

/**
 * Writes a UI message stream (what `streamText(...).toUIMessageStream()` returns) to the journal through
 * `producer`: each chunk as its events (`eventsOfChunk`), in order, the chunks that arrive while an append
 * is in flight batched into the next ones (500 events at most each), each with the producer's safe
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
            // at most MAX_BATCH events an append (the service takes 1,000 by default)
            const batch = buffer.splice(0, MAX_BATCH);
            answer = await producer.append(batch);
          }
        } catch (error) {
          failure = error;
        }
      })().finally(() => {
        flushing = null;
      });
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
      if (error.code === 'stream-terminal') {
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
    let cancelled = false;
    let attempt = 0;
    let stalledSince = null;
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
          if (cancelled) {
            return;
          }
          if (!messageId) {
            controller.error(next.error);
            return;
          }
          stalledSince ??= Date.now();
          if (Date.now() - stalledSince > transport.maxResumeMillis) {
            controller.error(next.error || new Error(`the answer ${messageId} ended before its finish`));
            return;
          }
          await sleep(attempt === 0 ? 0 : backoffDelay(attempt - 1, transport.client.backoff));
          attempt++;
          try {
            reader = await transport.replay(messageId, passed, last, parse);
            attempt = 0; // the journal answered: a cut of this connection is tried again at once
          } catch (error) {
            if (error.status && error.status !== 503 && error.status !== 502 && error.status !== 504 && error.status !== 429) {
              controller.error(error);
              return;
            }
            reader = erroring(error);
          }
        }
      },
      cancel(reason) {
        cancelled = true;
        return reader.cancel(reason).catch(() => {});
      },
    });
  }

  /** A reader of the stream's UI chunks after the first `skip`, checking that chunk `skip` is `last`. */
  async replay(streamId, skip, last, parse) {
    const response = await this.client.request('GET', `/v1/streams/${encodeURIComponent(streamId)}/ui-stream`,
      { accept: 'text/event-stream', raw: true });
    const reader = parse(response.body).getReader();
    for (let i = 0; i < skip; i++) {
      const { value, done } = await reader.read();
      if (done) {
        throw new Error(`the replay of ${streamId} is shorter than what was already read`);
      }
      if (i === skip - 1 && JSON.stringify(value) !== last) {
        throw new Error(`the replay of ${streamId} differs from what was already read`);
      }
    }
    return reader;
  }
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
