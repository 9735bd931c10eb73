// The README shows the chat page that the browser tests run: the two must not drift apart.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

test("the README's chat page is examples/chat.html", () => {
  const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
  const page = readFileSync(path.join(repo, 'clients/js/examples/chat.html'), 'utf8');
  const blocks = [...readme.matchAll(/```html\n([\s\S]*?)```/g)].map((match) => match[1]);
  assert.ok(blocks.includes(page), 'README.md has no ```html block equal to clients/js/examples/chat.html');
  assert.ok(page.split('\n').length <= 40);
});
