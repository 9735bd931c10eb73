// Test support: the packaged service started as real processes, tokens signed with the test key, and a
// TCP front that can be pointed at another replica (what a Kubernetes Service does during a drain).
//
// JsClientIT runs these tests with a PostgreSQL of its own: SJ_DB_REACTIVE_URL, SJ_DB_JDBC_URL and
// SJ_DB_USER name it. Without them a service starts its embedded PostgreSQL in a fresh directory.

import { spawn } from 'node:child_process';
import { createSign, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const ISSUER = 'https://issuer.test.stream-journal.dev';
const PRIVATE_KEY = readFileSync(path.join(repo, 'src/test/resources/auth/private-key.pem'), 'utf8');
const logs = path.join(repo, 'target/js-tests');
mkdirSync(logs, { recursive: true });

/** A signed RS256 token for the test issuer. */
export function token({ sub = 'js-test', tenant = 'js', groups = ['producer', 'reader', 'auditor'], ttlSeconds = 3600 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT' };
  const claims = { iss: ISSUER, sub, tenant, groups, iat: now - 5, exp: now + ttlSeconds, jti: randomUUID() };
  const encode = (part) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signing = `${encode(header)}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256').update(signing).sign(PRIVATE_KEY).toString('base64url');
  return `${signing}.${signature}`;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** One replica of the packaged service (target/quarkus-app), authentication on with the test key. */
export class Service {
  constructor(name, { port, env = {} } = {}) {
    this.name = name;
    this.port = port;
    this.env = env;
    this.process = null;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(name, options) {
    const service = new Service(name, options);
    await service.start();
    return service;
  }

  async start() {
    this.port ??= await freePort();
    const env = {
      ...process.env,
      QUARKUS_HTTP_PORT: String(this.port),
      JOURNAL_AUTH_ENABLED: 'true',
      MP_JWT_VERIFY_PUBLICKEY_LOCATION: path.join(repo, 'src/test/resources/auth/public-key.pem'),
      MP_JWT_VERIFY_ISSUER: ISSUER,
      ...this.env,
    };
    if (process.env.SJ_DB_REACTIVE_URL) {
      env.QUARKUS_DATASOURCE_REACTIVE_URL = process.env.SJ_DB_REACTIVE_URL;
      env.QUARKUS_DATASOURCE_JDBC_URL = process.env.SJ_DB_JDBC_URL;
      env.QUARKUS_DATASOURCE_USERNAME = process.env.SJ_DB_USER;
    } else {
      this.dataDir ??= mkdtempSync(path.join(tmpdir(), 'stream-journal-js-'));
      env.JOURNAL_EMBEDDED_DATA_DIR = path.join(this.dataDir, 'pg');
    }
    const log = openSync(path.join(logs, `${this.name}.log`), 'a');
    const java = process.env.SJ_JAVA || 'java';
    this.process = spawn(java, ['-Xmx256m', '-jar', path.join(repo, 'target/quarkus-app/quarkus-run.jar')],
      { cwd: repo, env, stdio: ['ignore', log, log] });
    this.exited = new Promise((resolve) => this.process.once('exit', (code, signal) => resolve({ code, signal })));
    await this.ready();
  }

  async ready(timeoutMillis = 90000) {
    const deadline = Date.now() + timeoutMillis;
    let exited = null;
    this.exited.then((status) => { exited = status; });
    while (Date.now() < deadline) {
      if (exited) {
        throw new Error(`${this.name} exited ${JSON.stringify(exited)}; see target/js-tests/${this.name}.log`);
      }
      try {
        const response = await fetch(`${this.url}/q/health/ready`);
        if (response.status === 200) {
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${this.name} not ready after ${timeoutMillis} ms`);
  }

  /** Stops the replica (SIGTERM drains it; SIGKILL is a crash) and waits for the process to end. */
  async stop(signal = 'SIGTERM') {
    if (!this.process || this.process.exitCode !== null || this.process.signalCode !== null) {
      return;
    }
    this.process.kill(signal);
    await this.exited;
  }

  /** Stops the replica and starts it again on the same port over the same database. */
  async restart(signal = 'SIGTERM') {
    await this.stop(signal);
    await this.start();
  }
}

/** A TCP front for replicas: new connections go to the replica it points at; open ones stay where they are. */
export async function front(target) {
  let port = target.port;
  let accepted = 0;
  const sockets = new Set();
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    pointAt(replica) {
      port = replica.port;
    },
    /** Cuts every open connection (a network cut); new ones are accepted as before. */
    cut() {
      const open = sockets.size;
      for (const socket of sockets) socket.destroy();
      return open;
    },
    /** How many connections it has accepted. */
    accepted: () => accepted,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Waits until `check()` is truthy (returns it), polling, or fails after the deadline. */
export async function until(check, { timeoutMillis = 20000, message = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function ids(prefix) {
  const suffix = randomUUID().slice(0, 8);
  return { session: `${prefix}-session-${suffix}`, stream: `${prefix}-stream-${suffix}` };
}
