/**
 * Each optimizer's options are declared once, in its spec; what documents them must agree with
 * it: the `@default` tags of the options types (read from the sources with the TypeScript
 * compiler, as TypeDoc reads them), their property names, the options table of docs/limits.md
 * and the one of README.md. The *_DEFAULTS objects, the constructors' defaults and the names an
 * unknown-option error lists come from the specs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import {
  MADGRAD_DEFAULTS,
  MADGRAD_SPEC,
  MIRROR_MADGRAD_DEFAULTS,
  MIRROR_MADGRAD_SPEC,
  type OptimizerSpec,
  type OptionSpec,
  specDefaults,
} from '../src/maths/options.js';
import { ADAGRAD_DEFAULTS, ADAGRAD_SPEC, Adagrad } from '../src/optimizers/baselines/adagrad.js';
import { ADAM_DEFAULTS, ADAM_SPEC, Adam } from '../src/optimizers/baselines/adam.js';
import {
  SGD_MOMENTUM_DEFAULTS,
  SGD_MOMENTUM_SPEC,
  SgdMomentum,
} from '../src/optimizers/baselines/sgd-momentum.js';
import {
  DUAL_AVERAGING_DEFAULTS,
  DUAL_AVERAGING_SPEC,
  DualAveragingVariant,
} from '../src/optimizers/dual-averaging-variants.js';
import { Madgrad } from '../src/optimizers/madgrad.js';
import { MirrorMadgrad } from '../src/optimizers/mirror-madgrad.js';
import { CONSTRUCTOR_SPEC, type StatefulOptimizer } from '../src/optimizers/optimizer.js';
import { TFJS_CONFIG_SPEC } from '../src/tfjs/config.js';
import { param, ROOT } from './helpers.js';

type AnySpec = OptimizerSpec<Record<string, unknown>>;
const spec = <O>(s: OptimizerSpec<O>) => s as unknown as AnySpec;

/** Each documented options type: its source, its name, and the spec its options come from. */
const DOCUMENTED: readonly { file: string; type: string; spec: AnySpec }[] = [
  { file: 'src/maths/options.ts', type: 'OptimizerOptions', spec: spec(MADGRAD_SPEC) },
  { file: 'src/optimizers/baselines/adam.ts', type: 'AdamOptions', spec: spec(ADAM_SPEC) },
  { file: 'src/optimizers/optimizer.ts', type: 'OptimizerConfig', spec: spec(CONSTRUCTOR_SPEC) },
  { file: 'src/tfjs/config.ts', type: 'TfjsOptimizerConfig', spec: spec(TFJS_CONFIG_SPEC) },
];

/** A `@default` tag's text as a value: a number, true/false, null or a quoted string. */
function parseDefault(text: string): unknown {
  const quoted = /^'(.*)'$/.exec(text);
  return quoted ? quoted[1] : JSON.parse(text);
}

/** `name: @default text` of every property of the type literal(s) of a type declaration. */
function documentedDefaults(source: string, fileName: string, type: string): Map<string, string> {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found = new Map<string, string>();
  const members = (node: ts.Node): readonly ts.TypeElement[] => {
    if (ts.isInterfaceDeclaration(node) || ts.isTypeLiteralNode(node)) return node.members;
    if (ts.isTypeAliasDeclaration(node)) return members(node.type);
    if (ts.isIntersectionTypeNode(node)) return node.types.flatMap((t) => members(t));
    return [];
  };
  let declared = false;
  ts.forEachChild(file, (node) => {
    if (
      (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) &&
      node.name.text === type
    ) {
      declared = true;
      for (const member of members(node)) {
        if (!member.name || !ts.isIdentifier(member.name)) continue;
        const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'default');
        found.set(member.name.text, tag ? (ts.getTextOfJSDocComment(tag.comment) ?? '') : '');
      }
    }
  });
  assert.ok(declared, `${type} is not declared in ${fileName}`);
  return found;
}

/** Where a type's documented options differ from its spec, one line each. */
function mismatches(source: string, fileName: string, type: string, s: AnySpec): string[] {
  const documented = documentedDefaults(source, fileName, type);
  const problems: string[] = [];
  const names = Object.keys(s.options);
  for (const [name, text] of documented) {
    const option = s.options[name] as OptionSpec | undefined;
    if (!option) problems.push(`${type}.${name} is not in the ${s.name} spec`);
    else if (text === '') problems.push(`${type}.${name} has no @default`);
    else if (!Object.is(parseDefault(text), option.default)) {
      problems.push(
        `${type}.${name}: @default ${text}, the ${s.name} spec's is ${String(option.default)}`,
      );
    }
  }
  for (const name of names) {
    if (!documented.has(name)) problems.push(`${s.name} option ${name} is not in ${type}`);
  }
  return problems;
}

