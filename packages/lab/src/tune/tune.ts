import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BackendName, useBackend } from '../experiments/backend.js';
import { inProcessExecutor } from '../experiments/in-process-executor.js';
import type { MainMethodName } from '../experiments/methods.js';
import { prepareOutDir, storedRuns } from '../experiments/out-dir.js';
import { PRESET_TABLE, type PresetName, presetSizeOf } from '../experiments/presets.js';
import type { Plan } from '../experiments/protocol.js';
import { writeFiles, writeReport } from '../experiments/report/write-report.js';
import { runReproduction } from '../experiments/reproduction.js';
import type { RunExecutor } from '../experiments/run-executor.js';
import {
  importTaskModule,
  registerTaskModule,
  type TaskModuleRef,
} from '../experiments/task-module-ref.js';
import { preflightTask } from '../experiments/task-preflight.js';
import { defineTask } from '../experiments/tasks/define-task.js';
import {
  isBuiltinTask,
  registerTask,
  type Task,
  taskDefinition,
} from '../experiments/tasks/index.js';
import type { TaskDefinition } from '../experiments/tasks/task.js';
import type { UserTaskSpec } from '../experiments/tasks/user-task-spec.js';
import { formatTuneResult, type TuneResult, tuneResultOf } from './tune-result.js';

/** The methods `tune` compares by default: MADGRAD against Adam and SGD. */
export const DEFAULT_TUNE_METHODS: readonly MainMethodName[] = ['madgrad', 'adam', 'sgd'];

/** How `tune` runs the protocol. */
export interface TuneOptions {
  /**
   * The methods swept and compared.
   * @default ['madgrad', 'adam', 'sgd']
   */
  readonly methods?: readonly MainMethodName[];
  /**
   * The grid and seeds: `smoke` (one run per method at its centre, for checks), `quick` (a
   * 4-point sweep ×½ to ×4 the centre, 3 seeds, the task's epochs), `standard` (a 3-point sweep,
   * the weight-decay grid, 8 seeds, twice the epochs), `full` (7 points, the weight-decay grid,
   * 5 seeds, twice the epochs). Every sweep grows past an edge that wins.
   * @default 'quick'
   */
  readonly preset?: PresetName;
  /** Seeds of the chosen settings. @default the preset's */
  readonly seeds?: number;
  /** The output directory: runs/, the report, tune.txt and tune.json; a second call resumes. @default 'tune-report' */
  readonly out?: string;
  /**
   * Runs trained at once, each in a child process that imports the task module (or has the
   * built-in task). A task given as an object (not a module path) trains in this process, one run
   * at a time.
   * @default the machine's core count
   */
  readonly jobs?: number;
  /** The tfjs backend of the runs. @default 'wasm' */
  readonly backend?: BackendName;
  /** Called with a line at each stage and each finished run. */
  readonly onProgress?: (line: string) => void;
  /** Show a progress bar (on a terminal) instead of a line per run. @default false */
  readonly progressBar?: boolean;
  /**
   * Where the runs execute instead of the local processes, given the plan: the CLI's `--queue`
   * passes a queue coordinator here (closed once the protocol has finished).
   * @default the local process pool (a module) or this process (a task object)
   */
  readonly executorFor?: (plan: Plan) => Promise<{ executor: RunExecutor; close(): Promise<void> }>;
}

/**
 * The task to tune: a module's path or file URL, a built-in task's name (`digits`, `kspace`,
 * `g2p`, `mlm`, `sparse`) where no file of that name exists, or a task in either form (or as
 * `defineTask` returned it).
 */
export type TuneTarget = string | URL | UserTaskSpec | TaskDefinition;

async function taskOf(
  target: TuneTarget,
): Promise<{ task: Task; ref?: TaskModuleRef; builtin?: boolean }> {
  if (typeof target === 'string' && isBuiltinTask(target) && !existsSync(target)) {
    return { task: taskDefinition(target), builtin: true };
  }
  if (typeof target === 'string' || target instanceof URL) {
    const path = target instanceof URL ? fileURLToPath(target) : target;
    return importTaskModule(path);
  }
  return { task: defineTask(target) };
}

/**
 * Runs the paper's protocol on a user's task: sweeps each method's learning rate on a power-of-2
 * grid (growing past a winning edge), chooses on validation, re-runs the chosen settings over
 * seeds; writes the report (index.html, README.md with curves), tune.txt and tune.json to `out`,
 * and returns the recommended method and setting, MADGRAD against each baseline and every
 * method's chosen rate. A second call on the same `out` resumes. A task that cannot run throws
 * `TaskError` with one line before any run.
 */
export async function tune(target: TuneTarget, options: TuneOptions = {}): Promise<TuneResult> {
  const backend = options.backend ?? 'wasm';
  const out = options.out ?? 'tune-report';
  const log = options.onProgress ?? (() => {});
  const { task, ref, builtin } = await taskOf(target);
  if (ref) registerTaskModule(task, ref);
  else if (!builtin) registerTask(task);
  // A task given as an object exists in this process only: its runs train here.
  const inProcess = !ref && !builtin;
  const preset = PRESET_TABLE[options.preset ?? 'quick'];
  await useBackend(backend);
  await task.prepare?.();
  await preflightTask(task, presetSizeOf(preset, task.name));
  log(`task ${task.name}: checked (data, model, gradients, metric)`);
  const dataSha256 = task.dataSha256?.();
  const recorded = ref && dataSha256 ? { ...ref, dataSha256 } : ref;
  const plan: Plan = {
    preset,
    tasks: [task.name],
    methods: [...(options.methods ?? DEFAULT_TUNE_METHODS)],
    seeds: options.seeds ?? preset.seeds,
    ...(recorded ? { modules: { [task.name]: recorded } } : {}),
  };
  prepareOutDir(out);
  const remote = await options.executorFor?.(plan);
  const local = inProcess ? { executor: inProcessExecutor(backend) } : {};
  let seconds: number;
  try {
    seconds = await runReproduction(plan, out, {
      jobs: inProcess ? 1 : (options.jobs ?? availableParallelism()),
      backend,
      progress: options.progressBar ?? false,
      log,
      ...(remote ? { executor: remote.executor } : local),
    });
  } finally {
    await remote?.close();
  }
  log(`protocol finished in ${seconds.toFixed(1)} s`);
  const stored = storedRuns(out);
  const reportFiles = await writeReport(out, plan, stored);
  const partial = tuneResultOf(plan, stored);
  const summaryFiles = [join(out, 'tune.txt'), join(out, 'tune.json')];
  const result: TuneResult = { ...partial, files: [...reportFiles, ...summaryFiles] };
  writeFiles(out, {
    'tune.txt': formatTuneResult(result),
    'tune.json': `${JSON.stringify(result, null, 1)}\n`,
  });
  return result;
}
