// The TypeScript declarations compile under `strict` with code that uses the client as docs/clients.md does,
// and every name the package exports is declared.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as client from '../../src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('a strict TypeScript program using the client compiles against index.d.ts', () => {
  execFileSync(path.join(root, 'node_modules/.bin/tsc'), ['-p', path.join(root, 'test/types/tsconfig.json')],
    { stdio: 'pipe' });
});

test('every export of the package is declared', () => {
  const declarations = readFileSync(path.join(root, 'src/index.d.ts'), 'utf8');
  for (const name of Object.keys(client)) {
    assert.match(declarations, new RegExp(`export (declare )?(class|function|const) ${name}\\b`), name);
  }
});
