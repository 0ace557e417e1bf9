#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ABLATION_TASKS,
  type AblationTaskName,
  ablationConfig,
  isAblationTask,
  loadAblationConfig,
  runAblation,
  saveAblationConfig,
} from '../experiments/ablation.js';
import { BACKENDS, type BackendName } from '../experiments/backend.js';
import {
  ABLATION_METHODS,
  type AblationMethodName,
  isAblationMethod,
  isKnownMethod,
  isMethod,
  METHODS,
  type MethodName,
} from '../experiments/methods.js';
import { loadPlan, savePlan } from '../experiments/plan-file.js';
import { isPreset, PRESET_TABLE, PRESETS } from '../experiments/presets.js';
import { type Plan, spec } from '../experiments/protocol.js';
import { writeAblationReport } from '../experiments/report/ablation-report.js';
import { writeReport } from '../experiments/report/write-report.js';
import { RunStore } from '../experiments/run-store.js';
import { executeRun } from '../experiments/run-task.js';
import { runProtocol } from '../experiments/runner.js';
import { isTask, TASKS, type TaskName } from '../experiments/tasks/task.js';
import {
  addQueueOptions,
  jobsCount,
  type QueueFlags,
  queueRunner,
  registerQueueCommands,
} from './queue-options.js';

function listOf<T extends string>(kind: string, all: readonly T[], check: (s: string) => s is T) {
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

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
    return n;
  };
}

function positiveNumber(name: string, allowZero = false) {
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

interface ProtocolFlags extends QueueFlags {
  preset: string;
  tasks?: TaskName[];
  methods?: MethodName[];
  seeds?: number;
  jobs: number;
  backend: BackendName;
  out: string;
  progress: boolean;
}

function protocolOptions(cmd: Command, defaultPreset: string): Command {
  const withTasks = cmd
    .addOption(
      new Option('--preset <name>', 'smoke, quick or full').choices(PRESETS).default(defaultPreset),
    )
    .option(
      '--tasks <list>',
      `comma-separated tasks (${TASKS.join(', ')})`,
      listOf('task', TASKS, isTask),
    )
    .option(
      '--methods <list>',
      `comma-separated methods (${METHODS.join(', ')})`,
      listOf('method', METHODS, isMethod),
    );
  return runOptions(withTasks, 'report', 'runs/, results.json, index.html, README.md');
}

/** The options every command that runs a protocol shares: seeds, jobs, backend, output, progress. */
function runOptions(cmd: Command, defaultOut: string, outContents: string): Command {
  return addQueueOptions(cmd)
    .option(
      '--seeds <n>',
      "seeds for the chosen setting (default: the preset's)",
      positiveInt('--seeds'),
    )
    .option('--jobs <n>', 'parallel runs (child processes)', jobsCount, availableParallelism())
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('wasm'))
    .option('--out <dir>', `output directory (${outContents})`, defaultOut)
    .option('--no-progress', 'plain log lines instead of a progress bar');
}

function planOf(flags: ProtocolFlags): Plan {
  if (!isPreset(flags.preset)) throw new InvalidArgumentError(`unknown preset ${flags.preset}`);
  const preset = PRESET_TABLE[flags.preset];
  return {
    preset,
    tasks: flags.tasks ?? [...TASKS],
    methods: flags.methods ?? [...METHODS],
    seeds: flags.seeds ?? preset.seeds,
  };
}

async function sweep(flags: ProtocolFlags): Promise<Plan> {
  const plan = planOf(flags);
  mkdirSync(flags.out, { recursive: true });
  savePlan(flags.out, plan);
  const started = Date.now();
  const queue = await queueRunner(flags, { protocol: plan });
  await runProtocol(plan, flags.out, {
    jobs: flags.jobs,
    backend: flags.backend,
    progress: flags.progress && Boolean(process.stderr.isTTY),
    log: (line) => console.log(line),
    ...queue.runnerOptions,
  });
  await queue.close();
  console.log(
    `protocol finished in ${((Date.now() - started) / 1000).toFixed(1)} s with ${flags.jobs} jobs`,
  );
  return plan;
}

async function report(out: string, plan: Plan): Promise<void> {
  const files = await writeReport(out, plan, new RunStore(out).all());
  console.log(`report written: ${files.join(', ')}`);
}

