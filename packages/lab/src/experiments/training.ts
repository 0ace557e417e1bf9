import { coreSession } from './core-session.js';
import { Rng } from './data/rng.js';
import type { EngineSession } from './engine-session.js';
import {
  createCoreMethod,
  createTfMethod,
  type Hyperparameters,
  type MethodName,
  methodLrFactorFor,
} from './methods.js';
import type { RunStatus } from './run-record.js';
import type { Task } from './tasks/index.js';
import { lrMultiplierFor, type ScheduleSpec } from './tasks/schedules.js';
import { type EpochMetrics, stepsPerEpochOf, type TaskSize } from './tasks/task.js';
import { tfjsSession } from './tfjs-session.js';

/** What a run needs besides its task. */
export interface RunContext {
  readonly method: MethodName;
  readonly hyperparameters: Hyperparameters;
  readonly seed: number;
  readonly size: TaskSize;
  /** Replaces the task's own schedule (for experiments that compare schedules). */
  readonly schedule?: ScheduleSpec;
  readonly onEpoch?: (metrics: EpochMetrics) => void;
  /** Called after every optimizer step (progress bars). */
  readonly onStep?: (step: number, total: number) => void;
}

export interface TaskOutcome {
  readonly epochs: EpochMetrics[];
  readonly status: RunStatus;
  readonly error?: string;
}

/** The task's model and the method's optimizer on the task's engine. */
function openSession(task: Task, ctx: RunContext, stepsPerEpoch: number): EngineSession {
  const hp = ctx.hyperparameters;
  const data = task.data(ctx.size);
  if (task.engine === 'tfjs') {
    const model = task.model(data, ctx.size, ctx.seed);
    return tfjsSession(model, createTfMethod(ctx.method, hp), hp, {
      stepsPerEpoch,
      ...(task.clipNorm !== undefined ? { clipNorm: task.clipNorm } : {}),
    });
  }
  if (hp.weightDecay !== 0 || task.clipNorm !== undefined) {
    throw new Error(
      `task "${task.name}" runs on the core engine, which has no weight decay or clipping`,
    );
  }
  const model = task.model(data, ctx.size, ctx.seed);
  return coreSession(model, createCoreMethod(ctx.method, model.parameters, hp));
}

/**
 * The training loop every task shares, whatever its engine: the task's schedule (or the run's
 * replacement) times the method's own factor on the base learning rate, seeded batch order
 * (a fresh shuffle of the training subset each epoch, full batches only), an evaluation after
 * every epoch, progress callbacks. A non-finite loss, gradient or metric stops the run as
 * `diverged`.
 */
export async function trainRun(task: Task, ctx: RunContext): Promise<TaskOutcome> {
  const { size, hyperparameters: hp } = ctx;
  const stepsPerEpoch = stepsPerEpochOf(size);
  const total = stepsPerEpoch * size.epochs;
  const multiplier = lrMultiplierFor(ctx.schedule ?? task.schedule(size, stepsPerEpoch), total);
  const methodFactor = methodLrFactorFor(ctx.method);
  const session = openSession(task, ctx, stepsPerEpoch);
  const rng = new Rng(ctx.seed * 7919 + 17);
  const order = Array.from({ length: size.train }, (_, i) => i);
  const epochs: EpochMetrics[] = [];
  let step = 0;
  try {
    for (let epoch = 1; epoch <= size.epochs; epoch++) {
      rng.shuffle(order);
      for (let b = 0; b < stepsPerEpoch; b++) {
        const batch = order.slice(b * size.batchSize, (b + 1) * size.batchSize);
        const ok = session.step(batch, rng, hp.lr * multiplier(step) * methodFactor(step));
        step += 1;
        ctx.onStep?.(step, total);
        if (!ok) return { epochs, status: 'diverged' };
      }
      const record = session.endEpoch(epoch, step);
      epochs.push(record);
      ctx.onEpoch?.(record);
      if (Object.values(record).some((v) => !Number.isFinite(v))) {
        return { epochs, status: 'diverged' };
      }
    }
    return { epochs, status: 'ok' };
  } finally {
    session.dispose();
  }
}
