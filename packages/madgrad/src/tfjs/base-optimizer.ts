import * as tf from '@tensorflow/tfjs-core';
import { clipScale } from '../maths/clipping.js';
import { InvalidGradientError, InvalidOptionError } from '../maths/errors.js';
import { FLOAT32_MAX } from '../maths/gradient-limits.js';
import { type OptimizerOptions, resolveOptions } from '../maths/options.js';
import { quote } from '../maths/quote.js';
import { isSchedule } from '../maths/schedules.js';
import { finiteStateProblem, type StateBuffers, type StateProblem } from '../maths/state-limits.js';
import type { StepKernels } from '../maths/step-kernels.js';
import { checkStepCount } from '../optimizers/state-codec.js';
import { type FastBackendName, fastBackendName } from './backend-memory.js';
import {
  checkLearningRate,
  getDefaultStepKernels,
  type LearningRate,
  learningRateToConfig,
  type NonFiniteMode,
  type ResolvedConfig,
  resolveConfig,
  type StepPathChoice,
  type TfjsOptimizerConfig,
} from './config.js';
import { DeviceStep, type DeviceStepStatus, type FusedStepKernel } from './device-step.js';
import { iterationTensor, sameIterationShape } from './iteration-count.js';
import { minimizeOrDispose } from './minimize.js';
import type { NamedTensor } from './named-tensor.js';
import { applyWithOps, scanWithOps } from './ops-step.js';
import { checkStartingPoints } from './starting-points.js';
import { StateSlots } from './state-slots.js';
import { collectStepGradients } from './step-gradients.js';
import { ViewStep } from './view-step.js';
import { fusedWebGlAvailable } from './webgl-fused-step.js';
import { fusedWebGpuAvailable } from './webgpu-fused-step.js';
import { readWeights, weightsOf } from './weights.js';

let warnedHalfFloat = false;

/**
 * WebGL devices without 32-bit float render targets make tfjs keep every tensor in 16-bit
 * floats: say so once, visibly, rather than lose precision silently.
 */
function warnIfHalfFloat(): void {
  if (warnedHalfFloat || tf.getBackend() !== 'webgl') return;
  if (tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) return;
  warnedHalfFloat = true;
  console.warn(
    'madgrad: this WebGL device cannot render to 32-bit float textures, so TensorFlow.js stores ' +
      'every tensor as a 16-bit float: parameters and optimizer state lose precision (about 3 ' +
      'significant digits). Use the webgpu, wasm or cpu backend for full precision.',
  );
}

/**
 * What `MadgradOptimizer` and `MirrorMadgradOptimizer` share, on top of tfjs's `Optimizer`:
 *
 * - State is keyed by variable name and created at a variable's first gradient, as in the
 *   reference; a step may carry any subset of variables in any order (`StateSlots`).
 * - A step validates everything first (names, shapes, dtypes, NaN/Infinity, the learning rate),
 *   then applies to every variable: it applies completely or not at all, and a step that throws
 *   leaves no tensor behind, `minimize` included.
 * - On the cpu and wasm backends the step runs the core's kernels over the tensors' storage
 *   (`ViewStep`). On webgl and webgpu it takes the device path (`device-step.ts`): checked,
 *   clipped and applied on the GPU without a read-back, as one fused WGSL dispatch per variable
 *   on webgpu, one fragment program per output buffer on webgl, or as tfjs ops elsewhere. With `path: 'ops'` it runs
 *   as tfjs ops inside `tidy` with a synchronous check (`ops-step.ts`).
 * - `getWeights` / `setWeights` carry the iteration count (`iter`) and every buffer as
 *   `<variable name>/<buffer>`, with the reference's buffer names (`weights.ts`).
 */