export function buildProgram(): Command {
  const program = new Command('madgrad')
    .description(
      "Reproduce the MADGRAD paper's protocol on five laptop-sized problems, and report.",
    )
    .showHelpAfterError();

  protocolOptions(
    program
      .command('reproduce')
      .description('sweep, re-run the best settings over seeds, write the report'),
    'quick',
  ).action(async (flags: ProtocolFlags) => {
    const plan = await sweep(flags);
    await report(flags.out, plan);
  });

  protocolOptions(
    program
      .command('sweep')
      .description('run the protocol (sweep, then seeds), storing every run; resumes'),
    'quick',
  ).action(async (flags: ProtocolFlags) => {
    await sweep(flags);
  });

  runOptions(
    program
      .command('ablation')
      .description(
        'the design ablation: MADGRAD built from dual averaging step by step (DA, AdaGrad-DA, λ weighting, square vs cube root, momentum) plus SGD with η/(k+1)^p, SGD and AdaGrad, each swept and re-run over seeds under a flat and a stage-wise schedule; writes the report. Resumes: rerun to continue or to rewrite the report',
      )
      .addOption(
        new Option(
          '--preset <name>',
          'smoke (seconds), quick (digits, under 15 minutes on 2 cores) or full (digits and g2p)',
        )
          .choices(PRESETS)
          .default('quick'),
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
    'report-ablation',
    'runs/, ablation.json, results.json, index.html, README.md',
  ).action(
    async (
      flags: QueueFlags & {
        preset: string;
        tasks?: AblationTaskName[];
        methods?: AblationMethodName[];
        seeds?: number;
        out: string;
        progress: boolean;
      },
    ) => {
      if (!isPreset(flags.preset)) throw new InvalidArgumentError(`unknown preset ${flags.preset}`);
      const config = ablationConfig(flags.preset, {
        ...(flags.tasks ? { tasks: flags.tasks } : {}),
        ...(flags.methods ? { methods: flags.methods } : {}),
        ...(flags.seeds ? { seeds: flags.seeds } : {}),
      });
      mkdirSync(flags.out, { recursive: true });
      saveAblationConfig(flags.out, config);
      const started = Date.now();
      const queue = await queueRunner(flags, { ablation: config });
      const store = await runAblation(config, flags.out, {
        jobs: flags.jobs,
        backend: flags.backend,
        progress: flags.progress && Boolean(process.stderr.isTTY),
        log: (line) => console.log(line),
        ...queue.runnerOptions,
      });
      await queue.close();
      console.log(
        `ablation finished in ${((Date.now() - started) / 1000).toFixed(1)} s with ${flags.jobs} jobs`,
      );
      const files = await writeAblationReport(flags.out, config, store.all());
      console.log(`report written: ${files.join(', ')}`);
    },
  );

  program
    .command('report')
    .description(
      'write index.html, results.json and README.md from the runs stored in --out (a reproduction, or an ablation where --out holds ablation.json)',
    )
    .option('--out <dir>', 'directory holding runs/ and plan.json (or ablation.json)', 'report')
    .action(async (flags: { out: string }) => {
      const ablation = loadAblationConfig(flags.out);
      if (ablation) {
        const files = await writeAblationReport(flags.out, ablation, new RunStore(flags.out).all());
        console.log(`ablation report written: ${files.join(', ')}`);
        return;
      }
      const plan = loadPlan(flags.out);
      if (!plan) {
        program.error(`no plan.json in ${flags.out}: run "madgrad sweep --out ${flags.out}" first`);
      } else {
        await report(flags.out, plan);
      }
    });

  program
    .command('train')
    .description('train one run and print its per-epoch metrics as JSON lines')
    .requiredOption('--task <name>', TASKS.join(', '), listOf('task', TASKS, isTask))
    .requiredOption(
      '--method <name>',
      `${METHODS.join(', ')}; on digits and g2p also the ablation's ${ABLATION_METHODS.filter((m) => !isMethod(m)).join(', ')}`,
      listOf('method', [...new Set([...METHODS, ...ABLATION_METHODS])], isKnownMethod),
    )
    .option(
      '--lr <x>',
      "learning rate (default: the method's usual value on the task)",
      positiveNumber('--lr'),
    )
    .option('--weight-decay <x>', 'coupled weight decay', positiveNumber('--weight-decay', true), 0)
    .option('--seed <n>', 'seed', (v) => positiveInt('--seed')(String(Number(v) + 1)) - 1, 0)
    .option('--epochs <n>', "epochs (default: the preset's)", positiveInt('--epochs'))
    .addOption(
      new Option('--preset <name>', 'sizes from this preset').choices(PRESETS).default('quick'),
    )
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(BACKENDS).default('wasm'))
    .action(
      async (flags: {
        task: TaskName[];
        method: MethodName[];
        lr?: number;
        weightDecay: number;
        seed: number;
        epochs?: number;
        preset: string;
        backend: BackendName;
      }) => {
        const task = flags.task[0]!;
        const method = flags.method[0]!;
        if (!isPreset(flags.preset))
          throw new InvalidArgumentError(`unknown preset ${flags.preset}`);
        const { lrCentreOf } = await import('../experiments/lr-centres.js');
        const base = PRESET_TABLE[flags.preset].sizes[task];
        const size = flags.epochs ? { ...base, epochs: flags.epochs } : base;
        const hp = {
          lr: flags.lr ?? lrCentreOf(task, method),
          weightDecay: flags.weightDecay,
        };
        const record = await executeRun(spec(task, method, hp, flags.seed, size), flags.backend, {
          onEpoch: (m) => console.log(JSON.stringify(m)),
        });
        console.log(
          JSON.stringify({
            status: record.status,
            seconds: record.seconds,
            final: record.final,
            ...(record.error ? { error: record.error } : {}),
          }),
        );
        if (record.status === 'failed') process.exitCode = 1;
      },
    );

  program
    .command('bench')
    .description(
      'optimizer step benchmarks: time per parameter of every implementation (bench/bench.ts)',
    )
    .option('--json', 'print one JSON document instead of a table')
    .option(
      '--sizes <list>',
      'parameter counts, comma-separated (default 65536,1048576,4194304,16777216)',
    )
    .action((flags: { json?: boolean; sizes?: string }) => {
      // The benchmark is its own script (it measures in a fresh process); run it beside this file:
      // src/bench/bench.ts through tsx from a checkout, or the compiled bench.js from dist/.
      const here = fileURLToPath(import.meta.url);
      const compiled = here.endsWith('.js');
      const script = join(dirname(here), '..', 'bench', compiled ? 'bench.js' : 'bench.ts');
      const args = [
        ...(compiled ? [] : ['--import', 'tsx']),
        script,
        ...(flags.json ? ['--json'] : []),
        ...(flags.sizes ? ['--sizes', flags.sizes] : []),
      ];
      const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
      process.exitCode = result.status ?? 1;
    });

  registerQueueCommands(program);
  return program;
}

process.on('SIGINT', () => {
  // Finished runs are already on disk (one file each, renamed into place): rerun to resume.
  console.error('\ninterrupted: every finished run is stored; rerun the same command to resume');
  process.exit(130);
});

await buildProgram().parseAsync(process.argv);
