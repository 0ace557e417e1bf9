import { availableParallelism } from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { BACKENDS } from '../../experiments/backend.js';
import { PRESETS } from '../../experiments/presets.js';
import { addQueueOptions, jobsCount } from './queue-options.js';

/** A comma-separated list of known names (at least one). */
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
        throw new InvalidArgumentError(`unknown ${kind} "${item}" (known: ${all.join(', ')})`);
      }
    }
    if (items.length === 0) throw new InvalidArgumentError(`no ${kind} given`);
    return items as T[];
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
      throw new InvalidArgumentError(`takes one ${kind}, got the list "${value}"`);
    }
    if (!check(item)) {
      throw new InvalidArgumentError(`unknown ${kind} "${item}" (known: ${all.join(', ')})`);
    }
    return item;
  };
}

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

export function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${value}"`);
    return n;
  };
}

export function positiveNumber(name: string, allowZero = false) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) {
      throw new InvalidArgumentError(
        `${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${value}"`,
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
  return new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('wasm');
}

/** The options every command that runs a protocol shares: seeds, jobs, backend, output, progress. */
export function runOptions(cmd: Command, defaultOut: string, outContents: string): Command {
  return addQueueOptions(cmd)
    .option(
      '--seeds <n>',
      "seeds for the chosen setting (default: the preset's)",
      positiveInt('--seeds'),
    )
    .option('--jobs <n>', 'parallel runs (child processes)', jobsCount, availableParallelism())
    .addOption(backendOption())
    .option('--out <dir>', `output directory (${outContents})`, defaultOut)
    .option('--no-progress', 'plain log lines instead of a progress bar');
}
