/**
 * The reference's trajectories (golden/cases in the repository, see golden/README.md) replayed on
 * every engine Node has: the core optimizers with the TypeScript kernels and with the WebAssembly
 * kernels (one thread, and two threads on every array), and the TensorFlow.js optimizers on the
 * cpu and wasm backends. Each case runs straight through, and again saved after step 7 and resumed
 * in a freshly built optimizer. Every parameter after every step and the final state must be
 * within golden/FORMAT.md's tolerance. Cases in ../shared/golden beside the checkout, where
 * present, are replayed too.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import {
  createWasmKernels,
  type Gradient,
  jsKernels,
  Madgrad,
  MirrorMadgrad,
  type StatefulOptimizer,
  type StepKernels,
} from '../src/index.js';
import {
  type MadgradFamilyOptimizer,
  MadgradOptimizer,
  MirrorMadgradOptimizer,
} from '../src/tfjs/index.js';
import { ROOT } from './helpers.js';
import { useBackend } from './tfjs-helpers.js';

const GOLDEN = join(ROOT, '..', '..', 'golden');
const SHARED = join(ROOT, '..', '..', '..', 'shared', 'golden');
const RESUME_AFTER = 7;

type Rows = { indices: number[]; values: number[] };
type Values = Record<string, number[]>;

/** A case file as golden/FORMAT.md describes it (the reference's option names). */
interface Case {
  name: string;
  optimizer: 'madgrad' | 'mirror_madgrad';
  groups: {
    params: string[];
    options: {
      lr: number;
      momentum: number;
      weight_decay: number;
      eps: number;
      decouple_decay?: boolean;
    };
  }[];
  params: { name: string; shape: number[]; init: number[] }[];
  steps: { grads: Record<string, number[] | Rows | null>; lr?: number[] }[];
  expected: Values[];
  final_state: { k: number; params: Record<string, Values> };
}

function casesIn(dir: string): Case[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Case);
}

const CASES = [
  ...casesIn(join(GOLDEN, 'cases')),
  ...(existsSync(SHARED) ? casesIn(SHARED).map((c) => ({ ...c, name: `shared/${c.name}` })) : []),
];

/** The library's options for a group of a case. */
function optionsOf(group: Case['groups'][number]) {
  const o = group.options;
  return {
    lr: o.lr,
    momentum: o.momentum,
    weightDecay: o.weight_decay,
    eps: o.eps,
    decoupleDecay: o.decouple_decay ?? false,
  };
}

function shapeOf(c: Case, name: string): number[] {
  return c.params.find((p) => p.name === name)!.shape;
}

/** A dense gradient (zeros in rows a row-sparse one leaves out; FORMAT.md: the same result). */
function dense(g: number[] | Rows, shape: number[]): Float32Array {
  if (Array.isArray(g)) return Float32Array.from(g);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const row = out.length / shape[0]!;
  g.indices.forEach((r, i) => out.set(g.values.slice(i * row, (i + 1) * row), r * row));
  return out;
}

