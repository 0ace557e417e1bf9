import * as tf from '@tensorflow/tfjs-core';
import { InvalidGradientError } from '../maths/errors.js';
import type { StepOutput } from './ops-step.js';
import type { Slot } from './state-slots.js';
import type { StepItem } from './step-gradients.js';
import { fusedWebGlAvailable, packedOnWebGl } from './webgl-fused-step.js';
import {
  allFiniteOnWebGl,
  sumOfSquaresOnWebGl,
  webGlGradientScanAvailable,
} from './webgl-gradient-scan.js';
import { allFiniteOnDevice, fusedWebGpuAvailable } from './webgpu-fused-step.js';

/**
 * One parameter's step on the device path (run inside `tidy`): the new parameter and buffer
 * values, with `k` the device's step counter (a float32 scalar tensor).
 */
export type DeviceStepKernel = (
  p: tf.Tensor,
  buffers: Slot,
  g: tf.Tensor,
  k: tf.Scalar,
) => StepOutput;

/**
 * One parameter's step recorded as a single fused WGSL dispatch on webgpu, updating the variable
 * and its buffers in place; `consts` = [ok, scale, k] on the device. (On webgl, one fragment
 * program per output buffer does the same: webgl-fused-step.ts.)
 */
export type FusedStepKernel = (p: tf.Variable, slot: Slot, g: tf.Tensor, consts: tf.Tensor) => void;

/** What the device path knows on the host, after its last status read. */
export interface DeviceStepStatus {
  /** Steps applied on the device: the step counter k. */
  readonly steps: number;
  /** Steps refused because a gradient held NaN or Infinity (with `nonFinite: 'skip'`). */
  readonly skipped: number;
}

/**
 * The step on GPU backends without a read-back: the NaN/Infinity check and the clip scale are
 * computed on the device, and every new value is selected against the old one with the check's
 * outcome inside the same step, so a refused step changes nothing there. The device counts the
 * steps it applied (`applied`, which is k); the host reads that counter asynchronously, one read
 * in flight at a time, and learns of refused steps a few steps late:
 *
 * - `throw`: the first refused step also refuses every step queued after it (a step applies only
 *   when the device's k equals the host's), so the state stays exactly as before the bad step;
 *   the next `applyGradients` (or `settle`) throws InvalidGradientError and the host's step
 *   counter returns to the device's.
 * - `skip`: refused steps are skipped on the device and counted when the host learns of them.
 *   The maths of every applied step uses the device's k, so it matches the synchronous paths;
 *   only a learning-rate schedule sees the host's count, which runs ahead by the refused steps
 *   it has not learnt of yet.
 */
export class DeviceStep {
  /** float32 scalar: steps applied on the device (exact up to 2^24 steps). */
  private applied: tf.Variable | null = null;
  private polling: Promise<void> | null = null;
  private refusedAt: number | null = null;

  /**
   * @param host the optimizer's step counter and its skipped-step count, read and written by
   *   the status reads.
   */
  constructor(
    private readonly host: {
      getSteps(): number;
      setSteps(k: number): void;
      addSkipped(n: number): void;
      sticky(): boolean;
    },
  ) {}

  /** Throws the error of a refused step the host has learnt of (`throw` mode), once. */
  throwIfRefused(): void {
    if (this.refusedAt === null) return;
    const k = this.refusedAt;
    this.refusedAt = null;
    throw new InvalidGradientError(
      `step k=${k}: a gradient held NaN or Infinity (found on the device after the step was queued); that step and those queued after it changed nothing, and the step counter is back at ${k} (use nonFinite: 'skip' to skip such steps)`,
    );
  }

