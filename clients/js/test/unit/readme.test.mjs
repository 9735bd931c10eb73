// docs/clients.md shows the chat page, and the AI SDK route handler and page, that the tests run: they
// must not drift apart.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

test("the chat page of docs/clients.md is examples/chat.html", () => {
  const doc = readFileSync(path.join(repo, 'docs/clients.md'), 'utf8');
  const page = readFileSync(path.join(repo, 'clients/js/examples/chat.html'), 'utf8');
  const blocks = [...doc.matchAll(/```html\n([\s\S]*?)```/g)].map((match) => match[1]);
  assert.ok(blocks.includes(page), 'docs/clients.md has no ```html block equal to clients/js/examples/chat.html');
  assert.ok(page.split('\n').length <= 40);
});

test('the AI SDK route handler and page of docs/clients.md are examples/ai-chat/', () => {
  const doc = readFileSync(path.join(repo, 'docs/clients.md'), 'utf8');
  for (const [lang, file] of [['js', 'route.mjs'], ['jsx', 'page.jsx']]) {
    const code = readFileSync(path.join(repo, 'clients/js/examples/ai-chat', file), 'utf8');
    const blocks = [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]);
    assert.ok(blocks.includes(code), `docs/clients.md has no \`\`\`${lang} block equal to examples/ai-chat/${file}`);
  }
});