/** Where `actual` leaves the tolerance |a - b| <= 1e-6 + 1e-4 |b| of `expected`, or null. */
function outside(actual: ArrayLike<number>, expected: readonly number[]): string | null {
  if (actual.length !== expected.length)
    return `${actual.length} values, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const b = expected[i]!;
    if (!(Math.abs(actual[i]! - b) <= 1e-6 + 1e-4 * Math.abs(b))) {
      return `[${i}] = ${actual[i]}, expected ${b}`;
    }
  }
  return null;
}

/** One engine's replay of a case, step by step. */
interface Replay {
  step(index: number): void | Promise<void>;
  values(): Values | Promise<Values>;
  state():
    | { k: number; params: Record<string, Values> }
    | Promise<{ k: number; params: Record<string, Values> }>;
  /** A fresh replay of the same case, resumed from this one's saved state. */
  resumed(): Replay | Promise<Replay>;
  dispose?(): void;
}

/** The core optimizers over Float32Array parameters, with the given kernels. */
function coreReplay(c: Case, kernels: StepKernels): Replay {
  const params = Object.fromEntries(c.params.map((p) => [p.name, Float32Array.from(p.init)]));
  const build = () => {
    const groups = c.groups.map((g) => ({
      ...optionsOf(g),
      params: g.params.map((name) => ({ name, shape: shapeOf(c, name), value: params[name]! })),
    }));
    return c.optimizer === 'madgrad'
      ? new Madgrad(groups, { kernels })
      : new MirrorMadgrad(groups, { kernels });
  };
  const over = (opt: StatefulOptimizer): Replay => ({
    step(index) {
      const step = c.steps[index]!;
      step.lr?.forEach((lr, group) => opt.setLr(lr, group));
      const grads: Record<string, Gradient> = {};
      for (const [name, g] of Object.entries(step.grads)) {
        grads[name] =
          g === null || Array.isArray(g)
            ? g && Float32Array.from(g)
            : { indices: Int32Array.from(g.indices), values: Float32Array.from(g.values) };
      }
      opt.step(grads);
    },
    values: () => Object.fromEntries(Object.entries(params).map(([n, v]) => [n, [...v]])),
    state() {
      const out: Record<string, Values> = {};
      for (const name of Object.keys(params)) {
        const buffers = opt.stateOf(name) ?? {};
        out[name] = Object.fromEntries(Object.entries(buffers).map(([b, v]) => [b, [...v]]));
      }
      return { k: opt.stepCount, params: out };
    },
    resumed() {
      const bytes = opt.saveState();
      const fresh = build();
      fresh.loadState(bytes);
      return over(fresh);
    },
  });
  return over(build());
}

/** The tfjs optimizers on the active backend: one per group, all stepping every step. */
function tfjsReplay(c: Case): Replay {
  const variables = new Map(
    c.params.map((p) => {
      const initial = tf.tensor(p.init, p.shape);
      const v = tf.variable(initial, true, `${c.name}/${p.name}`);
      initial.dispose();
      return [p.name, v] as const;
    }),
  );
  const build = (g: Case['groups'][number]): MadgradFamilyOptimizer => {
    const { lr, ...rest } = optionsOf(g);
    const config = { ...rest, learningRate: lr };
    return c.optimizer === 'madgrad'
      ? new MadgradOptimizer(config)
      : new MirrorMadgradOptimizer(config);
  };
  const over = (optimizers: MadgradFamilyOptimizer[]): Replay => ({
    step(index) {
      const step = c.steps[index]!;
      step.lr?.forEach((lr, group) => optimizers[group]!.setLearningRate(lr));
      c.groups.forEach((group, i) => {
        const named = group.params.flatMap((name) => {
          const g = step.grads[name];
          return g
            ? [
                {
                  name: `${c.name}/${name}`,
                  tensor: tf.tensor(dense(g, shapeOf(c, name)), shapeOf(c, name)),
                },
              ]
            : [];
        });
        optimizers[i]!.applyGradients(named);
        tf.dispose(named.map((n) => n.tensor));
      });
    },
    values: () =>
      Object.fromEntries([...variables].map(([n, v]) => [n, [...(v.dataSync() as Float32Array)]])),
    state() {
      const out: Record<string, Values> = {};
      for (const opt of optimizers) {
        for (const name of opt.stateNames) {
          const buffers = opt.stateOf(name)!;
          out[name.slice(c.name.length + 1)] = Object.fromEntries(
            Object.entries(buffers).map(([b, t]) => [b, [...(t.dataSync() as Float32Array)]]),
          );
        }
      }
      return { k: optimizers[0]!.iterations, params: out };
    },
    async resumed() {
      const fresh: MadgradFamilyOptimizer[] = [];
      for (const [i, opt] of optimizers.entries()) {
        const restored = build(c.groups[i]!);
        const weights = await opt.getWeights();
        await restored.setWeights(weights);
        tf.dispose(weights.map((w) => w.tensor));
        fresh.push(restored);
      }
      return over(fresh);
    },
    dispose() {
      for (const opt of optimizers) opt.dispose();
    },
  });
  const replay = over(c.groups.map(build));
  return {
    ...replay,
    dispose: () => {
      replay.dispose?.();
      for (const v of variables.values()) v.dispose();
    },
  };
}

/** Replays `c` (resuming after RESUME_AFTER when asked) and checks every step and the final state. */
async function check(c: Case, open: () => Replay, resume: boolean): Promise<void> {
  const first = open();
  let replay = first;
  try {
    for (let i = 0; i < c.steps.length; i++) {
      await replay.step(i);
      if (resume && i === RESUME_AFTER) replay = await replay.resumed();
      const values = await replay.values();
      for (const [name, expected] of Object.entries(c.expected[i]!)) {
        const problem = outside(values[name]!, expected);
        assert.equal(problem, null, `${c.name}, step ${i + 1}, ${name}${problem}`);
      }
    }
    const state = await replay.state();
    assert.equal(state.k, c.final_state.k, `${c.name}: step count`);
    for (const [name, buffers] of Object.entries(c.final_state.params)) {
      for (const [buffer, expected] of Object.entries(buffers)) {
        const actual = state.params[name]?.[buffer];
        assert.ok(actual, `${c.name}: no ${buffer} for ${name}`);
        const problem = outside(actual, expected);
        assert.equal(problem, null, `${c.name}, final ${buffer} of ${name}${problem}`);
      }
    }
  } finally {
    if (replay !== first) replay.dispose?.();
    first.dispose?.();
  }
}

describe('golden trajectories of the reference', () => {
  it('the committed case files match golden/SHA256SUMS', () => {
    const sums = readFileSync(join(GOLDEN, 'SHA256SUMS'), 'utf8').trim().split('\n');
    const listed = sums.map((line) => line.split(/\s+/)[1]);
    const files = readdirSync(join(GOLDEN, 'cases'))
      .filter((f) => f.endsWith('.json'))
      .sort();
    assert.deepEqual(listed, files, 'SHA256SUMS and golden/cases list different files');
    assert.ok(files.length >= 15, `only ${files.length} cases`);
    for (const line of sums) {
      const [hash, file] = line.split(/\s+/);
      const actual = createHash('sha256')
        .update(readFileSync(join(GOLDEN, 'cases', file!)))
        .digest('hex');
      assert.equal(
        actual,
        hash,
        `golden/cases/${file} changed: regenerate it with golden/generate.py`,
      );
    }
  });

  const threaded = createWasmKernels({ threads: 2, minParallel: 0 });
  after(() => threaded.close());
  const engines: [string, () => StepKernels][] = [
    ['TypeScript kernels', () => jsKernels],
    ['WebAssembly kernels, one thread', () => createWasmKernels({ threads: 1 })],
    ['WebAssembly kernels, two threads on every array', () => threaded],
  ];
  for (const [label, kernels] of engines) {
    it(`the core optimizers with the ${label}`, async () => {
      if (label.includes('two threads')) {
        await threaded.ready();
        assert.equal(threaded.threads, 2, 'the worker threads did not start');
      }
      for (const c of CASES) {
        for (const resume of [false, true]) await check(c, () => coreReplay(c, kernels()), resume);
      }
    });
  }

  for (const backend of ['cpu', 'wasm']) {
    it(`the TensorFlow.js optimizers on the ${backend} backend`, async () => {
      await useBackend(backend);
      const before = tf.memory().numTensors;
      for (const c of CASES) {
        for (const resume of [false, true]) await check(c, () => tfjsReplay(c), resume);
      }
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    });
  }
});
