// Headless Chromium (the system's: Debian `chromium`) driven by puppeteer-core, screenshots to
// target/browser/, and a second origin: a small HTTP server for pages that are not the service's.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { repo } from '../harness.mjs';

const SHOTS = path.join(repo, 'target/browser');
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  const executablePath = process.env.SJ_CHROMIUM
    || ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((file) => existsSync(file));
  if (!executablePath) {
    throw new Error('no Chromium here: install the Debian package chromium (.ci/run does) or set SJ_CHROMIUM');
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start
  return puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A page that fails the test on an uncaught error or a console error, with its log kept for failures. */
export async function open(browser, { width = 1280, height = 800, mobile = false } = {}) {
  const page = await browser.newPage();
  await page.setViewport({ width, height, isMobile: mobile, hasTouch: mobile });
  page.log = [];
  page.on('console', (message) => page.log.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => page.log.push(`pageerror: ${error.message}`));
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * An origin other than the service's: serves `files` (path -> file on disk) and `routes` (path ->
 * function returning text), nothing else.
 */
export async function origin({ files = {}, routes = {} } = {}) {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://localhost');
    if (files[url.pathname]) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(readFileSync(files[url.pathname]));
    } else if (routes[url.pathname]) {
      response.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
      response.end(routes[url.pathname]());
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}