describe('documented defaults', () => {
  for (const { file, type, spec: s } of DOCUMENTED) {
    it(`${type}: each @default is the ${s.name} spec's default`, () => {
      const source = readFileSync(join(ROOT, file), 'utf8');
      assert.deepEqual(mismatches(source, file, type, s), []);
    });
  }

  it("Adam's former option momentum documents beta1's default", () => {
    const source = readFileSync(join(ROOT, 'src/optimizers/baselines/adam.ts'), 'utf8');
    const documented = documentedDefaults(source, 'adam.ts', 'AdamConfig');
    assert.deepEqual([...documented.keys()], ['momentum']);
    assert.equal(ADAM_SPEC.renamed?.momentum, 'beta1');
    assert.equal(parseDefault(documented.get('momentum')!), ADAM_SPEC.options.beta1.default);
  });

  it('fails when a @default or a spec default changes without the other', () => {
    const file = 'src/optimizers/baselines/adam.ts';
    const source = readFileSync(join(ROOT, file), 'utf8');
    const edited = source.replace(/(β₁, the decay[^@]*@default )0\.9/, '$10.95');
    assert.notEqual(edited, source);
    assert.deepEqual(mismatches(edited, file, 'AdamOptions', spec(ADAM_SPEC)), [
      "AdamOptions.beta1: @default 0.95, the Adam spec's is 0.9",
    ]);
    const changed = {
      ...ADAM_SPEC,
      options: { ...ADAM_SPEC.options, eps: { ...ADAM_SPEC.options.eps, default: 1e-7 } },
    };
    assert.deepEqual(mismatches(source, file, 'AdamOptions', spec(changed)), [
      "AdamOptions.eps: @default 1e-8, the Adam spec's is 1e-7",
    ]);
    const { beta2: _dropped, ...fewer } = ADAM_SPEC.options;
    assert.deepEqual(
      mismatches(source, file, 'AdamOptions', spec({ ...ADAM_SPEC, options: fewer })),
      ['AdamOptions.beta2 is not in the Adam spec'],
    );
  });
});

/** Every optimizer: its spec, its exported defaults (and their source) and a fresh instance. */
const OPTIMIZERS: readonly {
  spec: AnySpec;
  defaults: Readonly<object>;
  declared: readonly [file: string, name: string];
  make: (config?: object) => StatefulOptimizer;
}[] = [
  {
    spec: spec(MADGRAD_SPEC),
    defaults: MADGRAD_DEFAULTS,
    declared: ['src/maths/options.ts', 'MADGRAD_DEFAULTS'],
    make: (c) => new Madgrad([w()], c),
  },
  {
    spec: spec(MIRROR_MADGRAD_SPEC),
    defaults: MIRROR_MADGRAD_DEFAULTS,
    declared: ['src/maths/options.ts', 'MIRROR_MADGRAD_DEFAULTS'],
    make: (c) => new MirrorMadgrad([w()], c),
  },
  {
    spec: spec(SGD_MOMENTUM_SPEC),
    defaults: SGD_MOMENTUM_DEFAULTS,
    declared: ['src/optimizers/baselines/sgd-momentum.ts', 'SGD_MOMENTUM_DEFAULTS'],
    make: (c) => new SgdMomentum([w()], c),
  },
  {
    spec: spec(ADAM_SPEC),
    defaults: ADAM_DEFAULTS,
    declared: ['src/optimizers/baselines/adam.ts', 'ADAM_DEFAULTS'],
    make: (c) => new Adam([w()], c),
  },
  {
    spec: spec(ADAGRAD_SPEC),
    defaults: ADAGRAD_DEFAULTS,
    declared: ['src/optimizers/baselines/adagrad.ts', 'ADAGRAD_DEFAULTS'],
    make: (c) => new Adagrad([w()], c),
  },
  {
    spec: spec(DUAL_AVERAGING_SPEC),
    defaults: DUAL_AVERAGING_DEFAULTS,
    declared: ['src/optimizers/dual-averaging-variants.ts', 'DUAL_AVERAGING_DEFAULTS'],
    make: (c) => new DualAveragingVariant('da', [w()], c),
  },
];

