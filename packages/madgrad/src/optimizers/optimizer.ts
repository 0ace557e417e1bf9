import { type KernelChoice, resolveKernels } from '../kernels/select-kernels.js';
import {
  InvalidGradientError,
  InvalidOptionError,
  InvalidParameterError,
} from '../maths/errors.js';
import {
  type CommonOptions,
  type OptimizerOptions,
  type OptimizerSpec,
  optionNames,
  resolveSpecOptions,
  specDefaults,
} from '../maths/options.js';
import { quote } from '../maths/quote.js';
import { type StateBuffers, startingPointError, stateRuleError } from '../maths/state-limits.js';
import type { StepKernels } from '../maths/step-kernels.js';
import { bufferChange } from './buffer-change.js';
import { groupBufferSets } from './buffer-sets.js';
import {
  checkDense,
  checkGradientRecord,
  checkSparse,
  firstNonFinite,
  type GradientMap,
  isSparseRows,
  type SparseRows,
} from './gradients.js';
import {
  checkDisjoint,
  checkParameter,
  checkStillSized,
  isGroupList,
  type Parameter,
  type ParameterGroup,
} from './parameters.js';
import {
  checkStepCount,
  decodeState,
  encodeState,
  type OptimizerState,
  type StateTensor,
} from './state-codec.js';
import { checkStateLayout } from './state-layout.js';
import type { UpdateRule } from './update-rule.js';

/** Constructor options: the default hyperparameters plus the implementation to run steps with. */
export type OptimizerConfig<O extends CommonOptions = OptimizerOptions> = Partial<O> & {
  /**
   * Dense step implementation: 'auto' (WebAssembly SIMD where available, else plain
   * TypeScript), 'wasm', 'js', or a `StepKernels` object.
   * @default 'auto'
   */
  kernels?: KernelChoice;
};

/** What every constructor takes beside the optimizer's options (`OptimizerConfig`'s own). */
export const CONSTRUCTOR_SPEC: OptimizerSpec<{ kernels: KernelChoice }> = {
  name: 'constructor',
  options: {
    kernels: {
      default: 'auto',
      range: 'custom',
      doc: "dense step kernels: 'auto', 'wasm', 'js' or a StepKernels object",
    },
  },
};

/**
 * One parameter and its optimizer state, buffers by name (null until its first gradient, as in
 * the reference).
 */
export interface ParameterSlot<B extends StateBuffers = StateBuffers> {
  readonly param: Parameter;
  readonly size: number;
  readonly group: number;
  state: B | null;
}

interface ValidatedGradient<B extends StateBuffers> {
  readonly slot: ParameterSlot<B>;
  readonly dense: Float32Array | null;
  readonly sparse: SparseRows | null;
  readonly rowLength: number;
}

/**
 * What every core optimizer shares: parameter groups with their own options (`O`), one step
 * counter for the whole optimizer, lazily created per-parameter state (buffers by name, `B`),
 * steps that validate every gradient before touching anything, and checkpoints in a versioned
 * byte form. What differs between optimizers is their update rule (`UpdateRule`), passed to the
 * constructor: options, buffers, step and state rule.
 */
export abstract class StatefulOptimizer<
  O extends CommonOptions = CommonOptions,
  B extends StateBuffers = StateBuffers,
