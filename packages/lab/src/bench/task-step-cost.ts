/**
 * The cost of a task's training step and evaluation at a preset's size, as CPU time of this
 * process (process.cpuUsage: on a shared machine wall-clock time counts the other jobs, CPU time
 * hardly does), so that a preset's time on an idle machine can be estimated from it:
 *
 *   node packages/lab/dist/src/bench/task-step-cost.js [--preset quick] [--steps 10]
 *     [--tasks digits,kspace] [--backends wasm-stock,wasm] [--rounds 3]
 *
 * Prints per task and backend: the median CPU milliseconds of one optimizer step (MADGRAD at the
 * task's usual learning rate, the first step left out as warm-up) and of one epoch's evaluation
 * (validation and test splits), the steps of a run, and the CPU seconds of one whole run at that
 * size. With several backends, each round measures them in turn (so that a change in the machine's
 * load touches all alike), and the medians over rounds are compared with the first backend's.
 */
import { pathToFileURL } from 'node:url';
import { type BackendName, isBackend } from '../experiments/backend.js';
import { lrCentreOf } from '../experiments/methods.js';
import { isPreset, type PresetName } from '../experiments/presets.js';
import { spec } from '../experiments/protocol.js';
import { executeRun } from '../experiments/run-task.js';
import {
  type BuiltinTaskName,
  isBuiltinTask,
  TASK_REGISTRY,
  TASKS,
} from '../experiments/tasks/index.js';
import { totalStepsOf } from '../experiments/tasks/task.js';

export interface TaskStepCost {
  readonly task: BuiltinTaskName;
  readonly stepCpuMs: number;
  /** Median wall-clock milliseconds of one step (the bench's throughput). */
  readonly stepWallMs: number;
  /** Examples per step. */
  readonly batchSize: number;
  readonly evalCpuMs: number;
  readonly runSteps: number;
  readonly runCpuSeconds: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? Number.NaN;

/** Trains `steps` steps (one epoch, then one evaluation) of a task at a preset's size. */
export async function taskStepCost(
  task: BuiltinTaskName,
  preset: PresetName,
  steps: number,
  backend: BackendName = 'wasm',
): Promise<TaskStepCost> {
  const size = TASK_REGISTRY[task].sizes[preset];
  const probe = { ...size, epochs: 1, train: size.batchSize * (steps + 1) };
  const hp = { lr: lrCentreOf(task, 'madgrad'), weightDecay: 0 };
  const stepTimes: number[] = [];
  const wallTimes: number[] = [];
  let evalMs = Number.NaN;
  let last = cpuMs();
  let lastWall = performance.now();
  const run = await executeRun(spec(task, 'madgrad', hp, 0, probe), backend, {
    onStep: () => {
      const now = cpuMs();
      stepTimes.push(now - last);
      last = now;
      const wall = performance.now();
      wallTimes.push(wall - lastWall);
      lastWall = wall;
    },
    onEpoch: () => {
      evalMs = cpuMs() - last;
    },
  });
  if (run.status !== 'ok') throw new Error(`${task}: ${run.status} ${run.error ?? ''}`);
  const stepCpuMs = median(stepTimes.slice(1));
  const runSteps = totalStepsOf(size);
  return {
    task,
    stepCpuMs,
    stepWallMs: median(wallTimes.slice(1)),
    batchSize: size.batchSize,
    evalCpuMs: evalMs,
    runSteps,
    runCpuSeconds: (runSteps * stepCpuMs + size.epochs * evalMs) / 1000,
  };
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const preset = arg('--preset') ?? 'quick';
  if (!isPreset(preset)) throw new Error(`unknown preset "${preset}"`);
  const steps = Number(arg('--steps') ?? 10);
  if (!Number.isInteger(steps) || steps < 2) throw new Error('--steps must be an integer >= 2');
  const tasks = (arg('--tasks') ?? TASKS.join(',')).split(',');
  const backends = (arg('--backends') ?? 'wasm').split(',');
  const rounds = Number(arg('--rounds') ?? 1);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be an integer >= 1');
  for (const task of tasks) {
    if (!isBuiltinTask(task)) throw new Error(`unknown task "${task}"`);
    const costs = new Map<string, TaskStepCost[]>();
    for (let round = 0; round < rounds; round++) {
      for (const backend of backends) {
        if (!isBackend(backend)) throw new Error(`unknown backend "${backend}"`);
        const list = costs.get(backend) ?? [];
        list.push(await taskStepCost(task, preset, steps, backend));
        costs.set(backend, list);
      }
    }
    const first = median(costs.get(backends[0]!)!.map((c) => c.stepCpuMs));
    for (const [backend, list] of costs) {
      const step = median(list.map((c) => c.stepCpuMs));
      const evaluation = median(list.map((c) => c.evalCpuMs));
      const c = list[0]!;
      const runCpuSeconds =
        (c.runSteps * step + TASK_REGISTRY[task].sizes[preset].epochs * evaluation) / 1000;
      const ratio =
        backends.length > 1 ? `, ${(first / step).toFixed(2)}x ${backends[0]}'s step` : '';
      console.log(
        `${task} (${preset}, ${backend}): step ${step.toFixed(1)} ms CPU, evaluation ${evaluation.toFixed(0)} ms CPU per epoch; a run: ${c.runSteps} steps, ${runCpuSeconds.toFixed(1)} s CPU${ratio}`,
      );
    }
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
