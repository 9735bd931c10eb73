// How long to wait before the next try: exponential with "full jitter" between half and all of it, so
// a crowd of clients that lost the same replica does not come back in step.

export const DEFAULT_BACKOFF = Object.freeze({ initialMillis: 250, maxMillis: 15000, factor: 2 });

/** The delay before try `attempt` (0 for the first retry), in milliseconds; `random` in [0, 1). */
export function backoffDelay(attempt, policy = DEFAULT_BACKOFF, random = Math.random) {
  const ceiling = Math.min(policy.maxMillis, policy.initialMillis * Math.pow(policy.factor, attempt));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The delay a server hint asks for (`retry:` or a drain), spread over up to a fifth more. */
export function hintedDelay(retryMillis, random = Math.random) {
  return Math.round(retryMillis * (1 + random() / 5));
}

/** Resolves after `millis`, or rejects with the signal's reason when it aborts first. */
export function sleep(millis, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, millis);
    const abort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
