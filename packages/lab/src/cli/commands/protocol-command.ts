import type { Command } from 'commander';
import type { BackendName } from '../../experiments/backend.js';
import { isMethod, type MainMethodName, METHODS } from '../../experiments/methods.js';
import { prepareOutDir, storedRuns } from '../../experiments/out-dir.js';
import type { PresetName } from '../../experiments/presets.js';
import type { Plan } from '../../experiments/protocol.js';
import { writeReport } from '../../experiments/report/write-report.js';
import { planOf, runReproduction } from '../../experiments/reproduction.js';
import { type BuiltinTaskName, isBuiltinTask, TASKS } from '../../experiments/tasks/index.js';
import { addQueueOptions, type QueueFlags, withRunnerOptions } from './queue-options.js';
import { listOf, presetOption, runOptions } from './shared-options.js';

/** The flags of `reproduce` and `sweep`. */
export interface ProtocolFlags extends QueueFlags {
  readonly preset: PresetName;
  readonly tasks?: BuiltinTaskName[];
  readonly methods?: MainMethodName[];
  readonly seeds?: number;
  readonly jobs: number;
  readonly backend: BackendName;
  readonly out: string;
  readonly progress: boolean;
}

/** Adds the protocol's options (preset, tasks, methods and the run options) to a command. */
export function protocolOptions(cmd: Command): Command {
  const withTasks = cmd
    .addOption(
      presetOption(
        'smoke (seconds), quick (the main job, under 15 minutes on 2 cores), standard (every task towards a plateau, within 90 minutes on 2 cores) or full (the whole protocol, days)',
      ),
    )
    .option(
      '--tasks <list>',
      `comma-separated tasks (${TASKS.join(', ')})`,
      listOf('task', TASKS, isBuiltinTask),
    )
    .option(
      '--methods <list>',
      `comma-separated methods (${METHODS.join(', ')})`,
      listOf('method', METHODS, isMethod),
    );
  return runOptions(
    addQueueOptions(withTasks),
    'report',
    'runs/, results.json, index.html, README.md',
  );
}

/** Runs the protocol the flags ask for into --out, logging to stdout. */
export async function sweep(flags: ProtocolFlags): Promise<Plan> {
  prepareOutDir(flags.out);
  const plan = planOf({
    preset: flags.preset,
    ...(flags.tasks ? { tasks: flags.tasks } : {}),
    ...(flags.methods ? { methods: flags.methods } : {}),
    ...(flags.seeds ? { seeds: flags.seeds } : {}),
  });
  const seconds = await withRunnerOptions(flags, { protocol: plan }, (options) =>
    runReproduction(plan, flags.out, options),
  );
  console.log(`protocol finished in ${seconds.toFixed(1)} s with ${flags.jobs} jobs`);
  return plan;
}

/** Writes the report of a plan from the runs stored in `out`. */
export async function report(out: string, plan: Plan): Promise<void> {
  const files = await writeReport(out, plan, storedRuns(out));
  console.log(`report written: ${files.join(', ')}`);
}
