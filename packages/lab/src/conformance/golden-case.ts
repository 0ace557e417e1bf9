import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OptimizerOptions } from 'madgrad';

/** A golden gradient: dense values, row-sparse rows, or null (skipped). */
export type GoldenGradient = number[] | { indices: number[]; values: number[] } | null;

/** One golden trajectory, as described in the golden format (golden/FORMAT.md; option names converted). */
export interface GoldenCase {
  readonly name: string;
  readonly optimizer: 'madgrad' | 'mirror_madgrad';
  readonly groups: readonly {
    readonly params: readonly string[];
    readonly options: OptimizerOptions;
  }[];
  readonly params: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    readonly init: readonly number[];
  }[];
  readonly steps: readonly {
    readonly grads: Readonly<Record<string, GoldenGradient>>;
    readonly lr?: readonly number[];
  }[];
  readonly expected: readonly Readonly<Record<string, readonly number[]>>[];
  readonly finalState: {
    readonly k: number;
    readonly params: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>;
  };
}

/** The golden format's tolerance (golden/FORMAT.md): |a − b| <= 1e-6 + 1e-4 |b|. */
export function tolerance(expected: number): number {
  return 1e-6 + 1e-4 * Math.abs(expected);
}

/** Parses one case file; throws with the file name when a field is missing. */
export function parseGoldenCase(text: string, source: string): GoldenCase {
  const raw = JSON.parse(text);
  const need = (cond: boolean, what: string) => {
    if (!cond) throw new Error(`${source}: golden case is missing or has a malformed ${what}`);
  };
  need(raw && typeof raw.name === 'string', 'name');
  need(raw.optimizer === 'madgrad' || raw.optimizer === 'mirror_madgrad', 'optimizer');
  need(
    Array.isArray(raw.groups) && Array.isArray(raw.params) && Array.isArray(raw.steps),
    'groups/params/steps',
  );
  need(
    Array.isArray(raw.expected) && raw.expected.length === raw.steps.length,
    'expected (one per step)',
  );
  need(raw.final_state && typeof raw.final_state.k === 'number', 'final_state');
  return {
    name: raw.name,
    optimizer: raw.optimizer,
    groups: raw.groups.map((g: { params: string[]; options: Record<string, unknown> }) => ({
      params: g.params,
      options: {
        lr: g.options.lr,
        momentum: g.options.momentum,
        weightDecay: g.options.weight_decay,
        eps: g.options.eps,
        decoupleDecay: g.options.decouple_decay ?? false,
      } as OptimizerOptions,
    })),
    params: raw.params,
    steps: raw.steps,
    expected: raw.expected,
    finalState: { k: raw.final_state.k, params: raw.final_state.params },
  };
}

/** Every `*.json` case directly in `dir`, sorted by file name. */
export function loadGoldenDir(dir: string): GoldenCase[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(`${dir} is not a folder`);
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseGoldenCase(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
}
