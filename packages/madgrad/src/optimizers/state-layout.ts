import { InvalidOptionError, StateFormatError } from '../maths/errors.js';
import { type CommonOptions, type OptimizerSpec, renameOptions } from '../maths/options.js';
import { quote, quoteList } from '../maths/quote.js';
import { groupBufferSets } from './buffer-sets.js';
import type { StateLayout } from './state-codec.js';

/** What `checkStateLayout` reads of the optimizer a checkpoint is loaded into. */
export interface LoadingOptimizer<O extends CommonOptions> {
  readonly kind: string;
  readonly groupParams: readonly (readonly string[])[];
  readonly groupOptions: readonly O[];
  readonly optionsSpec: OptimizerSpec<O>;
  readonly slots: ReadonlyMap<string, { readonly size: number; readonly group: number }>;
  resolveOptions(base: O, partial: Partial<O>, where: string): O;
  bufferNames(options: O): readonly string[];
}

/**
 * Checks a checkpoint's header against the optimizer it is loaded into: kind, groups and their
 * parameters, complete options the constructor accepts, and one buffer of the right length per
 * expected (parameter, buffer). Returns the groups' options; throws a `StateFormatError`.
 */
export function checkStateLayout<O extends CommonOptions>(
  self: LoadingOptimizer<O>,
  state: StateLayout,
): O[] {
  if (state.kind !== self.kind) {
    throw new StateFormatError(`optimizer state is for ${quote(state.kind)}, not ${self.kind}`);
  }
  if (state.groups.length !== self.groupParams.length) {
    throw new StateFormatError(
      `optimizer state has ${state.groups.length} parameter groups, this optimizer has ${self.groupParams.length}`,
    );
  }
  const options = state.groups.map((g, i) => {
    const mine = self.groupParams[i]!;
    if (g.params.length !== mine.length || g.params.some((n, j) => n !== mine[j])) {
      throw new StateFormatError(
        `optimizer state group ${i} holds parameters ${quoteList(g.params)}, this optimizer's holds ${quoteList(mine)}`,
      );
    }
    // A state saved before an option was renamed holds it under its former name.
    let saved: Record<string, unknown>;
    try {
      saved = renameOptions(self.optionsSpec, g.options as Record<string, unknown>, `group ${i}: `);
    } catch (e) {
      throw new StateFormatError(`optimizer state has invalid options: ${(e as Error).message}`);
    }
    const known = Object.keys(self.groupOptions[i]!);
    const missing = known.filter((key) => !Object.hasOwn(saved, key));
    if (missing.length > 0) {
      throw new StateFormatError(`optimizer state group ${i} lacks options ${missing.join(', ')}`);
    }
    // Every key is an option: none is dropped unread (a "params" key included).
    const unknown = Object.keys(saved).find((key) => !known.includes(key));
    if (unknown !== undefined) {
      throw new StateFormatError(
        `optimizer state group ${i} has an unknown option ${quote(unknown)} (known: ${known.join(', ')})`,
      );
    }
    try {
      return self.resolveOptions(self.groupOptions[i]!, saved as Partial<O>, `group ${i}: `);
    } catch (e) {
      // resolveOptions quotes values briefly; anything else it throws is named, not echoed.
      const why = e instanceof InvalidOptionError ? e.message : 'unreadable options';
      throw new StateFormatError(`optimizer state has invalid options: ${why}`);
    }
  });
  for (const t of state.tensors) {
    const slot = self.slots.get(t.param);
    if (!slot)
      throw new StateFormatError(
        `optimizer state has a buffer for unknown parameter ${quote(t.param)}`,
      );
    if (t.length !== slot.size) {
      throw new StateFormatError(
        `optimizer state buffer ${quote(t.buffer)} of ${quote(t.param)} has ${t.length} values, the parameter has ${slot.size}`,
      );
    }
  }
  // Each (parameter, buffer) once, and exactly the buffers the parameter's group keeps.
  groupBufferSets(
    state.tensors.map((t) => ({ owner: t.param, buffer: t.buffer, value: t.length })),
    (name) => self.bufferNames(options[self.slots.get(name)!.group]!),
  );
  return options;
}