/** The "`name` value" pairs of the doc comment of an exported constant. */
function documentedValues(fileName: string, constant: string): Map<string, unknown> {
  const source = readFileSync(join(ROOT, fileName), 'utf8');
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const statement = file.statements.find(
    (node): node is ts.VariableStatement =>
      ts.isVariableStatement(node) &&
      node.declarationList.declarations.some((d) => d.name.getText(file) === constant),
  );
  assert.ok(statement, `${constant} is not declared in ${fileName}`);
  const doc = ts
    .getJSDocCommentsAndTags(statement.declarationList.declarations[0]!)
    .map((d) => d.getText(file))
    .join('\n');
  const pairs = doc.matchAll(/`(\w+)` (-?[\d.]+(?:e-?\d+)?|true|false)\b/g);
  return new Map([...pairs].map((m) => [m[1]!, JSON.parse(m[2]!)]));
}

function w() {
  return param('w', [2], new Float32Array([1, 2]));
}

describe('the specs drive the optimizers', () => {
  for (const { spec: s, defaults, declared, make } of OPTIMIZERS) {
    it(`${s.name}: the doc of ${declared[1]} states the spec's defaults`, () => {
      assert.deepEqual(
        Object.fromEntries(documentedValues(...declared)),
        Object.fromEntries(Object.entries(specDefaults(s))),
      );
    });

    it(`${s.name}: defaults, constructor defaults and the unknown-option list`, () => {
      assert.deepEqual(defaults, specDefaults(s));
      assert.ok(Object.isFrozen(defaults));
      const opt = make();
      assert.deepEqual(opt.groups[0], specDefaults(s));
      // setOptions lists the spec's names; a constructor adds its own (kernels).
      const names = Object.keys(s.options).join(', ');
      assert.throws(
        () => opt.setOptions({ nope: 1 } as never),
        (e: Error) => e.message === `group 0: unknown option "nope" (known: ${names})`,
      );
      assert.throws(
        () => make({ nope: 1 }),
        (e: Error) => e.message === `unknown option "nope" (known: ${names}, kernels)`,
      );
    });
  }
});

/** The cells of a markdown table's rows whose first cell is a backquoted name. */
function tableRows(markdown: string, header: RegExp): Map<string, string[]> {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => header.test(line));
  assert.ok(start >= 0, `no table headed ${header}`);
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    const name = /^`([^`]+)`/.exec(cells[0]!)?.[1];
    if (name) rows.set(name, cells.slice(1));
  }
  return rows;
}

/** A table cell's value: its first backquoted text, or null for — (not an option there). */
function cellValue(cell: string): unknown {
  if (cell === '—') return null;
  const code = /`([^`]+)`/.exec(cell)?.[1] ?? cell;
  return parseDefault(code);
}

describe('options tables of the docs', () => {
  it('docs/limits.md: every optimizer, every option, its default', () => {
    const text = readFileSync(join(ROOT, '../../docs/limits.md'), 'utf8');
    const rows = tableRows(text, /^\| option \| range \| MADGRAD \| MirrorMADGRAD \|/);
    const columns: AnySpec[] = [
      spec(MADGRAD_SPEC),
      spec(MIRROR_MADGRAD_SPEC),
      spec(SGD_MOMENTUM_SPEC),
      spec(ADAM_SPEC),
      spec(ADAGRAD_SPEC),
    ];
    const names = new Set(columns.flatMap((s) => Object.keys(s.options)));
    assert.deepEqual([...rows.keys()].sort(), [...names].sort());
    for (const [name, cells] of rows) {
      columns.forEach((s, i) => {
        const option = s.options[name] as OptionSpec | undefined;
        assert.equal(cellValue(cells[i + 1]!), option ? option.default : null, `${s.name} ${name}`);
      });
    }
  });

  it("README.md: MADGRAD's and madgrad/tfjs's defaults", () => {
    const text = readFileSync(join(ROOT, '../../README.md'), 'utf8');
    const rows = tableRows(text, /^\| option \| default \| meaning \|/);
    const all = {
      ...CONSTRUCTOR_SPEC.options,
      ...TFJS_CONFIG_SPEC.options,
      ...MADGRAD_SPEC.options,
    };
    assert.ok(rows.size >= 5);
    for (const [name, cells] of rows) {
      const option = (all as Record<string, OptionSpec>)[name];
      assert.ok(option, `README option ${name} is in no spec`);
      assert.equal(cellValue(cells[0]!), option.default, name);
    }
  });
});
