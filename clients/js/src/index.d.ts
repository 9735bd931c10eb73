// Types of stream-journal-client (the wire shapes are those of the service's HTTP contract).

export type Outcome = 'restored' | 'active' | 'stale' | 'missing' | 'error';
export type TerminalState = 'completed' | 'cancelled' | 'errored' | 'interrupted' | 'superseded';

export interface JournalEvent {
  streamId: string;
  seq: number;
  position: number;
  type: string;
  data: any;
  at: string;
}

export interface Message {
  role: 'user' | 'assistant';
  streamId: string;
  content: string;
  reasoning?: string;
  toolCalls?: any[];
  usage?: any;
  terminalState?: TerminalState;
  at: string;
  [extra: string]: any;
}

export interface Transcript {
  revision: number;
  messages: Message[];
}

export interface Settlement {
  streamId: string;
  sessionId: string | null;
  outcome: Outcome;
  terminalState: TerminalState | null;
  lastSeq: number;
  currentStreamId: string | null;
  transcript: Transcript | null;
  error: any;
  decidedAt: string;
}

export interface StreamStatus {
  streamId: string;
  sessionId: string;
  active: boolean;
  createdAt: string;
  lastEventAt: string | null;
  leaseExpiresAt: string | null;
  journal: {
    lastSeq: number;
    lastEvent: string | null;
    lastEventId: string | null;
    eventCount: number;
    terminal: boolean;
    terminalState: TerminalState | null;
    closed: boolean;
  };
}

export interface SessionView {
  sessionId: string;
  activeStreamId: string | null;
  revision: number;
  messages: Message[];
  streams: StreamStatus[];
}

export interface AppendResult {
  streamId: string;
  lastSeq: number;
  appended: number;
  duplicates: number;
  terminal: boolean;
  terminalState: TerminalState | null;
  closed: boolean;
  /** A reader asked the producer to stop: end the stream with `cancel`. */
  stopRequested: boolean;
}

export interface LifecycleEntry {
  id: number;
  sessionId: string;
  streamId: string;
  /** created, superseded, terminal, closed, lease_expired, settlement, pruned */
  kind: string;
  state: string | null;
  detail: any;
  principal: string;
  at: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extra: string]: any;
}

export type TokenSource = string | null | ((context: { refresh: boolean }) => string | null | Promise<string | null>);

export interface BackoffPolicy {
  initialMillis: number;
  maxMillis: number;
  factor: number;
}

export interface ClientOptions {
  /** The service's base URL; '' or omitted = the page's origin. */
  baseUrl?: string;
  /** A bearer token, or a provider called before every request and on every reconnect. */
  token?: TokenSource;
  fetch?: typeof fetch;
  /** A WebSocket constructor (Node 20: the `ws` package); default the global one. */
  WebSocket?: any;
  backoff?: Partial<BackoffPolicy>;
  /** The wait after a drain or expiry when the service gave no `retry:` (WebSocket); default 1000. */
  retryMillis?: number;
  /** Consecutive 401s (or failures of the token provider) a live read tries through before it fails; default 3. */
  maxUnauthorized?: number;
  /** A live SSE connection that brings nothing (not even a keep-alive) this long is replaced; default 45000. */
  idleTimeoutMillis?: number;
}

export type LiveItem =
  | { kind: 'event'; event: JournalEvent }
  | { kind: 'settlement'; settlement: Settlement }
  | { kind: 'stream_started'; streamId: string; sessionId: string };

export interface LiveEnd {
  reason: 'stream_end' | 'stale' | 'missing' | 'closed';
  settlement: Settlement | null;
  streamId?: string;
  lastSeq?: number;
  sessionId?: string;
  lastEventId?: string | null;
}

export interface LiveHandlers {
  onEvent?(event: JournalEvent): void;
  onSettlement?(settlement: Settlement): void;
  /** `restored`: the transcript is canonical; replace what was drawn live. */
  onRestored?(transcript: Transcript, settlement: Settlement): void;
  /** `error`: the terminal event's data and the partial assistant message. */
  onError?(error: any, partial: Message | null, settlement: Settlement): void;
  /** `stale`: a newer stream took the session; follow it and leave its view alone. */
  onStale?(currentStreamId: string, settlement: Settlement): void;
  onMissing?(settlement: Settlement): void;
  onStreamStarted?(stream: { streamId: string; sessionId: string }): void;
  onReconnect?(info: { reason: string; delayMillis: number; error: Error | null }): void;
  onEnd?(end: LiveEnd): void;
  onFailure?(error: Error): void;
}

export interface LiveStats {
  connections: number;
  reconnects: number;
  /** Events received again after a resume and dropped (the service sends none). */
  duplicates: number;
  /** Connections dropped because an event skipped a seq (the service sends none). */
  gaps: number;
}

declare class LiveRead implements AsyncIterable<LiveItem> {
  readonly done: Promise<LiveEnd>;
  readonly stats: LiveStats;
  readonly settlement?: Settlement;
  close(): void;
  [Symbol.asyncIterator](): AsyncIterator<LiveItem>;
}

