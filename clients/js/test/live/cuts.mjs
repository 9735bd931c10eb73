// Connections that break at random points, as networks do: an SSE body cut after a random number of
// bytes (mid-frame as often as not), a WebSocket torn down after a random number of messages.

import { WebSocket } from 'ws';

/** A seeded random source, so a failing run can be repeated (mulberry32). */
export function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A fetch whose event-stream bodies break after 1..mostBytes bytes; `tally.cuts` counts the breaks. */
export function cuttingFetch(random, mostBytes, tally) {
  return async (url, init = {}) => {
    const response = await fetch(url, init);
    if (init.headers?.Accept !== 'text/event-stream' || !response.ok) {
      return response;
    }
    let budget = 1 + Math.floor(random() * mostBytes);
    const reader = response.body.getReader();
    const body = new ReadableStream({
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        if (value.length < budget) {
          budget -= value.length;
          controller.enqueue(value);
          return;
        }
        controller.enqueue(value.slice(0, budget));
        tally.cuts++;
        reader.cancel().catch(() => {});
        controller.error(new TypeError('connection cut by the test'));
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

/** A WebSocket class whose connections are torn down (no close frame) after 1..mostMessages messages. */
export function cuttingWebSocket(random, mostMessages, tally) {
  return class extends WebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      let left = 1 + Math.floor(random() * mostMessages);
      this.addEventListener('message', () => {
        if (--left === 0) {
          tally.cuts++;
          this.terminate();
        }
      });
    }
  };
}