  /**
   * Queues one step of every item; `clipNorm` null: no clipping. Nothing is read back. With
   * `fused`, each variable's step is that one dispatch instead of tfjs ops and selects.
   */
  apply(
    items: readonly StepItem[],
    slotOf: (name: string) => Slot,
    step: DeviceStepKernel,
    clipNorm: number | null,
    fused: FusedStepKernel | null = null,
  ): void {
    const kHost = this.host.getSteps();
    const applied = this.counter(kHost);
    // WebGL's fused programs read packed textures: pack each gradient once, for the check too.
    const packed = fused && fusedWebGlAvailable() ? items.map((i) => packedOnWebGl(i.grad)) : null;
    try {
      const grads = packed ? packed.map((p) => p.tensor) : items.map((i) => i.grad);
      const [ok, k, scale] = this.deviceScalars(grads, applied, kHost, clipNorm);
      try {
        if (fused) {
          let consts = tf.tidy(() => tf.stack([tf.cast(ok, 'float32'), scale ?? tf.scalar(1), k]));
          if (packed) {
            // Packed once for the packed programs of every variable.
            const p = packedOnWebGl(consts);
            if (p.copied) consts.dispose();
            consts = p.tensor;
          }
          try {
            items.forEach((item, i) => {
              fused(item.variable, slotOf(item.name), grads[i]!, consts);
            });
          } finally {
            consts.dispose();
          }
        }
        for (const item of fused ? [] : items) {
          const slot = slotOf(item.name);
          tf.tidy(() => {
            const g = scale === undefined ? item.grad : tf.mul(item.grad, scale);
            const next = step(item.variable, slot, g, k);
            item.variable.assign(tf.where(ok, next.p, item.variable));
            for (const [name, value] of Object.entries(next.buffers)) {
              slot[name]!.assign(tf.where(ok, value!, slot[name]!));
            }
          });
        }
        tf.tidy(() => applied.assign(tf.add(applied, tf.cast(ok, 'float32'))));
      } finally {
        tf.dispose([ok, k, ...(scale ? [scale] : [])]);
      }
    } finally {
      for (const p of packed ?? []) if (p.copied) p.tensor.dispose();
    }
    this.poll(kHost + 1);
  }

  /**
   * [ok, k, scale] on the device: ok (bool) when every gradient is finite (and, with `throw`,
   * no refused step is pending), k the applied-step counter, scale the clip scale (absent
   * without clipping). Nothing is read back.
   */
  private deviceScalars(
    grads: readonly tf.Tensor[],
    applied: tf.Variable,
    kHost: number,
    clipNorm: number | null,
  ): [tf.Scalar, tf.Scalar, tf.Scalar?] {
    return tf.tidy((): [tf.Scalar, tf.Scalar, tf.Scalar?] => {
      // One parallel dispatch per gradient on webgpu (a tfjs `all` reduces on one workgroup),
      // one pass per gradient on WebGL2.
      const webGlScan = webGlGradientScanAvailable();
      const finite = fusedWebGpuAvailable()
        ? tf.greater(tf.reshape(allFiniteOnDevice(grads), []), 0)
        : webGlScan
          ? allFiniteOnWebGl(grads)
          : tf.all(tf.stack(grads.map((g) => tf.all(tf.isFinite(g)))));
      // `throw`: a step applies only while no refused step is pending (device k = host k).
      const ok = this.host.sticky()
        ? tf.logicalAnd(finite, tf.equal(applied, tf.scalar(kHost)))
        : finite;
      const k = tf.clone(applied) as tf.Scalar;
      if (clipNorm === null) return [ok as tf.Scalar, k];
      // clip_grad_norm_: maxNorm / (norm + 1e-6), at most 1 (float32 sum of squares).
      const norm = tf.sqrt(
        webGlScan ? sumOfSquaresOnWebGl(grads) : tf.addN(grads.map((g) => tf.sum(tf.square(g)))),
      );
      return [
        ok as tf.Scalar,
        k,
        tf.minimum(tf.div(tf.scalar(clipNorm), tf.add(norm, 1e-6)), 1) as tf.Scalar,
      ];
    });
  }

  /** Waits for every queued step and brings the host's counters up to date. */
  async settle(): Promise<void> {
    while (this.polling) await this.polling;
    if (this.applied) {
      this.poll(this.host.getSteps());
      await this.polling;
    }
  }

  /** The step counter now lives on the host only (after `setWeights`): the device follows. */
  reset(k: number): void {
    if (this.applied) tf.tidy(() => this.applied!.assign(tf.scalar(k)));
    this.refusedAt = null;
  }

  dispose(): void {
    this.applied?.dispose();
    this.applied = null;
  }

  private counter(k: number): tf.Variable {
    this.applied ??= tf.tidy(() => tf.variable(tf.scalar(k), false));
    return this.applied;
  }

  /** Starts an asynchronous read of the device counter, expected at `expected` steps. */
  private poll(expected: number): void {
    if (this.polling || !this.applied) return;
    const snapshot = tf.clone(this.applied);
    this.polling = snapshot
      .data()
      .then((values) => {
        const refused = expected - values[0]!;
        if (refused <= 0) return;
        const steps = this.host.getSteps();
        if (this.host.sticky()) {
          // Every step since the refused one was refused too: back to the device's k.
          this.host.setSteps(values[0]!);
          this.refusedAt = values[0]!;
        } else {
          this.host.setSteps(steps - refused);
          this.host.addSkipped(refused);
        }
      })
      // A failed read tells nothing: the next one will.
      .catch(() => {})
      .finally(() => {
        snapshot.dispose();
        this.polling = null;
      });
  }
}
