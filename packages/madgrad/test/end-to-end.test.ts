/**
 * A whole training run against the reference: golden/end-to-end/reference-run.json holds a small
 * classifier's data, initial weights, batch order and the loss of every one of 300 steps (and the
 * weights every 10th step) trained by the reference PyTorch MADGRAD (train_reference.py beside
 * it). The same run here, through the core optimizers with a hand-written gradient and through
 * madgrad/tfjs in a custom loop and in model.fit on the cpu and wasm backends, must follow it step
 * by step: float32 rounding differs between the implementations, so the runs drift apart slowly
 * (BOUNDS below). The yardstick of that drift: tfjs's own Adam against torch's Adam on the same
 * run (reference-run-adam.json) drifts about ten times as far.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Madgrad } from '../src/index.js';
import { madgrad } from '../src/tfjs/index.js';
import { ROOT } from './helpers.js';
import { useBackend } from './tfjs-helpers.js';

interface ReferenceRun {
  options: { lr: number; momentum: number; weight_decay: number; eps: number; betas?: number[] };
  sizes: { inputs: number; hidden: number; classes: number; batch: number; steps: number };
  inputs: number[];
  labels: number[];
  order: number[];
  initial: Record<'w1' | 'b1' | 'w2' | 'b2', number[]>;
  losses: number[];
  recorded: { step: number; weights: Record<string, number[]> }[];
}

function referenceRun(file: string): ReferenceRun {
  const path = join(ROOT, '..', '..', 'golden', 'end-to-end', file);
  return JSON.parse(readFileSync(path, 'utf8')) as ReferenceRun;
}

/** MADGRAD's run, and torch's Adam on the same data, weights and batches (the yardstick). */
const RUN = referenceRun('reference-run.json');
const ADAM_RUN = referenceRun('reference-run-adam.json');
const { inputs: IN, hidden: HID, classes: OUT, batch: BATCH, steps: STEPS } = RUN.sizes;
const NAMES = ['w1', 'b1', 'w2', 'b2'] as const;
const SHAPES = { w1: [IN, HID], b1: [HID], w2: [HID, OUT], b2: [OUT] };
const OPTIONS = {
  momentum: RUN.options.momentum,
  weightDecay: RUN.options.weight_decay,
  eps: RUN.options.eps,
};
/**
 * Largest allowed |loss - reference loss| at any step, and |weight - reference| at a record:
 * about five times the largest gap measured on any MADGRAD path (2.4e-7, 4.8e-7), and for the
 * yardstick, five times tfjs's Adam's own gap to torch's (2.7e-6, 4.0e-6).
 */
const BOUNDS = { loss: 2e-6, weight: 2e-6 };
const YARDSTICK_BOUNDS = { loss: 2e-5, weight: 2e-5 };

/** What a path produced: every step's loss, and the weights at the reference's recorded steps. */
interface Trajectory {
  losses: number[];
  weights: Map<number, Record<string, Float32Array>>;
}

function batchAt(step: number): number[] {
  return RUN.order.slice(step * BATCH, (step + 1) * BATCH);
}

/**
 * Compares a path with its reference, naming the first step where it leaves the bounds, and
 * reports the largest gaps (in the test's output) for docs/fidelity.md.
 */
function assertFollows(
  t: TestContext,
  path: string,
  ours: Trajectory,
  reference: ReferenceRun = RUN,
  bounds = BOUNDS,
): void {
  assert.equal(ours.losses.length, STEPS, `${path}: ${ours.losses.length} steps`);
  let lossGap = 0;
  for (let s = 0; s < STEPS; s++) {
    const gap = Math.abs(ours.losses[s]! - reference.losses[s]!);
    lossGap = Math.max(lossGap, gap);
    assert.ok(
      gap <= bounds.loss,
      `${path}: step ${s + 1}: loss ${ours.losses[s]} vs the reference's ${reference.losses[s]}`,
    );
  }
  let weightGap = 0;
  for (const { step, weights } of reference.recorded) {
    for (const name of NAMES) {
      const values = ours.weights.get(step)?.[name];
      assert.ok(values, `${path}: no ${name} after step ${step}`);
      const gap = Math.max(...weights[name]!.map((w, i) => Math.abs(values[i]! - w)));
      weightGap = Math.max(weightGap, gap);
      assert.ok(gap <= bounds.weight, `${path}: ${name} after step ${step} is off by ${gap}`);
    }
  }
  t.diagnostic(
    `${path}: largest gap ${lossGap.toExponential(1)} in a loss, ${weightGap.toExponential(1)} in a weight`,
  );
}

