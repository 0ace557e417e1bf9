import { InvalidOptionError } from './errors.js';
import { quote } from './quote.js';
import type { ScheduleConfig } from './schedules.js';

/**
 * What the schedule builders check their options with, and how a stored config of an earlier
 * version is read: the option names of each kind, the old names, range checks that throw
 * `InvalidOptionError` with one line naming the schedule and the option.
 */

/** The option names each builder accepts, in the order its options type lists them. */
export const OPTION_NAMES = {
  constant: ['lr'],
  stepDecay: ['lr', 'boundaries', 'factor'],
  inverseSqrt: ['lr', 'warmupSteps', 'warmupInitLr'],
  polynomialDecay: ['lr', 'warmupSteps', 'totalSteps', 'endLr', 'power'],
  powerDecay: ['lr', 'power'],
  warmupCosine: ['peakLr', 'warmupSteps', 'decaySteps', 'initLr', 'endLr', 'exponent'],
} as const satisfies Record<ScheduleConfig['kind'], readonly string[]>;

/** The kinds a stored config may name, in the order of the `ScheduleConfig` table. */
export const SCHEDULE_KINDS: readonly ScheduleConfig['kind'][] = Object.keys(
  OPTION_NAMES,
) as ScheduleConfig['kind'][];

/** The snake_case kinds that earlier versions stored, and their names now. */
export const OLD_KINDS: Readonly<Record<string, ScheduleConfig['kind']>> = {
  step_decay: 'stepDecay',
  inverse_sqrt: 'inverseSqrt',
  polynomial_decay: 'polynomialDecay',
  power_decay: 'powerDecay',
  warmup_cosine: 'warmupCosine',
};

/** The options that earlier versions stored under another name, per kind: old name to new. */
export const OLD_OPTION_NAMES: Readonly<
  Partial<Record<ScheduleKind, Readonly<Record<string, string>>>>
> = {
  inverseSqrt: { warmupUpdates: 'warmupSteps' },
  polynomialDecay: { warmupUpdates: 'warmupSteps', totalUpdates: 'totalSteps' },
};

export function need(ok: boolean, message: string): void {
  if (!ok) throw new InvalidOptionError(message);
}

/** The largest finite float32: a learning rate is used as a float32 by the kernels. */
export const FLOAT32_MAX = 3.4028234663852886e38;

export function finite(
  kind: string,
  name: string,
  value: unknown,
  min = Number.NEGATIVE_INFINITY,
): number {
  need(
    typeof value === 'number' && Number.isFinite(value) && value >= min,
    `schedule ${kind}: option ${name} must be a finite number >= ${min}, got ${quote(value)}`,
  );
  return value as number;
}

/** A learning rate the schedule returns as it is: >= 0 and within float32. */
export function rate(kind: string, name: string, value: unknown): number {
  const lr = finite(kind, name, value, 0);
  need(
    lr <= FLOAT32_MAX,
    `schedule ${kind}: option ${name} is ${lr}, beyond the float32 range (at most ${FLOAT32_MAX}) the steps compute in`,
  );
  return lr;
}

export function count(kind: string, name: string, value: unknown, min = 0): number {
  need(
    Number.isInteger(value) && (value as number) >= min,
    `schedule ${kind}: option ${name} must be an integer >= ${min}, got ${quote(value)}`,
  );
  return value as number;
}

export type ScheduleKind = ScheduleConfig['kind'];

/**
 * Checks that `options` is an object whose every key is an option of `kind` (or one of `extra`),
 * so that a misspelt option cannot pass silently.
 */
export function checkOptionNames(
  kind: ScheduleKind,
  options: unknown,
  extra: readonly string[] = [],
): void {
  need(
    options !== null && typeof options === 'object',
    `schedule ${kind}: takes an options object, got ${quote(options)}`,
  );
  const names: readonly string[] = [...extra, ...OPTION_NAMES[kind]];
  const renamed = OLD_OPTION_NAMES[kind] ?? {};
  for (const key of Object.keys(options as object)) {
    if (names.includes(key)) continue;
    const hint = Object.hasOwn(renamed, key) ? `: ${key} is now ${renamed[key]}` : '';
    throw new InvalidOptionError(
      `schedule ${kind}: unknown option ${quote(key)} (known: ${names.join(', ')})${hint}`,
    );
  }
}

/**
 * A config of an earlier version in today's names: its snake_case kind camel-cased, its renamed
 * options under their new names. Today's configs pass through unchanged. tfjs-layers camel-cases
 * the kind of a loaded model itself, so an old key may come with a new kind.
 */
export function upgradeConfig(config: unknown): unknown {
  if (config === null || typeof config !== 'object') return config;
  const stored = (config as { readonly kind?: unknown }).kind;
  const kind =
    typeof stored === 'string' && Object.hasOwn(OLD_KINDS, stored) ? OLD_KINDS[stored] : stored;
  const renamed: Readonly<Record<string, string>> =
    typeof kind === 'string' && Object.hasOwn(OLD_OPTION_NAMES, kind)
      ? OLD_OPTION_NAMES[kind as ScheduleKind]!
      : {};
  const entries = Object.entries(config).map(([key, value]): [string, unknown] =>
    key === 'kind' ? [key, kind] : [Object.hasOwn(renamed, key) ? renamed[key]! : key, value],
  );
  for (const [old, name] of Object.entries(renamed)) {
    need(
      !(Object.hasOwn(config, old) && Object.hasOwn(config, name)),
      `schedule ${kind as string}: holds both ${old} and ${name} (${old} is now ${name})`,
    );
  }
  // fromEntries keeps a key such as __proto__ as an own key, for the unknown-key check.
  return Object.fromEntries(entries);
}

/** The options of a stored config: every key but `kind`. */
export function withoutKind<T>(config: { readonly kind: string } & T): T {
  return Object.fromEntries(Object.entries(config).filter(([key]) => key !== 'kind')) as T;
}
