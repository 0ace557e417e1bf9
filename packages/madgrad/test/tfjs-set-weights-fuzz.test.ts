import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { Madgrad, StateFormatError } from '../src/index.js';
import { madgrad, type NamedTensor } from '../src/tfjs/index.js';
import { bitwiseEqual, param, randomArray, rng } from './helpers.js';
import { craft, parseState } from './state-bytes.js';
import { useBackend, values, variable } from './tfjs-helpers.js';

/**
 * A seeded, time-bounded fuzzer for `setWeights`: random edits of `getWeights` output (NaN,
 * ±Infinity, negatives, unreachable values, wrong shapes and dtypes, disposed tensors, nulls,
 * wrong names, huge iteration counts, the optimizer's own tensors reused). Each is either
 * accepted, and then the next step matches the core optimizer loaded with the same state
 * through `loadState` (which must accept it too), or refused with a StateFormatError that
 * changes nothing and leaks no tensor.
 */
const SEED = 20260501;
const CASES = 400;
const TIME_BUDGET_MS = 4000;
const N = 6;

type Entry = { name: string; tensor: tf.Tensor } | null | Record<string, unknown>;
type Edit = (w: Entry[], r: () => number, own: NamedTensor[]) => void;
const int = (r: () => number, n: number) => Math.floor(r() * n);
const pick = <T>(r: () => number, items: readonly T[]) => items[int(r, items.length)]!;
const ODD = [Number.NaN, Infinity, -Infinity, -5, -0, 3e38, -3e38, 1e30, 1e-45, 0, 1];

/** The optimizer's own tensors (from getWeights): edits replace them, never dispose them. */
const owned = new WeakSet<tf.Tensor>();

/** The entry's tensor where it has a live one of its own (earlier edits may have replaced it). */
function tensorOf(e: Entry | undefined): tf.Tensor | null {
  const t = (e as { tensor?: unknown } | null | undefined)?.tensor;
  return t instanceof tf.Tensor && !t.isDisposed && !owned.has(t) ? t : null;
}

function withValue(e: Entry, at: number, value: number): Entry {
  const t = tensorOf(e);
  if (t === null) return e;
  const data = Float32Array.from(t.dataSync() as Float32Array);
  data[at % data.length] = value;
  t.dispose();
  return { name: (e as { name: string }).name, tensor: tf.tensor(data, t.shape, 'float32') };
}

const EDITS: Edit[] = [
  (w, r) => {
    const i = 1 + int(r, w.length - 1);
    w[i] = withValue(w[i]!, int(r, N), pick(r, ODD));
  },
  (w, r) => {
    tensorOf(w[1 + int(r, w.length - 1)])?.dispose();
  },
  (w, r) => {
    w[int(r, w.length)] = pick(r, [null, {}, { name: 'iter' }, { name: 'x', tensor: {} }]);
  },
  (w, r) => {
    const e = w[int(r, w.length)] as { name: string } | null;
    if (e === null || typeof e.name !== 'string') return;
    e.name = pick(r, [
      'iter',
      '__proto__',
      'w/__proto__',
      'constructor/s',
      '/s',
      'w',
      `${e.name}/s`,
    ]);
  },
  (w, r) => {
    w.splice(1 + int(r, w.length - 1), 1);
  },
  (w, r) => {
    const e = w[1 + int(r, w.length - 1)] as { tensor: tf.Tensor };
    const t = tensorOf(e);
    if (t === null) return;
    e.tensor = r() < 0.5 ? tf.reshape(t, [N]) : tf.cast(t, 'int32');
    if (e.tensor !== t) t.dispose();
  },
  (w, r) => {
    tensorOf(w[0])?.dispose();
    const k = pick(r, [1e38, 2 ** 31, 2 ** 48, 2 ** 48 + 2, -1, 0.5, 2 ** 24 + 1]);
    w[0] = {
      name: 'iter',
      tensor:
        r() < 0.5 || k < 0 || !Number.isInteger(k)
          ? tf.scalar(k)
          : tf.tensor1d([Math.floor(k / 2 ** 31), k % 2 ** 31], 'int32'),
    };
  },
  // The optimizer's own tensors, from getWeights, in place of copies.
  (w, _r, own) => {
    for (let i = 0; i < w.length && i < own.length; i++) {
      tensorOf(w[i])?.dispose();
      w[i] = own[i]!;
    }
  },
];