export class Tail extends LiveRead {
  readonly streamId: string;
  readonly lastSeq: number;
}

export class SessionChannel extends LiveRead {
  readonly sessionId: string;
  /** The id of the last frame taken. */
  readonly lastEventId: string | null;
  /** Where to resume later (the `lastEventId` option): the oldest stream not yet ended, else `lastEventId`. */
  readonly resumeId: string | null;
}

export interface TailOptions extends LiveHandlers {
  /** Start after this seq (default 0: from the first event). */
  after?: number;
}

export interface SessionOptions extends LiveHandlers {
  transport?: 'sse' | 'websocket';
  /** Resume after `<streamId>:<seq>`. */
  lastEventId?: string;
}

export interface ProducerOptions {
  heartbeatMillis?: number;
  maxRetryMillis?: number;
  onStopped?(error: StreamTerminalError | StreamClosedError): void;
  onRetry?(info: { attempt: number; delayMillis: number; error: Error }): void;
  /** Called once when an append or heartbeat answer says a reader asked to stop the stream. */
  onStopRequested?(): void;
}

export interface CreateStreamOptions extends ProducerOptions {
  streamId?: string;
  userMessage?: { content: string; [extra: string]: any };
  onActive?: 'reject' | 'interrupt';
  leaseSeconds?: number;
}

export class Producer {
  readonly streamId: string;
  readonly sessionId: string;
  readonly lastSeq: number;
  readonly terminal: boolean;
  readonly terminalState: TerminalState | null;
  readonly closed: boolean;
  /** The error that stopped the producer (superseded or closed), or null. */
  readonly stopped: StreamTerminalError | StreamClosedError | null;
  /** Aborts on a stop request and when the producer stops (superseded): pass it to the model call. */
  readonly stopSignal: AbortSignal;
  /** True once a reader asked to stop the stream. */
  readonly stopRequested: boolean;
  append(events: { type: string; data?: any } | Array<{ type: string; data?: any }>): Promise<AppendResult>;
  token(text: string): Promise<AppendResult>;
  done(data?: any): Promise<AppendResult>;
  error(data?: any): Promise<AppendResult>;
  /** The turn was stopped (`cancel`); what was streamed so far is its transcript. */
  cancel(data?: any): Promise<AppendResult>;
  end(data?: any): Promise<AppendResult>;
  heartbeat(): Promise<void>;
  close(): void;
}

export interface AuditFilter {
  sessionId?: string;
  streamId?: string;
  type?: string;
  from?: string;
  to?: string;
  after?: string;
  limit?: number;
}

export class JournalClient {
  constructor(options?: ClientOptions);
  token(context?: { refresh?: boolean }): Promise<string | null>;
  status(streamId: string): Promise<StreamStatus>;
  events(streamId: string, page?: { after?: number; limit?: number }): Promise<{ events: JournalEvent[]; next: number | null }>;
  getSession(sessionId: string): Promise<SessionView>;
  listStreams(query?: { state?: 'active' | 'terminal' | 'closed'; sessionId?: string; limit?: number; after?: string }):
    Promise<{ streams: StreamStatus[]; next: string | null }>;
  /** The settlement; with `wait` (seconds) a long-poll while `active`. */
  settle(streamId: string, options?: { wait?: number; signal?: AbortSignal }): Promise<Settlement>;
  auditEvents(filter?: AuditFilter): Promise<{ events: JournalEvent[]; next: string | null }>;
  auditLifecycle(filter?: Omit<AuditFilter, 'type'>): Promise<{ entries: LifecycleEntry[]; next: string | null }>;
  /** The whole selection as NDJSON (the raw response). */
  auditExport(filter?: Omit<AuditFilter, 'after' | 'limit'>): Promise<Response>;
  tail(streamId: string, options?: TailOptions): Tail;
  session(sessionId: string, options?: SessionOptions): SessionChannel;
  createStream(sessionId: string, options?: CreateStreamOptions): Promise<Producer>;
  producer(streamId: string, options?: ProducerOptions): Promise<Producer>;
}

export class JournalError extends Error {
  /** Set by retried requests: some try went unanswered, so the request may have been carried out. */
  readonly uncertain?: boolean;
  readonly status: number;
  readonly slug: string | null;
  readonly problem: Problem | null;
}
export class StreamTerminalError extends JournalError {
  readonly terminalState: TerminalState | null;
  readonly superseded: boolean;
}
/** Also a StreamTerminalError: a closed stream is terminal too. */
export class StreamClosedError extends StreamTerminalError {}
export class SessionBusyError extends JournalError {
  readonly activeStreamId: string | null;
}
export class NetworkError extends Error {
  readonly uncertain?: boolean;
}

export function transient(error: unknown): boolean;
export function assistantMessage(settlement: Settlement): Message | null;
export function backoffDelay(attempt: number, policy?: BackoffPolicy, random?: () => number): number;
export function hintedDelay(retryMillis: number, random?: () => number): number;

export class SseParser {
  constructor(onFrame: (frame: { event: string | null; id: string | null; data: string | null; retry: number | null; comments: string[] }) => void);
  push(chunk: string): void;
  end(): void;
}