> {
  /** Name stored in checkpoints; loading a checkpoint of another kind fails. */
  readonly kind: string;
  private readonly kernels: StepKernels;
  private readonly rule: UpdateRule<O, B>;
  private readonly scan: (values: Float32Array, limit: number) => number;
  private readonly slots = new Map<string, ParameterSlot<B>>();
  private groupOptions: O[] = [];
  private readonly groupParams: string[][] = [];
  private k = 0;

  protected constructor(
    entries: readonly Parameter[] | readonly ParameterGroup<O>[],
    config: OptimizerConfig<O>,
    rule: UpdateRule<O, B>,
  ) {
    this.rule = rule;
    this.kind = rule.kind;
    const { kernels, ...options } = config;
    this.kernels = resolveKernels(kernels ?? CONSTRUCTOR_SPEC.options.kernels.default);
    const k = this.kernels;
    this.scan = k.firstNonFinite
      ? (values, limit) => k.firstNonFinite!(values, limit)
      : firstNonFinite;
    const base = this.resolveOptions(
      specDefaults(rule.spec),
      options as Partial<O>,
      '',
      optionNames(CONSTRUCTOR_SPEC),
    );
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new InvalidParameterError(
        'the optimizer needs a non-empty list of parameters or groups',
      );
    }
    const groups: readonly ParameterGroup<O>[] = isGroupList(entries)
      ? entries
      : [{ params: entries as readonly Parameter[] } as ParameterGroup<O>];
    groups.forEach((group, index) => {
      const { params, ...groupOptions } = group;
      this.groupOptions.push(
        this.resolveOptions(base, groupOptions as unknown as Partial<O>, `group ${index}: `),
      );
      const names: string[] = [];
      for (const param of params) {
        const size = checkParameter(param);
        if (this.slots.has(param.name)) {
          throw new InvalidParameterError(`parameter name "${param.name}" is used twice`);
        }
        this.slots.set(param.name, { param, size, group: index, state: null });
        names.push(param.name);
      }
      this.groupParams.push(names);
    });
    checkDisjoint([...this.slots.values()].map((slot) => slot.param));
  }

  /** Steps taken so far: the shared counter k of the paper, advanced once per `step`. */
  get stepCount(): number {
    return this.k;
  }

  /** The options of every group, as copies. */
  get groups(): O[] {
    return this.groupOptions.map((o) => ({ ...o }));
  }

  /** Names of the parameters of each group. */
  get groupParameterNames(): string[][] {
    return this.groupParams.map((names) => [...names]);
  }

  /** Name of the dense kernel set in use ("js", "wasm", ...). */
  get kernelName(): string {
    return this.kernels.name;
  }

  /**
   * Changes options of one group (all groups when `group` is omitted), validated first; takes
   * effect from the next step. Learning-rate schedules call this (or `setLr`) between steps.
   */
  setOptions(partial: Partial<O>, group?: number): void {
    const indices = group === undefined ? this.groupOptions.map((_, i) => i) : [group];
    const updated = this.groupOptions.slice();
    for (const i of indices) {
      const current = this.groupOptions[i];
      if (current === undefined) throw new InvalidOptionError(`no parameter group ${group}`);
      const next = this.resolveOptions(current, partial, `group ${i}: `);
      this.checkOptionChange(i, current, next);
      updated[i] = next;
    }
    this.groupOptions = updated;
  }

  /** Sets the learning rate of one group, or of every group. */
  setLr(lr: number, group?: number): void {
    this.setOptions({ lr } as Partial<O>, group);
  }

  /** The state buffers of a parameter (live arrays, do not modify), or undefined before its first gradient. */
  stateOf(name: string): Readonly<B> | undefined {
    const slot = this.slots.get(name);
    if (!slot) throw new InvalidParameterError(`unknown parameter "${name}"`);
    return slot.state ?? undefined;
  }

  /**
   * Applies one step. `grads` maps parameter names to a dense Float32Array, row-sparse rows, or
   * null/undefined (that parameter is skipped; the step counter still advances). Every gradient is
   * validated before any parameter or state changes, so a step applies completely or not at all.
   */
  step(grads: GradientMap): void {
    checkGradientRecord(grads, `step k=${this.k}`);
    checkStepCount(this.k, 'a checkpoint');
    const work: ValidatedGradient<B>[] = [];
    for (const name of Object.keys(grads)) {
      const g = grads[name];
      const slot = this.slots.get(name);
      const where = `step k=${this.k}: parameter ${quote(name)}`;
      if (!slot) throw new InvalidGradientError(`${where} is not managed by this optimizer`);
      if (g == null) continue;
      checkStillSized(slot.param, slot.size, where);
      const options = this.groupOptions[slot.group]!;
      const limit = this.rule.gradientLimit(options, this.k);
      if (slot.state === null) this.checkStartingPoint(where, slot.param.value);
      if (g instanceof Float32Array) {
        checkDense(where, g, slot.size, this.scan, limit);
        work.push({ slot, dense: g, sparse: null, rowLength: 0 });
      } else if (isSparseRows(g)) {
        const rowLength = checkSparse(where, g, slot.param.shape, limit);
        const refusal = this.rule.sparseRefusal(options);
        if (refusal !== null) throw new InvalidGradientError(`${where}: ${refusal}`);
        work.push({ slot, dense: null, sparse: g, rowLength });
      } else {
        throw new InvalidGradientError(
          `${where}: gradient must be a Float32Array, {indices, values} rows, or null`,
        );
      }
    }
    const { kernels, k, rule } = this;
    for (const { slot, dense, sparse, rowLength } of work) {
      const options = this.groupOptions[slot.group]!;
      slot.state ??= this.createState(slot.param, options);
      const p = slot.param.value;
      if (dense) rule.dense(kernels, p, slot.state, dense, options, k);
      else rule.sparse(kernels, p, slot.state, sparse!, rowLength, options, k);
    }
    this.k += 1;
  }

  /** The whole state (step counter, options per group, every buffer) in the versioned byte form. */
  saveState(): Uint8Array {
    return encodeState(this.snapshot());
  }

  /**
   * Replaces this optimizer's state with one saved by `saveState`, from an optimizer of the same
   * kind over parameters of the same names, groups and sizes. Group options are restored too. On
   * any mismatch or corruption it throws a `StateFormatError` and leaves the optimizer as it was.
   */
  loadState(bytes: Uint8Array): void {
    // The header is checked against this optimizer before any tensor is allocated.
    let options: O[] = [];
    const state = decodeState(bytes, (layout) => {
      options = checkStateLayout(
        {
          kind: this.kind,
          groupParams: this.groupParams,
          groupOptions: this.groupOptions,
          optionsSpec: this.rule.spec,
          slots: this.slots,
          resolveOptions: (base, partial, where) => this.resolveOptions(base, partial, where),
          bufferNames: (options) => this.rule.bufferNames(options),
        },
        layout,
      );
    });
    // Each parameter's set is exactly the rule's buffers for its group's options: a B.
    const states = groupBufferSets(
      state.tensors.map((t) => ({ owner: t.param, buffer: t.buffer, value: t.data })),
      (name) => this.rule.bufferNames(options[this.slots.get(name)!.group]!),
    ) as Map<string, B>;
    for (const [name, buffers] of states) {
      const problem = this.rule.stateProblem(buffers, options[this.slots.get(name)!.group]!);
      if (problem) throw stateRuleError('optimizer state', name, problem);
    }
    // Everything checked (and allocated, which may fail): commit.
    const placed = new Map<string, B>();
    for (const [name, buffers] of states) {
      const entries = Object.entries(buffers).map(([b, data]) => [b, this.newBuffer(data)]);
      placed.set(name, Object.fromEntries(entries) as B);
    }
    this.groupOptions = options;
    this.k = state.k;
    for (const [name, slot] of this.slots) slot.state = placed.get(name) ?? null;
  }

  /** The state as plain data (buffers are copies). */
  snapshot(): OptimizerState {
    const tensors: StateTensor[] = [];
    for (const [name, slot] of this.slots) {
      if (!slot.state) continue;
      const buffers: StateBuffers = slot.state;
      for (const buffer of this.rule.bufferNames(this.groupOptions[slot.group]!)) {
        tensors.push({ param: name, buffer, data: buffers[buffer]!.slice() });
      }
    }
    return {
      kind: this.kind,
      k: this.k,
      groups: this.groupOptions.map((options, i) => ({
        options: { ...options },
        params: [...this.groupParams[i]!],
      })),
      tensors,
    };
  }

  /**
   * A state buffer of `init.length` values (or `init` zeros) holding `init`'s values, placed
   * where the kernels work fastest (WebAssembly memory for the wasm kernels).
   */
  private newBuffer(init: Float32Array | number): Float32Array {
    const n = typeof init === 'number' ? init : init.length;
    const buffer = this.kernels.allocate?.(n) ?? new Float32Array(n);
    if (typeof init !== 'number') buffer.set(init);
    return buffer;
  }

  /** A parameter's first state: the rule's buffers for these options, zeros or the parameter. */
  private createState(param: Parameter, options: O): B {
    const state: Record<string, Float32Array> = {};
    const starts: Readonly<Record<string, string>> = this.rule.buffers;
    for (const name of this.rule.bufferNames(options)) {
      state[name] = this.newBuffer(starts[name] === 'parameter' ? param.value : param.value.length);
    }
    return state as B;
  }

  /**
   * Merges `partial` over `base` and validates the result against the optimizer's spec, naming a
   * bad option and its value; an unknown name's error lists the spec's names and `alsoKnown`.
   */
  private resolveOptions(
    base: Readonly<O>,
    partial: Partial<O>,
    where = '',
    alsoKnown: readonly string[] = [],
  ): O {
    return resolveSpecOptions(this.rule.spec, base, partial, where, alsoKnown);
  }

  /** The first-step rule: refuses a parameter beyond the rule's `startingPointLimit`, or NaN/Infinity. */
  private checkStartingPoint(where: string, values: Float32Array): void {
    const limit = this.rule.startingPointLimit;
    if (limit === null) return;
    const bad = this.scan(values, limit);
    if (bad >= 0) throw startingPointError(where, values[bad]!, bad, limit);
  }

  /**
   * Rejects an option change that changes the group's state buffers once any of its parameters
   * has state (the existing buffers would not match the step's); before that, any change goes.
   */
  private checkOptionChange(group: number, current: O, next: O): void {
    const started = this.groupParams[group]!.some((n) => this.slots.get(n)!.state !== null);
    if (!started) return;
    const change = bufferChange(current, next, (options) => this.rule.bufferNames(options));
    if (change !== null) throw new InvalidOptionError(`group ${group}: ${change}`);
  }
}