describe('setWeights fuzzer (seeded, time-bounded)', () => {
  it(`${CASES} edited weight lists: accepted and stepping as the core, or refused changing nothing`, async (t) => {
    await useBackend('cpu');
    const random = rng(SEED);
    const started = Date.now();
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < CASES && Date.now() - started < TIME_BUDGET_MS; i++) {
      const w = variable(randomArray(N, random), [2, 3], 'fz');
      const opt = madgrad(0.01, { kernels: 'js' });
      for (let k = 0; k < 2; k++) {
        tf.tidy(() => opt.applyGradients({ [w.name]: tf.tensor(randomArray(N, random), [2, 3]) }));
      }
      const own = await opt.getWeights();
      for (const o of own) owned.add(o.tensor);
      const list: Entry[] = own.map((x) => ({ name: x.name, tensor: x.tensor.clone() }));
      for (let e = 1 + int(random, 2); e > 0; e--) pick(random, EDITS)(list, random, own);
      const before = snapshot(opt, w.name);
      const tensors = tf.memory().numTensors;
      const what = `case ${i} (seed ${SEED})`;
      let error: unknown = null;
      try {
        await opt.setWeights(list as NamedTensor[]);
      } catch (e) {
        error = e;
      }
      if (error === null) {
        accepted += 1;
        checkAgainstCore(opt, w, what, random);
      } else {
        refused += 1;
        assert.ok(error instanceof StateFormatError, `${what}: ${String(error).slice(0, 300)}`);
        assert.ok(error.message.length <= 400, `${what}: ${error.message.length} characters`);
        assert.equal(snapshot(opt, w.name), before, `${what}: the optimizer changed`);
        assert.equal(tf.memory().numTensors, tensors, `${what}: leaked`);
      }
      for (const e of list) {
        const tensor = tensorOf(e);
        if (tensor !== null && !own.some((o) => o.tensor === tensor)) tensor.dispose();
      }
      opt.dispose();
      w.dispose();
    }
    t.diagnostic(`accepted ${accepted}, refused ${refused}`);
    assert.ok(accepted > 0 && refused > 0);
  });
});

function snapshot(opt: ReturnType<typeof madgrad>, name: string): string {
  const slot: Readonly<Record<string, tf.Variable>> = opt.stateOf(name) ?? {};
  const parts = Object.keys(slot)
    .sort()
    .map((b) => `${b}:${Buffer.from(values(slot[b]!).buffer).toString('hex')}`);
  return `${opt.iterations}|${opt.stateNames.join()}|${parts.join('|')}`;
}

/** One step of the tfjs optimizer and of the core's Madgrad loaded with the same state. */
function checkAgainstCore(
  opt: ReturnType<typeof madgrad>,
  w: tf.Variable,
  what: string,
  random: () => number,
): void {
  const slot: Readonly<Record<string, tf.Variable>> | undefined = opt.stateOf(w.name);
  const k = opt.iterations;
  const p = values(w);
  const core = new Madgrad([param('w', [N], p)], { kernels: 'js', lr: 0.01 });
  if (slot) {
    core.step({ w: new Float32Array(N) }); // a checkpoint with state, to edit
    const { header } = parseState(core.saveState());
    const floats = new Float32Array(3 * N);
    for (const entry of header.tensors) floats.set(values(slot[entry.buffer]!), entry.offset);
    core.loadState(craft({ ...header, k }, floats)); // the same rule: must accept
    p.set(values(w));
  }
  if (!slot) return;
  const g = randomArray(N, random);
  const gt = tf.tensor(g, [2, 3]);
  let tfjsError: unknown = null;
  try {
    opt.applyGradients({ [w.name]: gt });
  } catch (e) {
    tfjsError = e;
  }
  gt.dispose();
  let coreError: unknown = null;
  try {
    core.step({ w: g });
  } catch (e) {
    coreError = e;
  }
  assert.equal(tfjsError === null, coreError === null, `${what}: ${tfjsError} / ${coreError}`);
  assert.ok(bitwiseEqual(values(w), p), `${what}: the step differs from the core's`);
}