export abstract class MadgradFamilyOptimizer extends tf.Optimizer {
  private lr: LearningRate;
  protected readonly options: Readonly<Omit<OptimizerOptions, 'lr'>>;
  private readonly clipNorm: number | null;
  private readonly nonFinite: NonFiniteMode;
  private readonly kernelsOverride: StepKernels | null;
  private readonly path: StepPathChoice;
  private readonly slots = new StateSlots();
  private readonly viewStep = new ViewStep(() => this.kernels());
  private readonly deviceStep = new DeviceStep({
    getSteps: () => this.iterations_,
    setSteps: (k) => {
      this.iterations_ = k;
    },
    addSkipped: (n) => {
      this.skipped += n;
    },
    sticky: () => this.nonFinite === 'throw',
  });
  private iterVariable: tf.Variable | null = null;
  private skipped = 0;

  protected constructor(
    config: TfjsOptimizerConfig | Record<string, unknown>,
    defaults: Readonly<OptimizerOptions>,
  ) {
    super();
    const resolved: ResolvedConfig = resolveConfig(config, defaults);
    this.lr = resolved.learningRate;
    this.options = Object.freeze(resolved.options);
    this.clipNorm = resolved.clipNorm;
    this.nonFinite = resolved.nonFinite;
    this.kernelsOverride = resolved.kernels;
    this.path = resolved.path;
    this.iterations_ = 0;
  }