/** The core optimizer over Float32Array weights, with the perceptron's gradient by hand. */
function trainCore(): Trajectory {
  const w = Object.fromEntries(NAMES.map((n) => [n, Float32Array.from(RUN.initial[n])])) as Record<
    (typeof NAMES)[number],
    Float32Array
  >;
  const opt = new Madgrad(
    NAMES.map((name) => ({ name, shape: SHAPES[name], value: w[name] })),
    { lr: RUN.options.lr, ...OPTIONS },
  );
  const grads = Object.fromEntries(NAMES.map((n) => [n, new Float32Array(w[n].length)])) as Record<
    (typeof NAMES)[number],
    Float32Array
  >;
  const t: Trajectory = { losses: [], weights: new Map() };
  for (let step = 0; step < STEPS; step++) {
    for (const g of Object.values(grads)) g.fill(0);
    let loss = 0;
    for (const row of batchAt(step)) {
      const x = RUN.inputs.slice(row * IN, (row + 1) * IN);
      const h = Array.from({ length: HID }, (_, j) => {
        let a = w.b1[j]!;
        for (let i = 0; i < IN; i++) a += x[i]! * w.w1[i * HID + j]!;
        return Math.tanh(a);
      });
      const logits = Array.from({ length: OUT }, (_, k) => {
        let a = w.b2[k]!;
        for (let j = 0; j < HID; j++) a += h[j]! * w.w2[j * OUT + k]!;
        return a;
      });
      const top = Math.max(...logits);
      const sum = logits.reduce((a, l) => a + Math.exp(l - top), 0);
      const label = RUN.labels[row]!;
      loss += Math.log(sum) + top - logits[label]!;
      // d(loss)/d(logit k) = softmax_k - [k = label], averaged over the batch.
      const dLogits = logits.map(
        (l, k) => (Math.exp(l - top) / sum - (k === label ? 1 : 0)) / BATCH,
      );
      for (let k = 0; k < OUT; k++) grads.b2[k]! += dLogits[k]!;
      for (let j = 0; j < HID; j++) {
        let dh = 0;
        for (let k = 0; k < OUT; k++) {
          grads.w2[j * OUT + k]! += h[j]! * dLogits[k]!;
          dh += w.w2[j * OUT + k]! * dLogits[k]!;
        }
        const dPre = dh * (1 - h[j]! * h[j]!);
        grads.b1[j]! += dPre;
        for (let i = 0; i < IN; i++) grads.w1[i * HID + j]! += x[i]! * dPre;
      }
    }
    t.losses.push(loss / BATCH);
    opt.step(grads);
    if ((step + 1) % 10 === 0) {
      t.weights.set(step + 1, Object.fromEntries(NAMES.map((n) => [n, Float32Array.from(w[n])])));
    }
  }
  return t;
}

/** The batches in the reference's order, as tensors: inputs [steps·batch, IN], one-hot labels. */
function orderedData(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const rows = RUN.order.slice(0, STEPS * BATCH);
  const x = tf.tensor2d(
    rows.flatMap((r) => RUN.inputs.slice(r * IN, (r + 1) * IN)),
    [rows.length, IN],
  );
  const y = tf.tidy(() => {
    const labels = tf.tensor1d(
      rows.map((r) => RUN.labels[r]!),
      'int32',
    );
    return tf.cast(tf.oneHot(labels, OUT), 'float32');
  }) as tf.Tensor2D;
  return { x, y };
}

