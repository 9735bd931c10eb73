// Errors the client surfaces. Every error from the service carries its problem document
// (application/problem+json) and its stable slug; the 409s a producer must act on have their own class.

const PROBLEMS = 'https://stream-journal.dev/problems/';

/** An answer of the service other than success: `status`, `slug` and the whole `problem` document. */
export class JournalError extends Error {
  constructor(status, problem, message) {
    super(message || (problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.name = 'JournalError';
    this.status = status;
    this.problem = problem || null;
    this.slug = slugOf(problem);
  }
}

/** 409 `stream-terminal`: the stream ended (`terminalState`; `superseded` when a newer turn took the session). */
export class StreamTerminalError extends JournalError {
  constructor(status, problem) {
    super(status, problem);
    this.name = 'StreamTerminalError';
    this.terminalState = problem.terminalState || null;
  }

  /** True when a newer stream of the session superseded this one: its producer must stop at once. */
  get superseded() {
    return this.terminalState === 'superseded';
  }
}

/** 409 `stream-closed`: the stream is closed (`stream_end`, or superseded); it accepts nothing more. */
export class StreamClosedError extends StreamTerminalError {
  constructor(status, problem) {
    super(status, problem);
    this.name = 'StreamClosedError';
  }
}

/** 409 `session-busy`: the session has a live stream (`activeStreamId`) and the create said `onActive: "reject"`. */
export class SessionBusyError extends JournalError {
  constructor(status, problem) {
    super(status, problem);
    this.name = 'SessionBusyError';
    this.activeStreamId = problem.activeStreamId || null;
  }
}

/** No answer from the service (connection refused, reset, timed out). */
export class NetworkError extends Error {
  constructor(cause) {
    super(`network error: ${cause && cause.message ? cause.message : cause}`, { cause });
    this.name = 'NetworkError';
  }
}

const BY_SLUG = {
  'stream-terminal': StreamTerminalError,
  'stream-closed': StreamClosedError,
  'session-busy': SessionBusyError,
};

/** The error for a failed response (reads its problem document when it has one). */
export async function errorOf(response) {
  let problem = null;
  const type = response.headers.get('content-type') || '';
  if (type.includes('json')) {
    try {
      problem = await response.json();
    } catch {
      problem = null;
    }
  } else {
    await response.body?.cancel();
  }
  const Type = BY_SLUG[slugOf(problem)] || JournalError;
  return new Type(response.status, problem || {});
}

function slugOf(problem) {
  const type = problem && typeof problem.type === 'string' ? problem.type : '';
  return type.startsWith(PROBLEMS) ? type.slice(PROBLEMS.length) : null;
}

/** True for failures a retry of the same request may get past (nothing was refused). */
export function transient(error) {
  if (error instanceof NetworkError) {
    return true;
  }
  return error instanceof JournalError && [429, 502, 503, 504].includes(error.status);
}