  /** Builds an optimizer from `getConfig()` output (tfjs-layers adds `customObjects`: ignored). */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { customObjects: _ignored, ...rest } = config;
    return new cls(rest);
  }

  /** The largest |gradient entry| a step accepts (see maths/gradient-limits.ts). */
  protected gradientLimit(_lr: number, _k: number): number {
    return FLOAT32_MAX;
  }

  /** The largest |value| a variable may hold at its first step (see starting-points.ts). */
  protected startingPointLimit(): number | null {
    return null;
  }

  /**
   * The first value of a variable's state (from `setWeights`) that breaks the state rule (see
   * maths/state-limits.ts, shared with the core's `loadState`), or null.
   */
  protected stateProblem(buffers: StateBuffers): StateProblem | null {
    return finiteStateProblem(buffers);
  }

  /** Names of the buffers kept per variable, in `getWeights` order. */
  protected abstract bufferNames(): readonly string[];
  /** Initial value of a buffer for a variable that gets its first gradient. */
  protected abstract initialBuffer(buffer: string, variable: tf.Variable): tf.Tensor;
  /** The step on Float32Array views (cpu, wasm); `lr` is the schedule's value, `k` the step. */
  protected abstract kernelStep(
    kernels: StepKernels,
    p: Float32Array,
    buffers: Record<string, Float32Array>,
    g: Float32Array,
    lr: number,
    k: number,
  ): void;
  /**
   * The step in tfjs ops (called inside tidy): the new parameter and buffer values. `k` is a
   * number on the ops path, the device's float32 step counter on the device path.
   */
  protected abstract opsStep(
    p: tf.Tensor,
    buffers: Record<string, tf.Tensor>,
    g: tf.Tensor,
    lr: number,
    k: number | tf.Scalar,
  ): { p: tf.Tensor; buffers: Record<string, tf.Tensor> };

  /**
   * The step of one variable as one fused WGSL dispatch on webgpu, used in place of the ops on
   * the device path (`consts` = [ok, scale, k] on the device), or null where the optimizer has
   * none. WebGL's fused programs (one per output buffer) are in webgl-fused-step.ts.
   */
  protected abstract fusedStep(lr: number): FusedStepKernel | null;

  /** The learning rate: a number or a schedule of the step. */
  get learningRate(): LearningRate {
    return this.lr;
  }

  /** Sets the learning rate (a number or a schedule); takes effect from the next step. */
  setLearningRate(lr: LearningRate): void {
    checkLearningRate(lr);
    if (typeof lr === 'number') resolveOptions({ ...this.options, lr });
    this.lr = lr;
  }

  /** The learning rate the next step will use. */
  get currentLearningRate(): number {
    return this.learningRateAt(this.iterations);
  }

  /** Steps skipped because a gradient held NaN or Infinity (with `nonFinite: 'skip'`). */
  get skippedSteps(): number {
    return this.skipped;
  }

  /** The state variables of a variable (live; do not dispose), or undefined before its first step. */
  stateOf(variableName: string): Readonly<Record<string, tf.Variable>> | undefined {
    return this.slots.get(variableName);
  }

  /** Names of the variables that have state, in the order of `getWeights`. */
  get stateNames(): string[] {
    return this.slots.names();
  }

  /**
   * Which implementation the next step runs: the kernels' name on cpu/wasm; on the device path
   * (no read-back, webgl/webgpu) "fused WGSL on webgpu", "fused programs on webgl" or "device
   * ops"; or "ops" (tfjs ops with a synchronous check).
   */
  get stepPath(): string {
    const fast = this.fastBackend();
    if (fast !== null) return `${this.kernels().name} kernels on ${fast}`;
    if (!this.onDevice()) return 'ops';
    if (fusedWebGpuAvailable()) return 'fused WGSL on webgpu';
    return fusedWebGlAvailable() ? 'fused programs on webgl' : `device ops on ${tf.getBackend()}`;
  }

  /**
   * Waits until every queued step has run and returns the step counter and the skipped steps.
   * On the device path (webgl, webgpu) a NaN or Infinity in a gradient is found on the device;
   * with `nonFinite: 'throw'` this rejects with InvalidGradientError when a step was refused
   * (as the next `applyGradients` would throw). Elsewhere it resolves at once.
   */
  async stepStatus(): Promise<DeviceStepStatus> {
    await this.deviceStep.settle();
    this.deviceStep.throwIfRefused();
    return { steps: this.iterations, skipped: this.skipped };
  }

  private kernels(): StepKernels {
    return this.kernelsOverride ?? getDefaultStepKernels();
  }

  private fastBackend(): FastBackendName | null {
    return this.path === 'auto' ? fastBackendName() : null;
  }

  /** The device path: asked for, or `auto` on a backend whose memory we cannot address. */
  private onDevice(): boolean {
    return this.path === 'device' || (this.path === 'auto' && fastBackendName() === null);
  }

  /**
   * The learning rate of step k, checked as a numeric rate is at construction (finite, >= 0,
   * and lr + eps and (lr + eps)·weightDecay within float32), before anything changes.
   */
  private learningRateAt(k: number): number {
    const lr = typeof this.lr === 'function' ? this.lr(k) : this.lr;
    const source = isSchedule(this.lr)
      ? `learning rate schedule ${this.lr.config.kind}`
      : typeof this.lr === 'function'
        ? 'learning rate function'
        : 'learning rate';
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new InvalidOptionError(
        `the ${source} returned ${quote(lr)} at step ${k}; it must be a finite number >= 0`,
      );
    }
    resolveOptions({ ...this.options, lr }, {}, `the ${source} at step ${k}: `);
    return lr;
  }

  /** As tfjs's `minimize`, but a step that throws disposes the cost and gradients it computed. */
  override minimize(
    f: () => tf.Scalar,
    returnCost = false,
    varList?: tf.Variable[],
  ): tf.Scalar | null {
    return minimizeOrDispose(this, f, returnCost, varList);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    this.deviceStep.throwIfRefused();
    const k = this.iterations;
    checkStepCount(k, 'saved weights');
    const first = this.bufferNames()[0]!;
    const items = collectStepGradients(variableGradients, k, (name) =>
      this.slots.shapeOf(name, first),
    );
    const lr = this.learningRateAt(k);
    const fast = this.fastBackend();
    if (!fast && this.onDevice()) {
      this.applyOnDevice(items, lr);
      return;
    }
    const clipping = this.clipNorm !== null;
    // Clipping leaves every entry at most clipNorm: then only the entries' finiteness matters.
    const overflow = this.gradientLimit(lr, k);
    const limit = clipping && this.clipNorm! <= overflow ? FLOAT32_MAX : overflow;
    const { bad, sumSquares } = fast
      ? this.viewStep.scan(items, fast, clipping, limit)
      : scanWithOps(items, clipping, limit);
    if (bad !== null) {
      if (this.nonFinite === 'skip') {
        this.skipped += 1;
        return;
      }
      throw new InvalidGradientError(
        `step k=${k}: the gradient of variable "${bad}" holds NaN or Infinity, or an entry beyond ${limit.toExponential(4)} (whose square would overflow the float32 state to Infinity); nothing was changed (use nonFinite: 'skip' to skip such steps)`,
      );
    }
    const start = this.startingPointLimit();
    if (start !== null) {
      checkStartingPoints(items, (name) => !this.slots.get(name), fast !== null, start, k);
    }
    const scale = this.clipNorm === null ? 1 : clipScale(Math.sqrt(sumSquares), this.clipNorm);
    const buffers = this.bufferNames();
    for (const item of items) {
      this.slots.claim(item.name, item.variable, buffers, (b) =>
        this.initialBuffer(b, item.variable),
      );
    }
    const slotOf = (name: string) => this.slots.get(name)!;
    if (fast) {
      this.viewStep.apply(
        items,
        slotOf,
        (kernels, p, b, g) => this.kernelStep(kernels, p, b, g, lr, k),
        scale,
        fast,
      );
    } else {
      applyWithOps(items, slotOf, (p, b, g) => this.opsStep(p, b, g, lr, k), scale);
    }
    this.incrementIterations();
  }

  /** The device path (see DeviceStep): checked, clipped and selected on the device. */
  private applyOnDevice(items: ReturnType<typeof collectStepGradients>, lr: number): void {
    warnIfHalfFloat();
    const buffers = this.bufferNames();
    for (const item of items) {
      this.slots.claim(item.name, item.variable, buffers, (b) =>
        this.initialBuffer(b, item.variable),
      );
    }
    this.deviceStep.apply(
      items,
      (name) => this.slots.get(name)!,
      (p, b, g, k) => this.opsStep(p, b, g, lr, k),
      this.clipNorm,
      fusedWebGpuAvailable() || fusedWebGlAvailable() ? this.fusedStep(lr) : null,
    );
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    // The device path: the counter of applied steps, not of queued ones.
    await this.deviceStep.settle();
    const k = this.iterations;
    const iter = this.iterVariable;
    if (iter !== null && !iter.isDisposed && sameIterationShape(iter, k)) {
      tf.tidy(() => iter.assign(iterationTensor(k)));
    } else {
      if (iter !== null && !iter.isDisposed) iter.dispose();
      this.iterVariable = tf.tidy(() => tf.variable(iterationTensor(k), false));
    }
    return weightsOf(this.iterVariable!, this.slots, this.bufferNames());
  }

  /**
   * Replaces the whole state with weights from `getWeights` (the first one is the iteration
   * count), tfjs-layers' model loading included. Everything is checked first, against the state
   * rule `loadState` applies, and the values are copied (the weights passed in may be this
   * optimizer's own, from `getWeights`); on a mismatch it throws a `StateFormatError` and leaves
   * the optimizer as it was.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const { k, state } = await readWeights(weightValues, this.bufferNames(), (b) =>
      this.stateProblem(b),
    );
    await this.deviceStep.settle();
    this.slots.replace(state, this.bufferNames());
    this.iterations_ = k;
    this.deviceStep.reset(k);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: learningRateToConfig(this.lr) as tf.serialization.ConfigDictValue,
      momentum: this.options.momentum,
      weightDecay: this.options.weightDecay,
      eps: this.options.eps,
      decoupleDecay: this.options.decoupleDecay,
      clipNorm: this.clipNorm,
      nonFinite: this.nonFinite,
    };
  }

  /** Disposes every state variable; `tf.memory().numTensors` returns to its count before. */
  override dispose(): void {
    this.slots.dispose();
    this.deviceStep.dispose();
    this.iterVariable?.dispose();
    this.iterVariable = null;
  }
}
