import { type KernelChoice, resolveKernels } from '../kernels/select-kernels.js';
import {
  InvalidGradientError,
  InvalidOptionError,
  InvalidParameterError,
  StateFormatError,
} from '../maths/errors.js';
import { type OptimizerOptions, resolveOptions } from '../maths/options.js';
import type { StepKernels } from '../maths/step-kernels.js';
import { groupBufferSets } from './buffer-sets.js';
import {
  checkDense,
  checkSparse,
  firstNonFinite,
  type GradientMap,
  isSparseRows,
  type SparseRows,
} from './gradients.js';
import { checkParameter, isGroupList, type Parameter, type ParameterGroup } from './parameters.js';
import { decodeState, encodeState, type OptimizerState, type StateTensor } from './state-codec.js';

/** Constructor options: the default hyperparameters plus the implementation to run steps with. */
export type OptimizerConfig<O extends OptimizerOptions = OptimizerOptions> = Partial<O> & {
  /**
   * Dense step implementation: 'auto' (default: WebAssembly SIMD where available, else plain
   * TypeScript), 'wasm', 'js', or a `StepKernels` object.
   */
  kernels?: KernelChoice;
};

/** One parameter and its optimizer state (null until its first gradient, as in the reference). */
export interface ParameterSlot {
  readonly param: Parameter;
  readonly size: number;
  readonly group: number;
  state: Record<string, Float32Array> | null;
}

interface ValidatedGradient {
  readonly slot: ParameterSlot;
  readonly dense: Float32Array | null;
  readonly sparse: SparseRows | null;
  readonly rowLength: number;
}

/**
 * What MADGRAD and MirrorMADGRAD share: parameter groups with their own options, one step counter
 * for the whole optimizer, lazily created per-parameter state, steps that validate every gradient
 * before touching anything, and checkpoints in a versioned byte form.
 */
export abstract class StatefulOptimizer<O extends OptimizerOptions = OptimizerOptions> {
  /** Name stored in checkpoints; loading a checkpoint of another kind fails. */
  abstract readonly kind: string;
  protected readonly kernels: StepKernels;
  private readonly scan: (values: Float32Array) => number;
  private readonly slots = new Map<string, ParameterSlot>();
  private groupOptions: O[] = [];
  private readonly groupParams: string[][] = [];
  private k = 0;

