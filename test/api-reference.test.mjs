// The API reference (TypeDoc, built by `npm run docs` before the tests): every public option,
// a property of an exported `...Options` / `...Config` type, states its default with `@default`.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { LIBRARY } from './installed-project.mjs';

const JSON_OUTPUT = join(LIBRARY, 'dist/docs/api.json');
const INTERFACE = 256;
const TYPE_ALIAS = 2097152;

/** [owner.option, has @default] for every own property of an options type. */
function options(node, found = []) {
  // ScheduleConfig is the stored form of a schedule (every field given), not options.
  const isOptions = /(Options|Config)$/.test(node.name ?? '') && node.name !== 'ScheduleConfig';
  if (isOptions && (node.kind === INTERFACE || node.kind === TYPE_ALIAS)) {
    const members = [
      ...(node.children ?? []),
      ...(node.type?.declaration?.children ?? []),
      ...(node.type?.types ?? []).flatMap((t) => t.declaration?.children ?? []),
    ];
    for (const member of members) {
      if (member.inheritedFrom) continue;
      const tags = (member.comment?.blockTags ?? []).map((t) => t.tag);
      found.push([`${node.name}.${member.name}`, tags.includes('@default')]);
    }
  }
  for (const child of node.children ?? []) options(child, found);
  return found;
}

it('every public option has a @default in the API reference', () => {
  assert.ok(existsSync(JSON_OUTPUT), `${JSON_OUTPUT} is missing: run npm run docs first`);
  const found = options(JSON.parse(readFileSync(JSON_OUTPUT, 'utf8')));
  for (const name of [
    'OptimizerOptions.lr',
    'TfjsOptimizerConfig.clipNorm',
    'OptimizerConfig.kernels',
  ]) {
    assert.ok(
      found.some(([option]) => option === name),
      `${name} was not found`,
    );
  }
  assert.deepEqual(
    found.filter(([, has]) => !has).map(([option]) => option),
    [],
    'options without @default',
  );
});
