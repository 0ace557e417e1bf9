import { METHODS, type MethodName } from './methods.js';
import { savePlan } from './plan-file.js';
import { PRESET_TABLE, type PresetName } from './presets.js';
import type { Plan } from './protocol.js';
import { type RunnerOptions, runProtocol } from './runner.js';
import { TASKS, type TaskName } from './tasks/index.js';

/** What a reproduction asks for: a preset, optionally narrowed to some tasks, methods, seeds. */
export interface ReproductionRequest {
  readonly preset: PresetName;
  readonly tasks?: readonly TaskName[];
  readonly methods?: readonly MethodName[];
  readonly seeds?: number;
}

/** The plan of a request: the preset's sizes and grid, every task and main method by default. */
export function planOf(request: ReproductionRequest): Plan {
  const preset = PRESET_TABLE[request.preset];
  return {
    preset,
    tasks: request.tasks ?? [...TASKS],
    methods: request.methods ?? [...METHODS],
    seeds: request.seeds ?? preset.seeds,
  };
}

/**
 * Runs the protocol of a plan into `outDir` (an existing, writable directory): stores the plan
 * (for `madgrad-lab report`), then every run; resumes where a previous call stopped. Returns the
 * seconds it took.
 */
export async function runReproduction(
  plan: Plan,
  outDir: string,
  options: RunnerOptions,
): Promise<number> {
  savePlan(outDir, plan);
  const started = Date.now();
  await runProtocol(plan, outDir, options);
  return (Date.now() - started) / 1000;
}