  protected constructor(
    entries: readonly Parameter[] | readonly ParameterGroup[],
    config: OptimizerConfig<O>,
    defaults: Readonly<O>,
  ) {
    const { kernels, ...options } = config;
    this.kernels = resolveKernels(kernels);
    const k = this.kernels;
    this.scan = k.firstNonFinite ? (values) => k.firstNonFinite!(values) : firstNonFinite;
    const base = this.resolveOptions(defaults, options as Partial<O>);
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new InvalidParameterError(
        'the optimizer needs a non-empty list of parameters or groups',
      );
    }
    const groups: readonly ParameterGroup[] = isGroupList(entries)
      ? entries
      : [{ params: entries as readonly Parameter[] }];
    groups.forEach((group, index) => {
      const { params, ...groupOptions } = group;
      this.groupOptions.push(
        this.resolveOptions(base, groupOptions as Partial<O>, `group ${index}: `),
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
  stateOf(name: string): Readonly<Record<string, Float32Array>> | undefined {
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
    if (grads === null || typeof grads !== 'object') {
      throw new InvalidGradientError(
        `step k=${this.k}: gradients must be an object keyed by parameter name`,
      );
    }
    const work: ValidatedGradient[] = [];
    for (const name of Object.keys(grads)) {
      const g = grads[name];
      const slot = this.slots.get(name);
      const where = `step k=${this.k}: parameter "${name}"`;
      if (!slot) throw new InvalidGradientError(`${where} is not managed by this optimizer`);
      if (g == null) continue;
      if (g instanceof Float32Array) {
        checkDense(where, g, slot.size, this.scan);
        work.push({ slot, dense: g, sparse: null, rowLength: 0 });
      } else if (isSparseRows(g)) {
        const rowLength = checkSparse(where, g, slot.param.shape);
        this.checkSparseAllowed(where, this.groupOptions[slot.group]!);
        work.push({ slot, dense: null, sparse: g, rowLength });
      } else {
        throw new InvalidGradientError(
          `${where}: gradient must be a Float32Array, {indices, values} rows, or null`,
        );
      }
    }
    for (const item of work) {
      const options = this.groupOptions[item.slot.group]!;
      if (item.slot.state === null) item.slot.state = this.createState(item.slot.param, options);
      if (item.dense) this.applyDense(item.slot, item.dense, options, this.k);
      else this.applySparse(item.slot, item.sparse!, item.rowLength, options, this.k);
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
    const state = decodeState(bytes);
    if (state.kind !== this.kind) {
      throw new StateFormatError(`optimizer state is for ${state.kind}, not ${this.kind}`);
    }
    if (state.groups.length !== this.groupParams.length) {
      throw new StateFormatError(
        `optimizer state has ${state.groups.length} parameter groups, this optimizer has ${this.groupParams.length}`,
      );
    }
    const options = state.groups.map((g, i) => {
      const mine = this.groupParams[i]!;
      if (g.params.length !== mine.length || g.params.some((n, j) => n !== mine[j])) {
        throw new StateFormatError(
          `optimizer state group ${i} holds parameters [${g.params.join(', ')}], this optimizer's holds [${mine.join(', ')}]`,
        );
      }
      try {
        return this.resolveOptions(this.groupOptions[i]!, g.options as Partial<O>, `group ${i}: `);
      } catch (e) {
        throw new StateFormatError(`optimizer state has invalid options: ${(e as Error).message}`);
      }
    });
    for (const t of state.tensors) {
      const slot = this.slots.get(t.param);
      if (!slot)
        throw new StateFormatError(
          `optimizer state has a buffer for unknown parameter "${t.param}"`,
        );
      if (t.data.length !== slot.size) {
        throw new StateFormatError(
          `optimizer state buffer ${t.buffer} of "${t.param}" has ${t.data.length} values, the parameter has ${slot.size}`,
        );
      }
    }
    const states = groupBufferSets(
      state.tensors.map((t) => ({ owner: t.param, buffer: t.buffer, value: t.data })),
      (name) => this.bufferNames(options[this.slots.get(name)!.group]!),
    );
    // Everything checked: commit.
    this.groupOptions = options;
    this.k = state.k;
    for (const [name, slot] of this.slots) {
      const buffers = states.get(name);
      slot.state = buffers
        ? Object.fromEntries(Object.entries(buffers).map(([b, data]) => [b, this.newBuffer(data)]))
        : null;
    }
  }

  /** The state as plain data (buffers are copies). */
  snapshot(): OptimizerState {
    const tensors: StateTensor[] = [];
    for (const [name, slot] of this.slots) {
      if (!slot.state) continue;
      for (const buffer of this.bufferNames(this.groupOptions[slot.group]!)) {
        tensors.push({ param: name, buffer, data: slot.state[buffer]!.slice() });
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
  protected newBuffer(init: Float32Array | number): Float32Array {
    const n = typeof init === 'number' ? init : init.length;
    const buffer = this.kernels.allocate?.(n) ?? new Float32Array(n);
    if (typeof init !== 'number') buffer.set(init);
    return buffer;
  }

  /**
   * Merges `partial` over `base` and validates the result, naming a bad option and its value.
   * Optimizers with options beyond the common ones (Adam's beta2) extend it.
   */
  protected resolveOptions(base: Readonly<O>, partial: Partial<O>, where = ''): O {
    return resolveOptions(base, partial, where) as O;
  }

  /** Names of the buffers a parameter of a group with these options keeps. */
  protected abstract bufferNames(options: O): readonly string[];
  protected abstract createState(param: Parameter, options: O): Record<string, Float32Array>;
  protected abstract applyDense(slot: ParameterSlot, g: Float32Array, options: O, k: number): void;
  protected abstract applySparse(
    slot: ParameterSlot,
    g: SparseRows,
    rowLength: number,
    options: O,
    k: number,
  ): void;
  /** Throws an InvalidGradientError when a group with these options cannot take sparse rows. */
  protected abstract checkSparseAllowed(where: string, options: O): void;

  /** Rejects option changes that would leave existing state inconsistent (e.g. a buffer set change). */
  private checkOptionChange(group: number, current: O, next: O): void {
    if (this.bufferNames(current).join() === this.bufferNames(next).join()) return;
    const started = this.groupParams[group]!.some((n) => this.slots.get(n)!.state !== null);
    if (started) {
      throw new InvalidOptionError(
        `group ${group}: momentum cannot change from ${current.momentum} to ${next.momentum} once steps have been taken (the state buffers differ)`,
      );
    }
  }
}
