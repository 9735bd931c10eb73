// Shared helpers of the bench clients: argument parsing, plain HTTP with Node's http module, an SSE
// frame parser, the two servers' stream APIs (stream-journal and the Durable Streams reference
// server), percentiles and the JSON result file. No dependencies.
import http from 'node:http';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

export const now = () => performance.now(); // ms, monotonic, one clock for the whole process
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** --name value pairs into an object (numbers converted). */
export function args(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[i + 1];
    out[key] = value !== undefined && value !== '' && !isNaN(Number(value)) ? Number(value) : value;
  }
  return out;
}

/** Writes the result object as JSON to `file` (and a one-line summary to stderr). */
export function writeResult(file, result) {
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  process.stderr.write(`${result.section}/${result.name}: ${result.status}\n`);
}

const producerAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request; resolves {status, headers, body}. */
export function request(base, method, path, { body, headers = {}, timeoutMs = 30000, agent = producerAgent } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(url, {
      method, agent,
      headers: payload === undefined ? headers
        : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export async function expect(promise, ...statuses) {
  const res = await promise;
  if (!statuses.includes(res.status)) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  return res;
}

/** Runs `fn(i)` for i in 0..n-1 with at most `limit` in flight. */
export async function pool(n, limit, fn) {
  let next = 0;
  const worker = async () => { while (next < n) { const i = next++; await fn(i); } };
  await Promise.all(Array.from({ length: Math.min(n, limit) }, worker));
}

/**
 * Splits an SSE byte stream into frames {event, id, data, retry, comments}. Feed it text chunks; it calls
 * onFrame for each complete frame (blank-line terminated). Comment-only frames (": keep-alive") and the
 * initial "retry:" frame are passed too, with event undefined.
 */
export class SseParser {
  constructor(onFrame) { this.buf = ''; this.onFrame = onFrame; }
  push(chunk) {
    this.buf += chunk;
    if (this.buf.includes('\r')) this.buf = this.buf.replace(/\r\n?/g, '\n');
    let end;
    while ((end = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, end);
      this.buf = this.buf.slice(end + 2);
      const frame = { data: undefined, comments: 0 };
      for (const line of block.split('\n')) {
        if (line === '') continue;
        if (line[0] === ':') { frame.comments++; continue; }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value[0] === ' ') value = value.slice(1);
        if (field === 'data') frame.data = frame.data === undefined ? value : frame.data + '\n' + value;
        else if (field === 'event') frame.event = value;
        else if (field === 'id') frame.id = value;
        else if (field === 'retry') frame.retry = Number(value);
      }
      this.onFrame(frame);
    }
  }
}

/**
 * Opens one SSE connection (its own socket). Resolves when the first bytes arrived (the server has
 * registered the subscriber: stream-journal sends "retry:", the reference server a control event).
 * handlers: onFrame(frame), onEnd(); localAddress: the source address to connect from. Returns
 * {req, res, close(), bytes()}.
 */
export function openSse(base, path, headers, { onFrame, onEnd = () => {}, timeoutMs = 60000, localAddress }) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method: 'GET', agent: false, headers, localAddress });
    const timer = setTimeout(() => { req.destroy(new Error(`SSE ${path}: no first bytes in ${timeoutMs} ms`)); }, timeoutMs);
    let resolved = false;
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        clearTimeout(timer);
        res.resume();
        reject(new Error(`SSE ${path}: HTTP ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      const parser = new SseParser(onFrame);
      let bytes = 0;
      res.on('data', (chunk) => {
        bytes += Buffer.byteLength(chunk);
        if (!resolved) { resolved = true; clearTimeout(timer); resolve({ req, res, close: () => req.destroy(), bytes: () => bytes }); }
        parser.push(chunk);
      });
      res.on('end', onEnd);
      res.on('error', () => {});
    });
    req.on('error', (e) => { clearTimeout(timer); if (!resolved) reject(e); });
    req.end();
  });
}

/** The two servers behind one interface: create a stream, append one JSON event, open a tail. */
export function target(kind, base) {
  if (kind === 'sj') {
    return {
      kind, base,
      // POST /v1/sessions/{sessionId}/streams, one session per stream
      create: (id) => expect(request(base, 'POST', `/v1/sessions/s-${id}/streams`,
        { body: { streamId: id, leaseSeconds: 3600 } }), 201, 200),
      // POST /v1/streams/{id}/events with one token event
      append: (id, data) => expect(request(base, 'POST', `/v1/streams/${id}/events`,
        { body: { events: [{ type: 'token', data }] } }), 200),
      tailPath: (id) => `/v1/streams/${id}/events`,
      tailHeaders: { accept: 'text/event-stream' },
      // an event frame of type token carries the journal event; data.data is what the producer sent
      payloads: (frame) => frame.event === 'token' && frame.data ? [JSON.parse(frame.data).data] : [],
    };
  }
  if (kind === 'ds') {
    // Durable Streams protocol: PUT creates (content type fixed at creation), POST appends a JSON
    // message, GET ?offset=-1&live=sse tails: "event: data" frames hold a JSON array of messages,
    // "event: control" frames carry offsets. BASE is the streams' base URL: a reference server's root,
    // or the service's /ds/v1/stream.
    const root = new URL(base).pathname.replace(/\/$/, '');
    return {
      kind, base, path: (id) => `${root}/${id}`,
      create: (id) => expect(request(base, 'PUT', `${root}/${id}`, { body: '', headers: { 'content-type': 'application/json' } }), 201, 200),
      append: (id, data) => expect(request(base, 'POST', `${root}/${id}`, { body: { type: 'token', data } }), 204, 200),
      tailPath: (id) => `${root}/${id}?offset=-1&live=sse`,
      tailHeaders: { accept: 'text/event-stream' },
      payloads: (frame) => frame.event === 'data' && frame.data ? JSON.parse(frame.data).map((m) => m.data) : [],
    };
  }
  throw new Error(`unknown target ${kind}`);
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export function stats(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    samples: sorted.length,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

/** VmRSS of a process in KiB, from /proc/PID/status. */
export function rssKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
  return m ? Number(m[1]) : null;
}

/** Runs main(), writing a failed result when it throws; hard deadline so that nothing hangs. */
export function run(section, name, out, deadlineSeconds, main) {
  const fail = (status, error) => {
    writeResult(out, { section, name, status, error: String(error && error.stack || error).slice(0, 1000) });
    process.exit(status === 'timeout' ? 3 : 1);
  };
  const timer = setTimeout(() => fail('timeout', `no result within ${deadlineSeconds} s`), deadlineSeconds * 1000);
  main().then((result) => {
    clearTimeout(timer);
    writeResult(out, { section, name, status: 'ok', ...result });
    process.exit(0);
  }, (e) => fail('failed', e));
}
