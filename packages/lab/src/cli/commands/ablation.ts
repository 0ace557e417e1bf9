import type { Command } from 'commander';
import {
  ABLATION_TASKS,
  type AblationTaskName,
  ablationConfig,
  isAblationTask,
  runAblation,
  saveAblationConfig,
} from '../../experiments/ablation.js';
import type { BackendName } from '../../experiments/backend.js';
import {
  ABLATION_METHODS,
  type AblationMethodName,
  isAblationMethod,
} from '../../experiments/methods.js';
import { prepareOutDir } from '../../experiments/out-dir.js';
import type { PresetName } from '../../experiments/presets.js';
import { writeAblationReport } from '../../experiments/report/ablation-report.js';
import { addQueueOptions, type QueueFlags, withRunnerOptions } from './queue-options.js';
import { listOf, presetOption, runOptions } from './shared-options.js';

interface AblationFlags extends QueueFlags {
  readonly preset: PresetName;
  readonly tasks?: AblationTaskName[];
  readonly methods?: AblationMethodName[];
  readonly seeds?: number;
  readonly jobs: number;
  readonly backend: BackendName;
  readonly out: string;
  readonly progress: boolean;
}

/** `madgrad-lab ablation`: MADGRAD's construction, step by step, under two schedules. */
export function register(program: Command): void {
  runOptions(
    addQueueOptions(
      program
        .command('ablation')
        .description(
          'the design ablation: MADGRAD built from dual averaging step by step (DA, AdaGrad-DA, λ weighting, square vs cube root, momentum) plus SGD with η/(k+1)^p, SGD and AdaGrad, each swept and re-run over seeds under a flat and a stage-wise schedule; writes the report. Resumes: rerun to continue or to rewrite the report',
        )
        .addOption(
          presetOption(
            'smoke (seconds), quick (digits, under 15 minutes on 2 cores), standard (digits at the standard size, within 90 minutes on 2 cores) or full (digits and g2p)',
          ),
        )
        .option(
          '--tasks <list>',
          `comma-separated tasks (${ABLATION_TASKS.join(', ')}; default: the preset's)`,
          listOf('task', ABLATION_TASKS, isAblationTask),
        )
        .option(
          '--methods <list>',
          `comma-separated methods (default all: ${ABLATION_METHODS.join(', ')})`,
          listOf('method', ABLATION_METHODS, isAblationMethod),
        ),
    ),
    'report-ablation',
    'runs/, ablation.json, results.json, index.html, README.md',
  ).action(async (flags: AblationFlags) => {
    prepareOutDir(flags.out);
    const config = ablationConfig(flags.preset, {
      ...(flags.tasks ? { tasks: flags.tasks } : {}),
      ...(flags.methods ? { methods: flags.methods } : {}),
      ...(flags.seeds ? { seeds: flags.seeds } : {}),
    });
    saveAblationConfig(flags.out, config);
    const started = Date.now();
    const store = await withRunnerOptions(flags, { ablation: config }, (options) =>
      runAblation(config, flags.out, options),
    );
    console.log(
      `ablation finished in ${((Date.now() - started) / 1000).toFixed(1)} s with ${flags.jobs} jobs`,
    );
    const files = await writeAblationReport(flags.out, config, store.all());
    console.log(`report written: ${files.join(', ')}`);
  });
}
