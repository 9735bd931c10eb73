// The TypeScript declarations compile under `strict` with code that uses the client as docs/clients.md does,
// and every name the package exports is declared.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as client from '../../src/index.js';
import * as ai from '../../src/ai.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('a strict TypeScript program using the client compiles against index.d.ts', () => {
  execFileSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', path.join(root, 'test/types/tsconfig.json')],
    { stdio: 'pipe' });
});

// the ai package's own declarations want @types/node and @types/json-schema, which an app brings: they
// are not checked here (skipLibCheck); the route handler and the page against ai.d.ts are
test('an AI SDK route handler and page compile against ai.d.ts', () => {
  execFileSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', path.join(root, 'test/types/tsconfig.ai.json')],
    { stdio: 'pipe' });
});

test('every export of the package is declared', () => {
  for (const [entry, exports] of [['index', client], ['ai', ai]]) {
    const declarations = readFileSync(path.join(root, `src/${entry}.d.ts`), 'utf8');
    for (const name of Object.keys(exports)) {
      assert.match(declarations, new RegExp(`export (declare )?(class|function|const) ${name}\\b`), `${entry}: ${name}`);
    }
  }
});
