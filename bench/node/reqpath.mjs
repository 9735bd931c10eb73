// The request path at the live scenarios' rate: one request at a time, 20 a second, against a bare Node
// HTTP server in another process (the floor of a loopback HTTP round trip here) and against the
// service: a path no route serves, a 400, a status read and a one-event append. What the service adds
// to a request when the machine idles between requests, next to the append's SQL (pgbench, same rate).
//
// Usage: node reqpath.mjs --base URL --requests N --name NAME --out FILE.json
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import { args, request, now, sleep, stats, target, run } from './lib.mjs';

if (process.argv[2] === '--bare') {
  const server = http.createServer((req, res) => {
    res.writeHead(404, { 'content-type': 'application/problem+json' });
    res.end('{"status":404}');
  });
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
} else {
  const a = args();
  run('reqpath', a.name, a.out, 600, async () => {
    const bare = fork(fileURLToPath(import.meta.url), ['--bare']);
    const barePort = await new Promise((resolve) => bare.once('message', resolve));
    const t = target('sj', a.base);
    const id = `reqpath-${Date.now().toString(36)}`;
    await t.create(id);
    const paths = [
      ['bare Node server, 404', () => request(`http://127.0.0.1:${barePort}`, 'GET', '/nothing')],
      ['service, no route (404)', () => request(a.base, 'GET', '/nothing-here')],
      ['service, bad stream id (400)', () => request(a.base, 'GET', '/v1/streams/bad%20id')],
      ['service, status read', () => request(a.base, 'GET', `/v1/streams/${id}`)],
      ['service, one-event append', () => t.append(id, { text: 'x' })],
    ];
    const times = paths.map(() => []);
    const warm = 50;
    for (let i = 0; i < a.requests + warm; i++) {
      for (let p = 0; p < paths.length; p++) {
        const started = now();
        await paths[p][1]();
        if (i >= warm) times[p].push(now() - started);
        await sleep(1000 / 20);
      }
    }
    bare.kill();
    return { rate: 20, rows: paths.map(([what], p) => ({ what, ...stats(times[p]) })) };
  });
}
