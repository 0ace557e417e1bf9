import type { Command } from 'commander';
import { isMethod, type MainMethodName, METHODS } from '../../experiments/methods.js';
import type { PresetName } from '../../experiments/presets.js';
import { TASKS } from '../../experiments/tasks/index.js';
import { DEFAULT_TUNE_METHODS, tune } from '../../tune/tune.js';
import { formatTuneResult } from '../../tune/tune-result.js';
import { addQueueOptions, type QueueFlags, queueRunner } from './queue-options.js';
import { listOf, presetOption, runOptions } from './shared-options.js';

interface TuneFlags extends QueueFlags {
  readonly methods: MainMethodName[];
  readonly preset: PresetName;
  readonly seeds?: number;
  readonly out: string;
  readonly progress: boolean;
}

/**
 * `madgrad-lab tune <module>`: the protocol on a user's task module (or a built-in task), and what
 * it recommends.
 */
export function register(program: Command): void {
  const cmd = program
    .command('tune')
    .description(
      "tune MADGRAD against baselines on your own task: the paper's protocol on a task module (see docs/tune.md)",
    )
    .argument(
      '<module>',
      `an ES module exporting the task (default export, or the export "task"), or a built-in task's name (${TASKS.join(', ')})`,
    )
    .option(
      '--methods <list>',
      `comma-separated methods (${METHODS.join(', ')})`,
      listOf('method', METHODS, isMethod),
      [...DEFAULT_TUNE_METHODS],
    )
    .addOption(
      presetOption(
        "smoke (one run per method, a check), quick (the task's epochs, a 4-point sweep, 3 seeds), standard (twice the epochs, a 3-point sweep with the weight-decay grid, 8 seeds) or full",
      ),
    );
  runOptions(
    addQueueOptions(cmd),
    'tune-report',
    'runs/, index.html, README.md, tune.txt, tune.json',
  ).action(async (module: string, flags: TuneFlags) => {
    const result = await tune(module, {
      methods: flags.methods,
      preset: flags.preset,
      out: flags.out,
      jobs: flags.jobs,
      backend: flags.backend,
      progressBar: flags.progress && process.stdout.isTTY === true,
      ...(flags.seeds ? { seeds: flags.seeds } : {}),
      onProgress: (line) => console.log(line),
      // With --queue, the runs go to the queue's workers (and --jobs local ones).
      ...(flags.queue
        ? {
            executorFor: async (plan) => {
              const queue = await queueRunner(flags, { protocol: plan });
              return { executor: queue.runnerOptions.executor!, close: queue.close };
            },
          }
        : {}),
    });
    process.stdout.write(formatTuneResult(result));
    console.log(`report written: ${result.files.join(', ')}`);
  });
}
