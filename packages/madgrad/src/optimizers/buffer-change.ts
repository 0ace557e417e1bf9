import { quote } from '../maths/quote.js';

/**
 * What an option change does to a group's state buffers: null when `bufferNames` names the same
 * buffers for `current` and `next`, else a description naming each changed option whose change
 * alone alters them (every changed option when none does alone) and the buffers before and
 * after, e.g. "changing momentum from 0.9 to 0 ... (grad_sum_sq, s, x0 → grad_sum_sq, s)".
 */
export function bufferChange<O extends object>(
  current: O,
  next: O,
  bufferNames: (options: O) => readonly string[],
): string | null {
  const before = bufferNames(current);
  const after = bufferNames(next);
  if (sameList(before, after)) return null;
  const changed = (Object.keys(next) as (keyof O & string)[]).filter(
    (name) => !Object.is(current[name], next[name]),
  );
  const alone = changed.filter(
    (name) => !sameList(bufferNames({ ...current, [name]: next[name] }), before),
  );
  const named = (alone.length > 0 ? alone : changed).map(
    (name) => `${name} from ${quote(current[name])} to ${quote(next[name])}`,
  );
  return `changing ${named.join(' and ')} once steps have been taken changes the state buffers (${before.join(', ')} → ${after.join(', ')})`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
