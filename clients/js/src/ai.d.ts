// Declarations of `stream-journal-client/ai`: the AI SDK (npm `ai` 7) over the journal.

import type { ChatTransport, DefaultChatTransport, HttpChatTransportInitOptions, UIMessage, UIMessageChunk } from 'ai';
import type { JournalClient, Producer, AppendResult, TokenSource } from './index.js';

/** One journal event as a producer appends it. */
export interface JournalEventInput {
  type: string;
  data?: any;
}

/** The journal events of one UI message chunk (native where a type exists, `x-ai-sdk` otherwise). */
export declare function eventsOfChunk(chunk: UIMessageChunk): JournalEventInput[];

/**
 * Writes a UI message stream to the journal through the producer; resolves with the last append's answer
 * once the terminal event is durable. Pass `producer.stopSignal` to the model call.
 */
export declare function pipeUIMessageStream(
  uiStream: ReadableStream<UIMessageChunk>,
  producer: Pick<Producer, 'append' | 'stopSignal'> & Partial<Pick<Producer, 'stopped'>>,
): Promise<AppendResult | null>;

/** The journal's UI message stream of a stream, as a Response for an app's POST handler to return. */
export declare function uiStreamResponse(journal: JournalClient, streamId: string): Promise<Response>;

/** A user UIMessage as the journal's `userMessage` (its text as `content`; id and parts kept). */
export declare function userMessageOf(message: UIMessage): { id: string; content: string; parts: UIMessage['parts']; metadata?: unknown };

export interface JournalChatTransportOptions<M extends UIMessage = UIMessage>
  extends Omit<HttpChatTransportInitOptions<M>, 'prepareReconnectToStreamRequest'> {
  /** The journal's base URL, or a JournalClient. */
  journal: string | JournalClient;
  /** A bearer token, or a function giving one (not needed with a JournalClient). */
  token?: TokenSource;
  /** The session of a chat id; default the chat id itself. */
  sessionId?: (chatId: string) => string;
  /** How long a cut response is resumed without progress, in milliseconds (default 60000). */
  maxResumeMillis?: number;
}

export declare class JournalChatTransport<M extends UIMessage = UIMessage> extends DefaultChatTransport<M> implements ChatTransport<M> {
  /** The id of the last stream this transport read, or null. */
  readonly currentStreamId: string | null;
  /** The chat's messages from the journal, to seed `useChat({messages})`; remembers their revision. */
  loadMessages(chatId: string): Promise<M[]>;
  /** Asks the producer of a stream (default: the last one read) to stop; null when it had ended. */
  stop(streamId?: string): Promise<{ streamId: string; stopRequested: true; stopRequestedAt: string; stopDeadline: string } | null>;
}

/** A DefaultChatTransport whose resume reads the journal: `useChat({ id: sessionId, transport, resume: true })`. */
export declare function journalChatTransport<M extends UIMessage = UIMessage>(options: JournalChatTransportOptions<M>): JournalChatTransport<M>;
