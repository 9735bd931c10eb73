// stream-journal-client: live reads that resume with no gap and act on the settlement, and a producer
// whose retries are safe by construction. No dependencies; runs in browsers and in Node 20+.

export { JournalClient } from './client.js';
export { Producer } from './producer.js';
export { Tail, SessionChannel, assistantMessage } from './live.js';
export { SseParser } from './sse.js';
export { backoffDelay, hintedDelay } from './backoff.js';
export {
  JournalError, NetworkError, SessionBusyError, StreamClosedError, StreamTerminalError, transient,
} from './errors.js';
