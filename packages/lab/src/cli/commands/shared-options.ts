import { availableParallelism } from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS } from '../../experiments/backend.js';
import { MAX_JOBS, MAX_SEEDS } from '../../experiments/plan-schema.js';
import { PRESETS } from '../../experiments/presets.js';
import { quoted } from '../../experiments/quoted.js';

/** A comma-separated list of known names (at least one; a name given twice counts once). */
export function listOf<T extends string>(
  kind: string,
  all: readonly T[],
  check: (s: string) => s is T,
) {
  return (value: string): T[] => {
    const items = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items) {
      if (!check(item)) {
        throw new InvalidArgumentError(
          `unknown ${kind} ${quoted(item)} (known: ${all.join(', ')})`,
        );
      }
    }
    if (items.length === 0) throw new InvalidArgumentError(`no ${kind} given`);
    return [...new Set(items)] as T[];
  };
}

/** Exactly one known name: a list is refused rather than cut to its first value. */
export function oneOf<T extends string>(
  kind: string,
  all: readonly T[],
  check: (s: string) => s is T,
) {
  return (value: string): T => {
    const item = value.trim();
    if (item.includes(',')) {
      throw new InvalidArgumentError(`takes one ${kind}, got the list ${quoted(value)}`);
    }
    if (!check(item)) {
      throw new InvalidArgumentError(`unknown ${kind} ${quoted(item)} (known: ${all.join(', ')})`);
    }
    return item;
  };
}

/**
 * A whole number from `min` to `max`, written in decimal digits (no sign, exponent or fraction):
 * the parser of every count and duration option.
 */
export function wholeNumber(name: string, min: number, max: number) {
  return (value: string): number => {
    const digits = value.trim();
    const n = /^[0-9]{1,16}$/.test(digits) ? Number(digits) : Number.NaN;
    if (!(n >= min && n <= max)) {
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

export function positiveNumber(name: string, allowZero = false) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
      throw new InvalidArgumentError(
        `${name} must be a finite ${allowZero ? 'non-negative' : 'positive'} number`,
      );
    }
    return n;
  };
}

/** `--preset`, one of the presets. */
export function presetOption(description: string, defaultPreset = 'quick'): Option {
  return new Option('--preset <name>', description).choices(PRESETS).default(defaultPreset);
}

/** `--backend`, the tfjs backend. */
export function backendOption(): Option {
  return new Option(
    '--backend <name>',
    'tfjs backend: wasm (with the faster training kernels of tfjs-wasm-training-kernels), wasm-stock (tfjs-wasm with its own kernels) or cpu',
  )
    .choices(BACKENDS)
    .default('wasm');
}

/**
 * `--jobs`: runs trained at once, from `min` to MAX_JOBS (0 is checked against --queue before
 * the command runs); above this machine's core count the command warns and goes on.
 */
export function jobsOption(cmd: Command, description: string, min: number, fallback: number) {
  return cmd
    .option('--jobs <n>', description, wholeNumber('--jobs', min, MAX_JOBS), fallback)
    .hook('preAction', (_this, action) => {
      const { jobs } = action.opts() as { jobs: number };
      const cores = availableParallelism();
      if (jobs > cores) {
        console.error(
          `warning: --jobs ${jobs} is more than the ${cores} cores of this machine: the runs compete for them`,
        );
      }
    });
}

/**
 * The options every command that runs a protocol shares: seeds, jobs, backend, output, progress
 * (the queue's options come from queue-options.ts, before these).
 */
export function runOptions(cmd: Command, defaultOut: string, outContents: string): Command {
  const withSeeds = cmd.option(
    '--seeds <n>',
    `seeds for the chosen setting, 1 to ${MAX_SEEDS} (default: the preset's)`,
    wholeNumber('--seeds', 1, MAX_SEEDS),
  );
  return jobsOption(
    withSeeds,
    `parallel runs (child processes), at most ${MAX_JOBS}`,
    0,
    Math.min(availableParallelism(), MAX_JOBS),
  )
    .addOption(backendOption())
    .option('--out <dir>', `output directory (${outContents})`, defaultOut)
    .option('--no-progress', 'plain log lines instead of a progress bar');
}
