import { StateFormatError } from '../maths/errors.js';
import { quote, quoteList } from '../maths/quote.js';

/** One saved state buffer: the parameter (or tfjs variable) it belongs to, its name and value. */
export interface OwnedBuffer<T> {
  readonly owner: string;
  readonly buffer: string;
  readonly value: T;
}

/**
 * Groups saved state buffers by owner and checks the set each owner holds: every buffer at most
 * once, and exactly the buffers `expected(owner)` names (in any order). Both checkpoint readers
 * (the core's `loadState` and the tfjs optimizers' `setWeights`) call it, so a parameter's buffer
 * set is checked the same way wherever state comes from. Throws a `StateFormatError` naming the
 * owner and the buffers; `what` names the source in the message ("optimizer state", ...).
 */
export function groupBufferSets<T>(
  entries: Iterable<OwnedBuffer<T>>,
  expected: (owner: string) => readonly string[],
  what = 'optimizer state',
): Map<string, Record<string, T>> {
  const grouped = new Map<string, Record<string, T>>();
  for (const { owner, buffer, value } of entries) {
    // No prototype: a buffer named "__proto__" or "constructor" is an entry like any other.
    const buffers = grouped.get(owner) ?? (Object.create(null) as Record<string, T>);
    if (Object.hasOwn(buffers, buffer)) {
      throw new StateFormatError(`${what} repeats buffer ${quote(buffer)} of ${quote(owner)}`);
    }
    buffers[buffer] = value;
    grouped.set(owner, buffers);
  }
  for (const [owner, buffers] of grouped) {
    const want = [...expected(owner)].sort();
    const got = Object.keys(buffers).sort();
    if (want.length !== got.length || want.some((name, i) => name !== got[i])) {
      throw new StateFormatError(
        `${what} for ${quote(owner)} has buffers ${quoteList(got)}, expected ${quoteList(want)}`,
      );
    }
  }
  return grouped;
}
