import * as tf from '@tensorflow/tfjs-core';
import { clipScale } from '../maths/clipping.js';
import { InvalidGradientError, InvalidOptionError } from '../maths/errors.js';
import { FLOAT32_MAX } from '../maths/gradient-limits.js';
import { type OptimizerOptions, resolveOptions, specDefaults } from '../maths/options.js';
import { quote } from '../maths/quote.js';
import { isSchedule } from '../maths/schedules.js';
import type { StateBuffers } from '../maths/state-limits.js';
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
import { DeviceStep, type DeviceStepStatus } from './device-step.js';
import { iterationTensor, sameIterationShape } from './iteration-count.js';
import { minimizeOrDispose } from './minimize.js';
import type { NamedTensor } from './named-tensor.js';
import { applyWithOps, scanWithOps } from './ops-step.js';
import { checkStartingPoints } from './starting-points.js';
import { type Slot, StateSlots } from './state-slots.js';
import { collectStepGradients } from './step-gradients.js';
import { fusedStepOf, type Tensors, type TfjsRule } from './tfjs-rule.js';
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
 * What `MadgradOptimizer` and `MirrorMadgradOptimizer` share, on top of tfjs's `Optimizer`; what
 * differs between them is their rule (`TfjsRule`: the core's rule, its tfjs ops and its fused
 * shader variant), passed to the constructor, and `B`, their state buffers by name:
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
export abstract class MadgradFamilyOptimizer<
  B extends StateBuffers = StateBuffers,
> extends tf.Optimizer {
  private readonly rule: TfjsRule<B>;
  private lr: LearningRate;
  protected readonly options: Readonly<Omit<OptimizerOptions, 'lr'>>;
  private readonly clipNorm: number | null;
  private readonly nonFinite: NonFiniteMode;
  private readonly kernelsOverride: StepKernels | null;
  private readonly path: StepPathChoice;
  private readonly slots = new StateSlots<B>();
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

  protected constructor(config: TfjsOptimizerConfig | Record<string, unknown>, rule: TfjsRule<B>) {
    super();
    this.rule = rule;
    const resolved: ResolvedConfig = resolveConfig(config, specDefaults(rule.core.spec));
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
  stateOf(variableName: string): Readonly<Slot<B>> | undefined {
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

  /** The options of a step at learning rate `lr`. */
  private optionsAt(lr: number): OptimizerOptions {
    return { ...this.options, lr };
  }

  /** The names of the buffers kept per variable, in `getWeights` order. */
  private bufferNames(): readonly string[] {
    return this.rule.core.bufferNames(this.optionsAt(0));
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
    const options = this.optionsAt(this.learningRateAt(k));
    const fast = this.fastBackend();
    if (!fast && this.onDevice()) {
      this.applyOnDevice(items, options);
      return;
    }
    const clipping = this.clipNorm !== null;
    // Clipping leaves every entry at most clipNorm: then only the entries' finiteness matters.
    const overflow = this.rule.core.gradientLimit(options, k);
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
    const start = this.rule.core.startingPointLimit;
    if (start !== null) {
      checkStartingPoints(items, (name) => !this.slots.get(name), fast !== null, start, k);
    }
    const scale = this.clipNorm === null ? 1 : clipScale(Math.sqrt(sumSquares), this.clipNorm);
    this.claimSlots(items);
    const slotOf = (name: string) => this.slots.buffersOf(name)!;
    const rule = this.rule;
    if (fast) {
      this.viewStep.apply(
        items,
        slotOf,
        (kernels, p, b, g) => rule.core.dense(kernels, p, b as B, g, options, k),
        scale,
        fast,
      );
    } else {
      applyWithOps(items, slotOf, (p, b, g) => rule.ops(p, b as Tensors<B>, g, options, k), scale);
    }
    this.incrementIterations();
  }

  /** The device path (see DeviceStep): checked, clipped and selected on the device. */
  private applyOnDevice(
    items: ReturnType<typeof collectStepGradients>,
    options: OptimizerOptions,
  ): void {
    warnIfHalfFloat();
    this.claimSlots(items);
    const rule = this.rule;
    this.deviceStep.apply(
      items,
      (name) => this.slots.buffersOf(name)!,
      (p, b, g, k) => rule.ops(p, b as Tensors<B>, g, options, k),
      this.clipNorm,
      fusedWebGpuAvailable() || fusedWebGlAvailable() ? fusedStepOf(this.rule, options) : null,
    );
    this.incrementIterations();
  }

  /** Creates the state of every variable at its first gradient: zeros, or the variable itself. */
  private claimSlots(items: ReturnType<typeof collectStepGradients>): void {
    const buffers = this.bufferNames();
    const starts: Readonly<Record<string, string>> = this.rule.core.buffers;
    for (const item of items) {
      this.slots.claim(item.name, item.variable, buffers, (b) =>
        starts[b] === 'parameter' ? item.variable.clone() : tf.zerosLike(item.variable),
      );
    }
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
    // The state rules of MADGRAD and MirrorMADGRAD read no learning rate.
    const options = this.optionsAt(typeof this.lr === 'number' ? this.lr : 0);
    const { k, state } = await readWeights(weightValues, this.bufferNames(), (b) =>
      this.rule.core.stateProblem(b as B, options),
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
