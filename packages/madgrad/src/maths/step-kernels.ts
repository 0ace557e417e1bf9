import { effectiveLr, type OptimizerOptions } from './options.js';

/**
 * The per-coordinate maths of one optimizer step, over flat Float32Arrays, in plain TypeScript.
 *
 * These loops are the reference semantics of `madgrad.py` / `mirror_madgrad.py` (v1.3): every
 * buffer is float32 and is rounded after each update, as PyTorch does, while intermediates are
 * float64. Faster implementations (WebAssembly kernels) implement the same `StepKernels`
 * interface and are checked against the same golden trajectories.
 */

/** Scalars of one MADGRAD step for one parameter group. */
export interface MadgradScalars {
  /** λ_k = lr' · sqrt(k + 1): the dual-averaging weight of this step's gradient. */
  readonly lamb: number;
  /** lr' = lr + eps (0 when lr is 0), used by decoupled decay. */
  readonly lr: number;
  readonly momentum: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupleDecay: boolean;
}

/** Buffers of one MADGRAD parameter; `x0` is null when momentum is 0. */
export interface MadgradBuffers {
  readonly p: Float32Array;
  readonly v: Float32Array;
  readonly s: Float32Array;
  readonly x0: Float32Array | null;
}

/** Scalars of one MirrorMADGRAD step for one parameter group. */
export interface MirrorScalars {
  /** lr' · (k + 1)^(1/3): the step size applied to g / (cbrt(v) + eps). */
  readonly stepSize: number;
  /** sqrt(k / (k + 1)): the rescaling of v before this step's g² is added. */
  readonly ratio: number;
  /** lr' = lr + eps (0 when lr is 0), used by decoupled decay. */
  readonly lr: number;
  readonly momentum: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly decoupleDecay: boolean;
}

export interface MirrorBuffers {
  readonly p: Float32Array;
  readonly v: Float32Array;
  readonly z: Float32Array;
}

/** A set of dense step implementations; the optimizers call whichever set they were given. */
export interface StepKernels {
  readonly name: string;
  madgradDense(buffers: MadgradBuffers, g: Float32Array, c: MadgradScalars): void;
  mirrorDense(buffers: MirrorBuffers, g: Float32Array, c: MirrorScalars): void;
  /**
   * Optional: a zeroed Float32Array for a state buffer, placed where these kernels work fastest
   * (the WebAssembly kernels put it in their memory). Plain arrays are used without it.
   */
  allocate?(length: number): Float32Array;
  /** Optional: index of the first NaN or ±Infinity in `values`, or -1 (gradient validation). */
  firstNonFinite?(values: Float32Array): number;
}

/** MADGRAD's scalars at step k: λ_k = lr'·sqrt(k + 1) with lr' = lr + eps (0 stays 0). */
export function madgradScalars(options: OptimizerOptions, k: number): MadgradScalars {
  const lr = effectiveLr(options);
  return {
    lamb: lr * Math.sqrt(k + 1),
    lr,
    momentum: options.momentum,
    eps: options.eps,
    weightDecay: options.weightDecay,
    decoupleDecay: options.decoupleDecay,
  };
}

/** MirrorMADGRAD's scalars at step k: step size lr'·(k + 1)^(1/3), v rescaled by sqrt(k/(k + 1)). */
export function mirrorScalars(options: OptimizerOptions, k: number): MirrorScalars {
  const lr = effectiveLr(options);
  return {
    stepSize: lr * Math.cbrt(k + 1),
    ratio: Math.sqrt(k / (k + 1)),
    lr,
    momentum: options.momentum,
    eps: options.eps,
    weightDecay: options.weightDecay,
    decoupleDecay: options.decoupleDecay,
  };
}

const fround = Math.fround;
const cbrt = Math.cbrt;

