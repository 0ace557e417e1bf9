// The API reference, built by `npm run docs` before the tests: every public option, a property of
// an exported `...Options` / `...Config` type, states its default with `@default`, and the
// markdown reference committed in docs/api/ is the one the sources generate today.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { it } from 'node:test';
import { LIBRARY, ROOT } from './installed-project.mjs';

const JSON_OUTPUT = join(LIBRARY, 'dist/docs/api.json');
/** Where `npm run docs` writes the markdown reference, with the options of `npm run docs:api`. */
const MARKDOWN_OUTPUT = join(LIBRARY, 'dist/docs/markdown');
const COMMITTED = join(ROOT, 'docs/api');
const SCHEDULES_FILE = 'packages/madgrad/src/maths/schedules.ts';
const INTERFACE = 256;
const TYPE_ALIAS = 2097152;

function reference() {
  assert.ok(existsSync(JSON_OUTPUT), `${JSON_OUTPUT} is missing: run npm run docs first`);
  return JSON.parse(readFileSync(JSON_OUTPUT, 'utf8'));
}

/**
 * { option, hasDefault, optional, schedule } for every own property of an options type;
 * `schedule` marks the options of a schedule builder (declared beside the schedules).
 */
function options(node, found = []) {
  // ScheduleConfig is the stored form of a schedule (every field given), not options: its fields
  // are the schedule options types' own, checked there.
  const isOptions = /(Options|Config)$/.test(node.name ?? '') && node.name !== 'ScheduleConfig';
  if (isOptions && (node.kind === INTERFACE || node.kind === TYPE_ALIAS)) {
    const schedule = node.sources?.[0]?.fileName === SCHEDULES_FILE;
    const members = [
      ...(node.children ?? []),
      ...(node.type?.declaration?.children ?? []),
      ...(node.type?.types ?? []).flatMap((t) => t.declaration?.children ?? []),
    ];
    for (const member of members) {
      if (member.inheritedFrom) continue;
      const tags = (member.comment?.blockTags ?? []).map((t) => t.tag);
      found.push({
        option: `${node.name}.${member.name}`,
        hasDefault: tags.includes('@default'),
        optional: member.flags?.isOptional === true,
        schedule,
      });
    }
  }
  for (const child of node.children ?? []) options(child, found);
  return found;
}

/** The names of the types a type refers to, at any depth. */
function referencedNames(type, names = new Set()) {
  if (type === null || typeof type !== 'object') return names;
  if (type.type === 'reference') names.add(type.name);
  for (const value of Object.values(type)) {
    if (typeof value === 'object') referencedNames(value, names);
  }
  return names;
}

function find(node, name) {
  if (node.name === name) return node;
  for (const child of node.children ?? []) {
    const found = find(child, name);
    if (found) return found;
  }
  return undefined;
}

it('every public option has a @default in the API reference', () => {
  const found = options(reference());
  for (const name of [
    'OptimizerOptions.lr',
    'TfjsOptimizerConfig.clipNorm',
    'OptimizerConfig.kernels',
    'StepDecayOptions.factor',
    'InverseSqrtOptions.warmupInitLr',
    'PolynomialDecayOptions.power',
    'WarmupCosineOptions.exponent',
    'PowerDecayOptions.power',
  ]) {
    assert.ok(
      found.some(({ option }) => option === name),
      `${name} was not found`,
    );
  }
  // A schedule builder's required options (lr, boundaries, ...) have no default to state.
  assert.deepEqual(
    found.filter((o) => !o.hasDefault && !(o.schedule && !o.optional)).map((o) => o.option),
    [],
    'options without @default',
  );
  assert.deepEqual(
    found.filter((o) => o.schedule && !o.optional && o.hasDefault).map((o) => o.option),
    [],
    'required schedule options with a @default',
  );
});

it('every schedule kind stores the fields of a documented options type', () => {
  const json = reference();
  const config = find(json, 'ScheduleConfig');
  assert.ok(config, 'ScheduleConfig was not found');
  const stored = [...referencedNames(config.type)].filter((n) => n.endsWith('Options')).sort();
  const documented = [
    ...new Set(
      options(json)
        .filter((o) => o.schedule)
        .map((o) => o.option.split('.')[0]),
    ),
  ].sort();
  assert.deepEqual(stored, documented);
  // constant (a bare lr) and one options type for each of the other five kinds.
  assert.equal(stored.length, 5, `schedule options types: ${stored.join(', ')}`);
});

/** Every file under `dir`, as paths relative to it. */
function files(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)))
    .sort();
}

/** Why the committed reference differs from the generated one, one line, or null. */
function staleness(generated, committed) {
  const fix = 'run npm run docs:api and commit docs/api/';
  if (!existsSync(committed)) return `docs/api/ is missing: ${fix}`;
  const want = files(generated);
  const have = files(committed);
  for (const file of want) {
    if (!have.includes(file)) return `docs/api/${file} is missing: ${fix}`;
    if (readFileSync(join(generated, file), 'utf8') !== readFileSync(join(committed, file), 'utf8'))
      return `docs/api/${file} is out of date: ${fix}`;
  }
  const extra = have.find((file) => !want.includes(file));
  return extra === undefined ? null : `docs/api/${extra} is no longer generated: ${fix}`;
}

it('docs/api/ is the markdown reference the sources generate', () => {
  assert.ok(existsSync(MARKDOWN_OUTPUT), `${MARKDOWN_OUTPUT} is missing: run npm run docs first`);
  assert.ok(
    files(MARKDOWN_OUTPUT).includes('README.md'),
    'no README.md in the generated reference',
  );
  const why = staleness(MARKDOWN_OUTPUT, COMMITTED);
  assert.equal(why, null, why ?? '');
});

it('finds a changed, a missing and an extra file of docs/api/', () => {
  const root = mkdtempSync(join(tmpdir(), 'api-reference-'));
  const write = (dir, files) => {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, dir, name)), { recursive: true });
      writeFileSync(join(root, dir, name), text);
    }
    return join(root, dir);
  };
  try {
    const generated = write('generated', { 'README.md': 'a', 'madgrad/tfjs.md': 'b' });
    const cases = [
      ['same', { 'README.md': 'a', 'madgrad/tfjs.md': 'b' }, null],
      ['changed', { 'README.md': 'a', 'madgrad/tfjs.md': 'c' }, /madgrad\/tfjs.md is out of date/],
      ['missing', { 'README.md': 'a' }, /madgrad\/tfjs.md is missing/],
      ['extra', { 'README.md': 'a', 'madgrad/tfjs.md': 'b', 'old.md': 'd' }, /old.md is no longer/],
    ];
    for (const [name, files, expected] of cases) {
      const why = staleness(generated, write(name, files));
      if (expected === null) assert.equal(why, null, name);
      else {
        assert.match(why, expected, name);
        assert.match(why, /: run npm run docs:api and commit docs\/api\/$/, name);
      }
    }
    assert.match(staleness(generated, join(root, 'none')), /docs\/api\/ is missing/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
