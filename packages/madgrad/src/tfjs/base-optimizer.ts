import * as tf from '@tensorflow/tfjs-core';
import { createInPlaceKernels } from '../kernels/in-place-kernels.js';
import { isWasmKernels } from '../kernels/wasm-kernels.js';
import { clipScale } from '../maths/clipping.js';
import { InvalidGradientError, InvalidOptionError, StateFormatError } from '../maths/errors.js';
import { FLOAT32_MAX } from '../maths/gradient-limits.js';
import type { OptimizerOptions } from '../maths/options.js';
import type { StepKernels } from '../maths/step-kernels.js';
import { firstNonFinite } from '../optimizers/gradients.js';
import {
  ensureOnActiveBackend,
  ensureOwned,
  type FastBackendName,
  fastBackendName,
  float32View,
  valuesChanged,
  type WasmHeapScratch,
  type WasmMemory,
  wasmBackendMemory,
  wasmHeapScratch,
} from './backend-memory.js';
import {
  checkLearningRate,
  getDefaultStepKernels,
  type LearningRate,
  learningRateToConfig,
  type NonFiniteMode,
  type ResolvedConfig,
  resolveConfig,
  type TfjsOptimizerConfig,
} from './config.js';

/** A named tensor, as tfjs's optimizers take and return them. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** One gradient of a step, validated. */
interface StepItem {
  readonly name: string;
  readonly variable: tf.Variable;
  readonly grad: tf.Tensor;
}

/** PyTorch's `clip_grad_norm_` adds this to the norm before dividing. */

/**
 * What `MadgradOptimizer` and `MirrorMadgradOptimizer` share, on top of tfjs's `Optimizer`:
 *
 * - State is keyed by variable name and created at a variable's first gradient, as in the
 *   reference; a step may carry any subset of variables in any order.
 * - A step validates everything first (names, shapes, dtypes, NaN/Infinity, the learning rate),
 *   then applies to every variable: it applies completely or not at all.
 * - On the cpu and wasm backends the step runs the core's kernels over the tensors' storage; on
 *   any other backend (or with `path: 'ops'`) it runs as tfjs ops inside `tidy`.
 * - `getWeights` / `setWeights` carry the iteration count (`iter`) and every buffer as
 *   `<variable name>/<buffer>`, with the reference's buffer names.
 */
export abstract class MadgradFamilyOptimizer extends tf.Optimizer {
  private lr: LearningRate;
  protected readonly options: Readonly<Omit<OptimizerOptions, 'lr'>>;
  private readonly clipNorm: number | null;
  private readonly nonFinite: NonFiniteMode;
  private readonly kernelsOverride: StepKernels | null;
  private readonly path: 'auto' | 'ops';
  private readonly slots = new Map<string, Record<string, tf.Variable>>();
  /** Names whose state came from `setWeights` and has not met its variable yet. */
  private readonly unclaimed = new Set<string>();
  private iterVariable: tf.Variable | null = null;
  private skipped = 0;
  private scratch = new Float32Array(0);
  /** The WebAssembly kernels instantiated over the tfjs wasm heap (see `kernelsFor`). */
  private inPlace: { memory: WasmMemory; fallback: StepKernels; kernels: StepKernels } | null =
    null;

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
  /** The step in tfjs ops (called inside tidy): the new parameter and buffer values. */
  protected abstract opsStep(
    p: tf.Tensor,
    buffers: Record<string, tf.Tensor>,
    g: tf.Tensor,
    lr: number,
    k: number,
  ): { p: tf.Tensor; buffers: Record<string, tf.Tensor> };

  /** The learning rate: a number or a schedule of the step. */
  get learningRate(): LearningRate {
    return this.lr;
  }

  /** Sets the learning rate (a number or a schedule); takes effect from the next step. */
  setLearningRate(lr: LearningRate): void {
    this.lr = checkLearningRate(lr);
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
    return [...this.slots.keys()];
  }

  /** Which implementation the next step runs: the kernels' name on cpu/wasm, or "ops". */
  get stepPath(): string {
    const fast = this.fastBackend();
    return fast === null ? 'ops' : `${this.kernels().name} kernels on ${fast}`;
  }

  private kernels(): StepKernels {
    return this.kernelsOverride ?? getDefaultStepKernels();
  }

