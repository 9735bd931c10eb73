// Starts the Durable Streams reference server (@durable-streams/server, DurableStreamTestServer) on a free
// port of 127.0.0.1 and prints its URL on the first line of stdout; runs until SIGTERM/SIGINT.
// In memory by default; file-backed (log files + LMDB, fsync on append) with --data-dir DIR.
//
// Usage: node refserver.mjs [--data-dir DIR]
import { DurableStreamTestServer } from '@durable-streams/server';
import { args } from './lib.mjs';

const a = args();
const server = new DurableStreamTestServer({ port: 0, host: '127.0.0.1', ...(a['data-dir'] ? { dataDir: a['data-dir'] } : {}) });
await server.start();
console.log(server.url);
const stop = async () => { await server.stop().catch(() => {}); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
