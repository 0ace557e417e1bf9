import type { Command } from 'commander';
import type { BackendName } from '../../experiments/backend.js';
import { isMethod, type MainMethodName, METHODS } from '../../experiments/methods.js';
import type { PresetName } from '../../experiments/presets.js';
import { TaskError } from '../../experiments/tasks/user-task-data.js';
import { DEFAULT_TUNE_METHODS, tune } from '../../tune/tune.js';
import { formatTuneResult } from '../../tune/tune-result.js';
import { listOf, presetOption, runOptions } from './shared-options.js';

interface TuneFlags {
  readonly methods: MainMethodName[];
  readonly preset: PresetName;
  readonly seeds?: number;
  readonly jobs: number;
  readonly backend: BackendName;
  readonly out: string;
  readonly progress: boolean;
}

/** `madgrad-lab tune <module>`: the protocol on a user's task module, and what it recommends. */
export function register(program: Command): void {
  const cmd = program
    .command('tune')
    .description(
      "tune MADGRAD against baselines on your own task: the paper's protocol on a task module (see docs/tune.md)",
    )
    .argument('<module>', 'an ES module exporting the task (default export, or the export "task")')
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
  runOptions(cmd, 'tune-report', 'runs/, index.html, README.md, tune.txt, tune.json').action(
    async (module: string, flags: TuneFlags) => {
      if (flags.jobs < 1) throw new TaskError('--jobs must be at least 1 for tune');
      const result = await tune(module, {
        methods: flags.methods,
        preset: flags.preset,
        out: flags.out,
        jobs: flags.jobs,
        backend: flags.backend,
        progressBar: flags.progress && process.stdout.isTTY === true,
        ...(flags.seeds ? { seeds: flags.seeds } : {}),
        onProgress: (line) => console.log(line),
      });
      process.stdout.write(formatTuneResult(result));
      console.log(`report written: ${result.files.join(', ')}`);
    },
  );
}