  /**
   * The kernels for a step on `fast`: on the wasm backend, when the chosen kernels are the
   * WebAssembly ones, the same kernels instantiated over the tfjs heap, so that a step whose
   * tensors all live there runs in place instead of copying them into the kernels' own memory
   * and back (they fall back to the chosen kernels for anything else).
   */
  private kernelsFor(fast: FastBackendName): StepKernels {
    const chosen = this.kernels();
    if (fast !== 'wasm' || !isWasmKernels(chosen)) return chosen;
    const memory = wasmBackendMemory();
    if (memory === null) return chosen;
    if (this.inPlace?.memory !== memory || this.inPlace.fallback !== chosen) {
      const kernels = createInPlaceKernels(memory, chosen);
      this.inPlace = kernels ? { memory, fallback: chosen, kernels } : null;
    }
    return this.inPlace?.kernels ?? chosen;
  }

  private fastBackend(): FastBackendName | null {
    return this.path === 'ops' ? null : fastBackendName();
  }

  private learningRateAt(k: number): number {
    const lr = typeof this.lr === 'function' ? this.lr(k) : this.lr;
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new InvalidOptionError(
        `the learning rate schedule returned ${String(lr)} at step ${k}; it must be a finite number >= 0`,
      );
    }
    return lr;
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const k = this.iterations;
    const items = this.collect(variableGradients, k);
    const lr = this.learningRateAt(k);
    const fast = this.fastBackend();
    // Data created before a setBackend may still live on the previous backend.
    if (fast) for (const item of items) ensureOnActiveBackend(item.grad);
    const limit = this.gradientLimit(lr, k);
    const { bad, sumSquares } = fast
      ? this.inspectViews(items, fast, limit)
      : this.inspectOps(items);
    if (bad !== null) {
      if (this.nonFinite === 'skip') {
        this.skipped += 1;
        return;
      }
      throw new InvalidGradientError(
        `step k=${k}: the gradient of variable "${bad}" holds NaN or Infinity, or an entry beyond ${limit.toExponential(4)} (whose square would overflow the float32 state to Infinity); nothing was changed (use nonFinite: 'skip' to skip such steps)`,
      );
    }
    const scale = this.clipNorm === null ? 1 : clipScale(Math.sqrt(sumSquares), this.clipNorm);
    for (const item of items) this.stateFor(item.name, item.variable);
    if (fast) this.applyKernels(items, lr, k, scale, fast);
    else this.applyOps(items, lr, k, scale);
    this.incrementIterations();
  }

  /** Validates names, shapes and dtypes; returns the non-null gradients in the order given. */
  private collect(variableGradients: tf.NamedTensorMap | NamedTensor[], k: number): StepItem[] {
    if (variableGradients == null || typeof variableGradients !== 'object') {
      throw new InvalidGradientError(
        `step k=${k}: gradients must be a map or an array of {name, tensor}`,
      );
    }
    const pairs: [string, tf.Tensor | null | undefined][] = Array.isArray(variableGradients)
      ? variableGradients.map((e) => [e?.name, e?.tensor])
      : Object.entries(variableGradients);
    const registered = tf.engine().registeredVariables;
    const seen = new Set<string>();
    const items: StepItem[] = [];
    for (const [name, grad] of pairs) {
      const where = `step k=${k}: variable "${name}"`;
      if (typeof name !== 'string') {
        throw new InvalidGradientError(`step k=${k}: every gradient needs a variable name`);
      }
      if (seen.has(name)) throw new InvalidGradientError(`${where} has two gradients`);
      seen.add(name);
      if (grad == null) continue;
      const variable = registered[name];
      if (!variable) throw new InvalidGradientError(`${where} is not a registered tf.Variable`);
      if (!(grad instanceof tf.Tensor) || grad.isDisposed) {
        throw new InvalidGradientError(`${where}: the gradient is not a live tensor`);
      }
      if (variable.dtype !== 'float32' || grad.dtype !== 'float32') {
        throw new InvalidGradientError(
          `${where}: variable and gradient must be float32, got ${variable.dtype} and ${grad.dtype}`,
        );
      }
      if (!tf.util.arraysEqual(variable.shape, grad.shape)) {
        throw new InvalidGradientError(
          `${where}: gradient has shape [${grad.shape}], the variable has [${variable.shape}]`,
        );
      }
      const slot = this.slots.get(name);
      if (slot) {
        const first = slot[this.bufferNames()[0]!]!;
        if (!tf.util.arraysEqual(first.shape, variable.shape)) {
          throw new InvalidGradientError(
            `${where}: its optimizer state has shape [${first.shape}], the variable has [${variable.shape}]`,
          );
        }
      }
      items.push({ name, variable, grad });
    }
    return items;
  }

  /** NaN/Infinity check and sum of squares, reading the gradients' storage directly. */
  private inspectViews(
    items: readonly StepItem[],
    fast: FastBackendName,
    limit: number,
  ): { bad: string | null; sumSquares: number } {
    let sumSquares = 0;
    const kernels = this.kernelsFor(fast);
    for (const item of items) {
      const g = float32View(item.grad);
      if (this.clipNorm === null) {
        const bad = kernels.firstNonFinite
          ? kernels.firstNonFinite(g, limit)
          : firstNonFinite(g, limit);
        if (bad >= 0) return { bad: item.name, sumSquares: Number.NaN };
      } else {
        // One pass: squares of float32 values cannot overflow a float64 sum, so the sum is
        // finite exactly when every value is.
        let sum = 0;
        for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
        if (!Number.isFinite(sum) || firstNonFinite(g, limit) >= 0) {
          return { bad: item.name, sumSquares: Number.NaN };
        }
        sumSquares += sum;
      }
    }
    return { bad: null, sumSquares };
  }

  /** The same in tfjs ops, with one small read back for the whole step. */
  private inspectOps(items: readonly StepItem[]): { bad: string | null; sumSquares: number } {
    if (items.length === 0) return { bad: null, sumSquares: 0 };
    const flags = tf.tidy(() => {
      const parts = items.map((item) => {
        const finite = tf.cast(tf.all(tf.isFinite(item.grad)), 'float32');
        const squares = this.clipNorm === null ? tf.scalar(0) : tf.sum(tf.square(item.grad));
        return tf.stack([finite, squares]);
      });
      return tf.stack(parts);
    });
    const values = flags.dataSync();
    flags.dispose();
    let sumSquares = 0;
    for (let i = 0; i < items.length; i++) {
      if (values[2 * i] !== 1) return { bad: items[i]!.name, sumSquares: Number.NaN };
      sumSquares += values[2 * i + 1]!;
    }
    return { bad: null, sumSquares };
  }

  private applyKernels(
    items: readonly StepItem[],
    lr: number,
    k: number,
    scale: number,
    fast: FastBackendName,
  ): void {
    const kernels = this.kernelsFor(fast);
    // Every allocation first (private copies of shared storage, scratch), then views: on wasm a
    // view dies when the heap grows.
    for (const item of items) {
      for (const t of [item.variable, ...Object.values(this.slots.get(item.name)!)]) {
        ensureOnActiveBackend(t);
        ensureOwned(t);
      }
    }
    // On wasm the scaled (or de-aliased) gradient goes to the tfjs heap too, to stay in place.
    let heapScratch: WasmHeapScratch | null = null;
    if (kernels === this.inPlace?.kernels) {
      const copied = items.filter((i) => scale !== 1 || i.grad.dataId === i.variable.dataId);
      if (copied.length > 0)
        heapScratch = wasmHeapScratch(Math.max(...copied.map((i) => i.grad.size)));
    }
    try {
      for (const item of items) {
        const slot = this.slots.get(item.name)!;
        const p = float32View(item.variable);
        const buffers: Record<string, Float32Array> = {};
        for (const [name, v] of Object.entries(slot)) buffers[name] = float32View(v);
        let g = float32View(item.grad);
        // A copy when scaling, or when the gradient shares storage with what the step writes.
        const aliased = g.buffer === p.buffer && g.byteOffset === p.byteOffset;
        if (scale !== 1 || aliased) {
          let scaled: Float32Array;
          if (heapScratch !== null) scaled = heapScratch.view(g.length);
          else {
            if (this.scratch.length < g.length) this.scratch = new Float32Array(g.length);
            scaled = this.scratch.subarray(0, g.length);
          }
          for (let i = 0; i < g.length; i++) scaled[i] = g[i]! * scale;
          g = scaled;
        }
        this.kernelStep(kernels, p, buffers, g, lr, k);
        valuesChanged(item.variable);
      }
    } finally {
      heapScratch?.free();
    }
  }

  private applyOps(items: readonly StepItem[], lr: number, k: number, scale: number): void {
    for (const item of items) {
      const slot = this.slots.get(item.name)!;
      tf.tidy(() => {
        const g = scale === 1 ? item.grad : tf.mul(item.grad, tf.scalar(scale));
        const next = this.opsStep(item.variable, slot, g, lr, k);
        item.variable.assign(next.p);
        for (const [name, value] of Object.entries(next.buffers)) slot[name]!.assign(value);
      });
    }
  }

  /**
   * The state of a variable, created at its first gradient. State loaded by `setWeights` under a
   * name `N` is adopted by a variable named `N_<digits>`: tfjs-layers gives a model's variables
   * such names when a model with the same layer names was built before in the same process.
   */
  private stateFor(name: string, variable: tf.Variable): Record<string, tf.Variable> {
    const existing = this.slots.get(name);
    if (existing) {
      this.unclaimed.delete(name);
      return existing;
    }
    for (const candidate of this.unclaimed) {
      const first = this.slots.get(candidate)![this.bufferNames()[0]!]!;
      if (
        name.startsWith(`${candidate}_`) &&
        /^\d+$/.test(name.slice(candidate.length + 1)) &&
        tf.util.arraysEqual(first.shape, variable.shape)
      ) {
        const slot = this.slots.get(candidate)!;
        this.slots.delete(candidate);
        this.unclaimed.delete(candidate);
        this.slots.set(name, slot);
        return slot;
      }
    }
    const slot: Record<string, tf.Variable> = {};
    for (const buffer of this.bufferNames()) {
      slot[buffer] = tf.tidy(() => tf.variable(this.initialBuffer(buffer, variable), false));
    }
    this.slots.set(name, slot);
    return slot;
  }

  override async getWeights(): Promise<NamedTensor[]> {
    if (this.iterVariable === null) {
      this.iterVariable = tf.tidy(() => tf.variable(tf.scalar(this.iterations, 'int32'), false));
    } else {
      tf.tidy(() => this.iterVariable!.assign(tf.scalar(this.iterations, 'int32')));
    }
    const weights: NamedTensor[] = [{ name: 'iter', tensor: this.iterVariable }];
    for (const [name, slot] of this.slots) {
      for (const buffer of this.bufferNames()) {
        weights.push({ name: `${name}/${buffer}`, tensor: slot[buffer]! });
      }
    }
    return weights;
  }

  /**
   * Replaces the whole state with weights from `getWeights` (the first one is the iteration
   * count). Everything is checked first; on a mismatch it throws a `StateFormatError` and
   * leaves the optimizer as it was.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    if (!Array.isArray(weightValues) || weightValues.length === 0) {
      throw new StateFormatError('optimizer weights must start with the iteration count "iter"');
    }
    const [iter, ...rest] = weightValues;
    const k = (await iter!.tensor.data())[0]!;
    if (iter!.tensor.size !== 1 || !Number.isInteger(k) || k < 0) {
      throw new StateFormatError(
        `optimizer weights must start with the iteration count, got "${iter!.name}" = ${k}`,
      );
    }
    const names = this.bufferNames();
    const grouped = new Map<string, Record<string, tf.Tensor>>();
    for (const { name, tensor } of rest) {
      const cut = name.lastIndexOf('/');
      const variable = name.slice(0, cut);
      const buffer = name.slice(cut + 1);
      if (cut <= 0 || !names.includes(buffer)) {
        throw new StateFormatError(
          `optimizer weight "${name}" is not <variable>/<buffer> with a buffer in [${names.join(', ')}]`,
        );
      }
      if (tensor.dtype !== 'float32') {
        throw new StateFormatError(
          `optimizer weight "${name}" must be float32, got ${tensor.dtype}`,
        );
      }
      const buffers = grouped.get(variable) ?? {};
      if (buffers[buffer]) throw new StateFormatError(`optimizer weight "${name}" is repeated`);
      buffers[buffer] = tensor;
      grouped.set(variable, buffers);
    }
    for (const [variable, buffers] of grouped) {
      const got = Object.keys(buffers).sort();
      if (got.join() !== [...names].sort().join()) {
        throw new StateFormatError(
          `optimizer weights for "${variable}" have buffers [${got.join(', ')}], expected [${names.join(', ')}]`,
        );
      }
      const shape = buffers[names[0]!]!.shape;
      for (const b of names) {
        if (!tf.util.arraysEqual(buffers[b]!.shape, shape)) {
          throw new StateFormatError(
            `optimizer weights for "${variable}" have buffers of different shapes`,
          );
        }
      }
    }
    // Everything checked: commit.
    this.disposeState();
    for (const [variable, buffers] of grouped) {
      const slot: Record<string, tf.Variable> = {};
      for (const b of names) slot[b] = tf.variable(buffers[b]!, false);
      this.slots.set(variable, slot);
      this.unclaimed.add(variable);
    }
    this.iterations_ = k;
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

  private disposeState(): void {
    for (const slot of this.slots.values()) for (const v of Object.values(slot)) v.dispose();
    this.slots.clear();
    this.unclaimed.clear();
  }

  /** Disposes every state variable; `tf.memory().numTensors` returns to its count before. */
  override dispose(): void {
    this.disposeState();
    this.iterVariable?.dispose();
    this.iterVariable = null;
  }
}
