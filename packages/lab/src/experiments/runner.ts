import cliProgress from 'cli-progress';
import type { BackendName } from './backend.js';
import { type Plan, seedSpecs, sweepSpecs } from './protocol.js';
import type { RunExecutor } from './run-executor.js';
import { runInPool } from './run-pool.js';
import type { RunSpec, StoredRun } from './run-record.js';
import { RunStore } from './run-store.js';
import type { TaskModuleRef } from './task-module-ref.js';
import { totalStepsOf } from './tasks/task.js';

export interface RunnerOptions {
  readonly jobs: number;
  readonly backend: BackendName;
  /** Show a progress bar (on a terminal). */
  readonly progress: boolean;
  readonly log?: (line: string) => void;
  /** Where runs execute (default: the local process pool with `jobs` processes). */
  readonly executor?: RunExecutor;
  /** The modules of the tasks that are not built in, for the pool's processes (plans add theirs). */
  readonly taskModules?: Readonly<Record<string, TaskModuleRef>>;
}

/** Stored runs by id; failed runs are retried on resume, ok and diverged ones are kept. */
export function completedRuns(store: RunStore): Map<string, StoredRun> {
  return new Map(
    store
      .all()
      .filter((r) => r.status !== 'failed')
      .map((r) => [r.id, r]),
  );
}

/** Runs the specs not yet stored, storing each as soon as it finishes. */
export async function runPending(
  label: string,
  specs: readonly RunSpec[],
  store: RunStore,
  options: RunnerOptions,
): Promise<{ ran: number; skipped: number }> {
  const done = completedRuns(store);
  const pending = specs.filter((s) => !done.has(s.id));
  const skipped = specs.length - pending.length;
  options.log?.(
    `${label}: ${specs.length} runs, ${skipped} already stored, ${pending.length} to run on ${Math.min(options.jobs, pending.length)} processes`,
  );
  if (pending.length === 0) return { ran: 0, skipped };
  const totalSteps = pending.reduce((s, p) => s + totalStepsOf(p.size), 0);
  const bar = options.progress
    ? new cliProgress.SingleBar(
        {
          format: `${label} |{bar}| {percentage}% | ETA {eta_formatted} | runs {runs}/${pending.length} | {last}`,
          etaBuffer: 200,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(totalSteps, 0, { runs: 0, last: '' });
  const stepsSeen = new Map<string, number>();
  let finished = 0;
  let progressed = 0;
  const execute: RunExecutor =
    options.executor ??
    ((specs, hooks) => runInPool(specs, options.jobs, options.backend, hooks, options.taskModules));
  await execute(pending, {
    onProgress: (id, step) => {
      progressed += step - (stepsSeen.get(id) ?? 0);
      stepsSeen.set(id, step);
      bar?.update(progressed);
    },
    onResult: (record) => {
      store.save(record);
      finished += 1;
      const spec = pending.find((p) => p.id === record.id)!;
      progressed += totalStepsOf(spec.size) - (stepsSeen.get(record.id) ?? 0);
      stepsSeen.set(record.id, totalStepsOf(spec.size));
      const tag = `${record.task}/${record.method} lr=${record.hyperparameters.lr} seed=${record.seed}: ${record.status}`;
      bar?.update(progressed, { runs: finished, last: tag });
      if (!bar) options.log?.(`  [${finished}/${pending.length}] ${tag} (${record.seconds}s)`);
      if (record.status === 'failed') options.log?.(`  failed: ${tag}: ${record.error}`);
    },
  });
  bar?.stop();
  // Whatever the executor reported, a stage is finished only when the store holds every run
  // (a record the store refuses on reading back is set aside there and counts as missing).
  const missing = pending.filter((s) => store.get(s.id) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `${label}: ${missing.length} of ${pending.length} runs have no stored result (first: ${missing[0]!.id}); run the same command again to redo them`,
    );
  }
  return { ran: pending.length, skipped };
}

/**
 * The protocol of several plans in one pool (so they share the cores), in rounds. Each round runs
 * every sweep point not yet stored, then the seed runs of every sweep already finished, so that
 * seeds keep the cores busy while other sweeps grow past a grid edge (protocol.ts). It stops when
 * a round would plan nothing new (a run that failed is retried by the next invocation).
 */
export async function runPlans(
  plans: readonly Plan[],
  store: RunStore,
  options: RunnerOptions,
): Promise<void> {
  const modules = Object.assign({}, options.taskModules, ...plans.map((p) => p.modules ?? {}));
  const withModules: RunnerOptions =
    Object.keys(modules).length > 0 ? { ...options, taskModules: modules } : options;
  let known = new Set<string>();
  for (let round = 1; ; round++) {
    const done = completedRuns(store);
    const specs = plans.flatMap((plan) => [...sweepSpecs(plan, done), ...seedSpecs(plan, done)]);
    if (specs.every((s) => known.has(s.id))) return;
    known = new Set(specs.map((s) => s.id));
    await runPending(`round ${round}`, specs, store, withModules);
  }
}

/** The whole protocol of one plan: its sweeps, and the chosen settings over more seeds. */
export async function runProtocol(
  plan: Plan,
  outDir: string,
  options: RunnerOptions,
): Promise<RunStore> {
  const store = new RunStore(outDir);
  await runPlans([plan], store, options);
  return store;
}