/**
 * MADGRAD on `length` coordinates starting at `pStart` in the parameter buffers and at `gStart`
 * in `g`. Dense steps cover the whole tensor; row-sparse steps call it once per row.
 *
 *   g  += wd · x                       (coupled decay)
 *   v  += λ g²;  s += λ g
 *   z   = x0 − s / (cbrt(v) + eps)     (dual averaging with a cube-root denominator, eq. 6 of
 *                                        Defazio & Jelassi 2021)
 *   x   = β x + (1 − β) z              (momentum as iterate averaging)
 *   x  −= lr' · wd · x_old             (decoupled decay)
 *
 * With momentum 0 there is no x0 buffer: x0 = x + s / (cbrt(v) + eps) is recovered from the
 * state. Where that denominator is 0 (eps = 0, no gradient yet) the coordinate contributes
 * s / rms = 0, where the reference computes 0/0 and gets NaN: the corrected semantics that the
 * golden reference trajectories adopt (see FORMAT.md, the format notes beside them).
 */
export function madgradRange(
  b: MadgradBuffers,
  g: Float32Array,
  c: MadgradScalars,
  pStart: number,
  gStart: number,
  length: number,
): void {
  const { p, v, s, x0 } = b;
  const { lamb, lr, momentum, eps, weightDecay } = c;
  const coupled = weightDecay !== 0 && !c.decoupleDecay;
  const decoupled = weightDecay !== 0 && c.decoupleDecay;
  const average = 1 - momentum;
  for (let j = 0; j < length; j++) {
    const i = pStart + j;
    const pi = p[i]!;
    let gi = g[gStart + j]!;
    if (coupled) gi = fround(gi + weightDecay * pi);
    let x0i: number;
    if (x0 === null) {
      const rms0 = cbrt(v[i]!) + eps;
      x0i = rms0 === 0 ? pi : pi + s[i]! / rms0;
    } else {
      x0i = x0[i]!;
    }
    const vi = fround(v[i]! + lamb * gi * gi);
    const si = fround(s[i]! + lamb * gi);
    v[i] = vi;
    s[i] = si;
    const rms = cbrt(vi) + eps;
    // rms = 0 only when eps = 0 and v = 0; the reference then divides by +inf, giving z = x0.
    const z = rms === 0 ? x0i : x0i - si / rms;
    let next = momentum * pi + average * z;
    if (decoupled) next -= lr * weightDecay * pi;
    p[i] = next;
  }
}

/**
 * MirrorMADGRAD on every coordinate:
 *
 *   z  *= 1 − lr' · wd                 (decoupled decay, before the step)   or   g += wd · x
 *   v   = v · sqrt(k / (k + 1)) + g²
 *   z  −= lr' (k + 1)^(1/3) · g / (cbrt(v) + eps)
 *   x   = β x + (1 − β) z
 */
export function mirrorRange(b: MirrorBuffers, g: Float32Array, c: MirrorScalars): void {
  const { p, v, z } = b;
  const { stepSize, ratio, lr, momentum, eps, weightDecay } = c;
  const coupled = weightDecay !== 0 && !c.decoupleDecay;
  const shrink = weightDecay !== 0 && c.decoupleDecay ? lr * weightDecay : 0;
  const average = 1 - momentum;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    let gi = g[i]!;
    let zi = z[i]!;
    if (coupled) gi = fround(gi + weightDecay * pi);
    if (shrink !== 0) zi = fround(zi - shrink * zi);
    const vi = fround(fround(v[i]! * ratio) + gi * gi);
    v[i] = vi;
    const rms = cbrt(vi) + eps;
    // rms = 0 (eps = 0, v = 0) means g = 0: the reference's division by +inf leaves z as is.
    if (rms !== 0) zi = fround(zi - (stepSize * gi) / rms);
    z[i] = zi;
    p[i] = momentum * pi + average * zi;
  }
}

/** The plain TypeScript kernels: always available, and the baseline every other set must match. */
export const jsKernels: StepKernels = {
  name: 'js',
  madgradDense(buffers, g, c) {
    madgradRange(buffers, g, c, 0, 0, buffers.p.length);
  },
  mirrorDense(buffers, g, c) {
    mirrorRange(buffers, g, c);
  },
};
