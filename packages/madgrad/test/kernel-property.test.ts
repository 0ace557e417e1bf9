import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allocateKernelArray,
  InvalidGradientError,
  Madgrad,
  MirrorMadgrad,
  type Parameter,
  type StatefulOptimizer,
} from '../src/index.js';
import { madgradGradientLimit, mirrorGradientLimit } from '../src/maths/gradient-limits.js';
import type { OptimizerOptions } from '../src/maths/options.js';
import type { StateBuffers } from '../src/maths/state-limits.js';
import { param, rng } from './helpers.js';

/**
 * A seeded property test: the WebAssembly kernels against the TypeScript loops (the reference
 * semantics) over random lengths, options, and gradient magnitudes from 1e-30 up to the overflow
 * limit, with entries placed on both sides of the limit. Both must take the same accept/refuse
 * decision at every step, and agree within the golden tolerance (FORMAT.md), measured against the
 * trajectory's own scale where it leaves O(1).
 */
const SEED = 7_2021;
const TRAJECTORIES = 2000;
const STEPS = 4;
const TIME_BUDGET_MS = 10000;

type Kind = 'madgrad' | 'mirror-madgrad';

function build(kind: Kind, params: Parameter[], options: Partial<OptimizerOptions>, js: boolean) {
  const config = { ...options, kernels: js ? ('js' as const) : ('wasm' as const) };
  return kind === 'madgrad' ? new Madgrad(params, config) : new MirrorMadgrad(params, config);
}

function limitOf(kind: Kind, options: OptimizerOptions, k: number): number {
  return kind === 'madgrad' ? madgradGradientLimit(options, k) : mirrorGradientLimit(options, k);
}

/** The next float32 above a positive float32. */
function nextUp(x: number): number {
  const bits = new Uint32Array(new Float32Array([x]).buffer);
  bits[0]! += 1;
  return new Float32Array(bits.buffer)[0]!;
}

function randomOptions(random: () => number, kind: Kind): Partial<OptimizerOptions> {
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  return {
    lr: 10 ** (-4 + 5 * random()),
    momentum: pick([0, 0.9, random() * 0.99]),
    eps: pick(kind === 'madgrad' ? [1e-6, 0, 10 ** (-8 + 6 * random())] : [0, 1e-6]),
    weightDecay: pick([0, 0, 10 ** (-4 + 3 * random())]),
    decoupleDecay: random() < 0.5,
  };
}

/** The largest |value| each buffer held so far: the scale against which errors are measured. */
type Scales = Map<string, number>;

function compare(
  what: string,
  name: string,
  got: Float32Array,
  want: Float32Array,
  scales: Scales,
): void {
  let scale = scales.get(name) ?? 1;
  for (const x of want) scale = Math.max(scale, Math.abs(x));
  scales.set(name, scale);
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!;
    const b = want[i]!;
    // The golden tolerance |a − b| <= 1e-6 + 1e-4 |b|, its absolute term in units of the scale.
    if (!(Math.abs(a - b) <= 1e-6 * scale + 1e-4 * Math.abs(b)) && !(a === b)) {
      assert.fail(`${what}: ${name}[${i}]: wasm ${a}, TypeScript ${b} (scale ${scale})`);
    }
  }
}

describe('WebAssembly kernels against the TypeScript loops (seeded property test)', () => {
  it(`${TRAJECTORIES} random trajectories: same decisions, values within the golden tolerance`, (t) => {
    const random = rng(SEED);
    const started = Date.now();
    let steps = 0;
    let refusals = 0;
    let done = 0;
    for (let trial = 0; trial < TRAJECTORIES && Date.now() - started < TIME_BUDGET_MS; trial++) {
      const kind: Kind = random() < 0.5 ? 'madgrad' : 'mirror-madgrad';
      const options = randomOptions(random, kind);
      // Mostly short tensors (the SIMD body and its tail); some longer than a staging slot.
      const n = random() < 0.9 ? Math.floor(random() * 70) : 8192 + Math.floor(random() * 900);
      const init = Float32Array.from({ length: n }, () => random() * 2 - 1);
      // Arrays in the kernels' memory are stepped in place; others are copied through it.
      const inMemory = random() < 0.5;
      const wasmValue = inMemory ? allocateKernelArray(n) : new Float32Array(n);
      wasmValue.set(init);
      const tsValue = init.slice();
      const ts = build(kind, [param('w', [n], tsValue)], options, true);
      const wasm = build(kind, [param('w', [n], wasmValue)], options, false);
      const resolved = ts.groups[0]!;
      // One magnitude per trajectory, 1e-30 up to the limit, log-uniform.
      const top = Math.log10(limitOf(kind, resolved, STEPS));
      const magnitude = 10 ** (-30 + (top + 30) * random());
      const scales: Scales = new Map();
      const what = `trajectory ${trial} (seed ${SEED}, ${kind}, n ${n}, ${JSON.stringify(options)}, magnitude ${magnitude})`;
      for (let k = 0; k < STEPS; k++) {
        const limit = limitOf(kind, resolved, ts.stepCount);
        const g = inMemory ? allocateKernelArray(n) : new Float32Array(n);
        for (let i = 0; i < n; i++) g[i] = (random() * 2 - 1) * Math.min(magnitude, limit);
        // Entries on the limit (accepted) or just past it (refused).
        if (n > 0 && random() < 0.3) {
          const at = Math.floor(random() * n);
          g[at] = (random() < 0.5 ? -1 : 1) * (random() < 0.5 ? limit : nextUp(limit));
        }
        const outcome = (opt: StatefulOptimizer) => {
          try {
            opt.step({ w: g });
            return 'applied';
          } catch (e) {
            assert.ok(e instanceof InvalidGradientError, `${what}: ${e}`);
            return 'refused';
          }
        };
        const expected = outcome(ts);
        const beyond = g.some((x) => !(Math.abs(x) <= limit));
        assert.equal(
          expected,
          beyond ? 'refused' : 'applied',
          `${what}: step ${k} against the limit`,
        );
        assert.equal(outcome(wasm), expected, `${what}: step ${k} decision`);
        if (expected === 'refused') refusals += 1;
        steps += 1;
        compare(`${what} step ${k}`, 'p', wasmValue, tsValue, scales);
        const want: StateBuffers | undefined = ts.stateOf('w');
        const got: StateBuffers | undefined = wasm.stateOf('w');
        assert.equal(got === undefined, want === undefined);
        for (const [name, buffer] of Object.entries(want ?? {})) {
          compare(`${what} step ${k}`, name, got![name]!, buffer, scales);
        }
      }
      done += 1;
    }
    t.diagnostic(`${done} trajectories, ${steps} steps, ${refusals} refused`);
    assert.ok(done >= 50 && refusals > 0);
  });
});