function logitsOf(x: tf.Tensor2D, v: Record<string, tf.Variable>): tf.Tensor2D {
  return tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, v.w1!), v.b1!)), v.w2!), v.b2!);
}

/** A tfjs optimizer (madgrad/tfjs's by default) in a custom loop: `minimize` on each batch. */
function trainTfjsLoop(opt: tf.Optimizer = madgrad(RUN.options.lr, OPTIONS)): Trajectory {
  const { x, y } = orderedData();
  const v = Object.fromEntries(
    NAMES.map((n) => [n, tf.variable(tf.tensor(RUN.initial[n], SHAPES[n]), true, `loop-${n}`)]),
  );
  const t: Trajectory = { losses: [], weights: new Map() };
  for (let step = 0; step < STEPS; step++) {
    const loss = opt.minimize(() => {
      const xb = tf.slice(x, [step * BATCH, 0], [BATCH, IN]);
      const yb = tf.slice(y, [step * BATCH, 0], [BATCH, OUT]);
      return tf.losses.softmaxCrossEntropy(yb, logitsOf(xb, v)) as tf.Scalar;
    }, true)!;
    t.losses.push(loss.dataSync()[0]!);
    loss.dispose();
    if ((step + 1) % 10 === 0) {
      t.weights.set(
        step + 1,
        Object.fromEntries(NAMES.map((n) => [n, Float32Array.from(v[n]!.dataSync())])),
      );
    }
  }
  opt.dispose();
  tf.dispose([x, y, ...Object.values(v)]);
  return t;
}

/** madgrad/tfjs in model.fit: the same perceptron as tfjs-layers dense layers, no shuffling. */
async function trainFit(): Promise<Trajectory> {
  const { x, y } = orderedData();
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: HID, activation: 'tanh', inputShape: [IN] }),
      tfl.layers.dense({ units: OUT }),
    ],
  });
  const initial = NAMES.map((n) => tf.tensor(RUN.initial[n], SHAPES[n]));
  model.setWeights(initial);
  tf.dispose(initial);
  model.compile({
    optimizer: madgrad(RUN.options.lr, OPTIONS),
    loss: (yTrue: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(yTrue, logits),
  });
  const t: Trajectory = { losses: [], weights: new Map() };
  await model.fit(x, y, {
    batchSize: BATCH,
    epochs: 1,
    shuffle: false,
    verbose: 0,
    callbacks: {
      onBatchEnd: async (batch, logs) => {
        t.losses.push(logs!.loss as number);
        if ((batch + 1) % 10 === 0) {
          const weights = model.getWeights().map((w) => Float32Array.from(w.dataSync()));
          t.weights.set(batch + 1, Object.fromEntries(NAMES.map((n, i) => [n, weights[i]!])));
        }
      },
    },
  });
  model.optimizer.dispose();
  model.dispose();
  tf.dispose([x, y]);
  return t;
}

describe('a whole training run follows the reference PyTorch MADGRAD', () => {
  it('the core optimizers with a hand-written gradient', (t) => {
    assertFollows(t, 'core', trainCore());
  });
  for (const backend of ['cpu', 'wasm']) {
    it(`madgrad/tfjs on ${backend}: a custom loop and model.fit`, async (t) => {
      await useBackend(backend);
      assertFollows(t, `${backend} custom loop`, trainTfjsLoop());
      assertFollows(t, `${backend} model.fit`, await trainFit());
    });
    it(`the yardstick: tfjs's own Adam on ${backend} against torch's Adam`, async (t) => {
      await useBackend(backend);
      const { lr, betas, eps } = ADAM_RUN.options;
      const adam = tf.train.adam(lr, betas![0], betas![1], eps);
      assertFollows(t, `${backend} tfjs Adam`, trainTfjsLoop(adam), ADAM_RUN, YARDSTICK_BOUNDS);
    });
  }
});
