/**
 * The building blocks of the lab's convolutional models, as plain tfjs-core ops over seeded
 * variables (NHWC): convolutions, transposed convolutions, batch normalisation, dense layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../data/rng.js';

/** Variables of a model: those the optimizer trains, and state it must leave alone. */
export interface ModelVariables {
  readonly trainable: tf.Variable[];
  readonly state: tf.Variable[];
}

let counter = 0;

function variable(values: Float32Array, shape: number[], label: string, trainable = true) {
  counter += 1;
  return tf.variable(tf.tensor(values, shape), trainable, `${label}_${counter}`);
}

/** He-normal values (std sqrt(2 / fanIn)), the usual start for ReLU networks. */
function heNormal(rng: Rng, fanIn: number, count: number): Float32Array {
  const std = Math.sqrt(2 / fanIn);
  return Float32Array.from({ length: count }, () => rng.normal() * std);
}

/** A k x k convolution from `inC` to `outC` channels with a bias. */
export function conv2dLayer(
  vars: ModelVariables,
  rng: Rng,
  label: string,
  k: number,
  inC: number,
  outC: number,
  options: { stride?: number; bias?: boolean } = {},
): (x: tf.Tensor4D) => tf.Tensor4D {
  const w = variable(heNormal(rng, k * k * inC, k * k * inC * outC), [k, k, inC, outC], label);
  vars.trainable.push(w);
  const b = options.bias === false ? null : variable(new Float32Array(outC), [outC], `${label}_b`);
  if (b) vars.trainable.push(b);
  const stride = options.stride ?? 1;
  return (x) => {
    const y = tf.conv2d(x, w as tf.Tensor4D, stride, 'same');
    return b ? tf.add(y, b) : y;
  };
}

/** A transposed convolution doubling height and width (kernel 2, stride 2). */
export function upConv2dLayer(
  vars: ModelVariables,
  rng: Rng,
  label: string,
  inC: number,
  outC: number,
): (x: tf.Tensor4D) => tf.Tensor4D {
  // conv2dTranspose's filter is [k, k, outC, inC].
  const w = variable(heNormal(rng, 4 * inC, 4 * inC * outC), [2, 2, outC, inC], label);
  const b = variable(new Float32Array(outC), [outC], `${label}_b`);
  vars.trainable.push(w, b);
  return (x) => {
    const [n, h, wd] = x.shape;
    const y = tf.conv2dTranspose(x, w as tf.Tensor4D, [n, h * 2, wd * 2, outC], 2, 'same');
    return tf.add(y, b);
  };
}

/**
 * Batch normalisation over N, H, W: batch statistics while training (and an exponential
 * average of them, momentum 0.9, kept for evaluation), the averages otherwise. While training it
 * is {@link normaliseByBatch}, whose gradient is written out.
 */
export function batchNormLayer(
  vars: ModelVariables,
  label: string,
  channels: number,
): (x: tf.Tensor4D, training: boolean) => tf.Tensor4D {
  const gamma = variable(new Float32Array(channels).fill(1), [channels], `${label}_gamma`);
  const beta = variable(new Float32Array(channels), [channels], `${label}_beta`);
  const mean = variable(new Float32Array(channels), [channels], `${label}_mean`, false);
  const variance = variable(new Float32Array(channels).fill(1), [channels], `${label}_var`, false);
  vars.trainable.push(gamma, beta);
  vars.state.push(mean, variance);
  const as1d = (t: tf.Tensor) => t as tf.Tensor1D;
  return (x, training) => {
    if (!training) {
      return tf.batchNorm4d(x, as1d(mean), as1d(variance), as1d(beta), as1d(gamma), 1e-5);
    }
    return normaliseByBatch(x, gamma, beta, 1e-5, (m) => {
      mean.assign(tf.tidy(() => tf.add(tf.mul(mean, 0.9), tf.mul(m.mean, 0.1))));
      variance.assign(tf.tidy(() => tf.add(tf.mul(variance, 0.9), tf.mul(m.variance, 0.1))));
    });
  };
}

/**
 * y = gamma · (x - mean) / sqrt(variance + eps) + beta with the batch's mean and (biased)
 * variance over N, H, W: the maths of tf.moments then tf.batchNorm4d, with the gradient written
 * out instead of taken through both (a quarter of the kernels). With x̂ the normalised x, s the
 * inverse deviation and n the positions per channel:
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·s·(dy - dβ/n - x̂·dγ/n),
 * which includes the paths through the mean and the variance. `statistics` receives them.
 */
export function normaliseByBatch(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  eps: number,
  statistics: (m: { mean: tf.Tensor; variance: tf.Tensor }) => void = () => {},
): tf.Tensor4D {
  const axes = [0, 1, 2];
  const positions = x.shape[0] * x.shape[1] * x.shape[2];
  // customGrad passes the inputs, then the function that saves tensors for the gradient.
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, b] = args as [tf.Tensor4D, tf.Tensor, tf.Tensor];
    const save = args[3] as tf.GradSaveFunc;
    const moments = tf.moments(input, axes);
    statistics(moments);
    const inverse = tf.rsqrt(tf.add(moments.variance, eps));
    const normalised = tf.mul(tf.sub(input, moments.mean), inverse);
    save([normalised, inverse, g]);
    return {
      value: tf.add(tf.mul(normalised, g), b),
      gradFunc: (dy, saved) => {
        const [xHat, s, gain] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xHat), axes);
        const centred = tf.sub(
          tf.sub(dy, tf.div(dBeta, positions)),
          tf.mul(xHat, tf.div(dGamma, positions)),
        );
        return [tf.mul(tf.mul(gain, s), centred), dGamma, dBeta];
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor4D;
}

/** A dense layer from `inC` to `outC` features with a bias (Glorot-uniform weights). */
export function denseLayer(
  vars: ModelVariables,
  rng: Rng,
  label: string,
  inC: number,
  outC: number,
): (x: tf.Tensor2D) => tf.Tensor2D {
  const limit = Math.sqrt(6 / (inC + outC));
  const values = Float32Array.from({ length: inC * outC }, () => (rng.next() * 2 - 1) * limit);
  const w = variable(values, [inC, outC], label);
  const b = variable(new Float32Array(outC), [outC], `${label}_b`);
  vars.trainable.push(w, b);
  return (x) => tf.add(tf.matMul(x, w as tf.Tensor2D), b);
}
