import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { ROOT } from './helpers.js';

const EXAMPLES = join(ROOT, 'examples');
const TUNE_DOC = join(ROOT, '..', '..', 'docs', 'tune.md');

/** Whether `lines` occur in `text` in the same order, each as a whole line (others may come between). */
function inOrder(lines: readonly string[], text: string): boolean {
  const own = text.split('\n');
  let at = 0;
  for (const line of lines) {
    while (at < own.length && own[at] !== line) at += 1;
    if (at === own.length) return false;
    at += 1;
  }
  return true;
}

it("docs/tune.md's excerpts of the examples are the examples' own lines, in their order", () => {
  const examples = readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.mjs'))
    .map((f) => readFileSync(join(EXAMPLES, f), 'utf8'));
  const excerpts = [...readFileSync(TUNE_DOC, 'utf8').matchAll(/^```mjs\n([\s\S]*?)^```/gm)]
    .map((m) => m[1]!)
    .filter((block) => block.startsWith('export default defineTask({'));
  assert.equal(excerpts.length, 3, 'the three examples');
  for (const excerpt of excerpts) {
    const lines = excerpt.trimEnd().split('\n');
    assert.ok(
      examples.some((text) => inOrder(lines, text)),
      `not an excerpt of an example: ${lines[1]}`,
    );
  }
});
