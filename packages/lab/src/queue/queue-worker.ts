import { hostname } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import { type Job, UnrecoverableError, WaitingError } from 'bullmq';
import type { StoredRun } from '../experiments/run-record.js';
import { registerModules, type TaskModuleRef } from '../experiments/task-module-ref.js';
import { ChildRunner } from './child-runner.js';
import { codeVersion } from './code-version.js';
import { checkJob, failedRecord, jobModules } from './job-schema.js';
import { checkQueueConnection } from './preflight.js';
import { QUEUE_NAME, type QueueTiming, timingWith } from './queue-settings.js';
import type { QueueConnection } from './queue-url.js';
import { damageOf, jobName, SafeQueue, SafeWorker } from './safe-job.js';

export interface QueueWorkerOptions {
  readonly connection: QueueConnection;
  /** Runs trained at once, each in its own child process. */
  readonly jobs: number;
  /** Stop once nothing is waiting and no run is in flight here for `idleMs`. */
  readonly exitWhenIdle?: boolean;
  /** @default 5000 */
  readonly idleMs?: number;
  readonly timing?: Partial<QueueTiming>;
  /** How the worker shows in `madgrad-lab status`. @default `<hostname>:<pid>` */
  readonly name?: string;
  /**
   * Absolute directories whose task modules (a tune's plan) this worker imports; a run of a
   * module elsewhere is refused, since importing a module runs its code.
   * @default none: every run of a task module is refused
   */
  readonly taskModuleDirs?: readonly string[];
  readonly log: (line: string) => void;
}

export interface QueueWorkerHandle {
  /** Resolves once the worker stopped: 0, or 2 when it refused a job of another code version. */
  readonly stopped: Promise<number>;
  /** Stops taking runs and finishes those in flight, or hands them back to the queue at once. */
  stop(handBack: boolean): Promise<void>;
  /** Runs finished here (any status). */
  finished(): number;
}

/** Why a worker allowed `dirs` does not import one of `modules`, or undefined when it may. */
function outsideDirs(
  modules: Readonly<Record<string, TaskModuleRef>>,
  dirs: readonly string[],
): string | undefined {
  const under = (path: string, dir: string) => {
    const r = relative(dir, path);
    return r !== '' && !r.startsWith('..') && !isAbsolute(r);
  };
  const outside = Object.values(modules).find((m) => !dirs.some((d) => under(m.path, d)));
  if (!outside) return undefined;
  return dirs.length === 0
    ? `task module ${outside.path}: this worker imports no task modules (start it with --task-modules DIR)`
    : `task module ${outside.path} is outside the directories this worker imports task modules from (${dirs.join(', ')})`;
}

/** A log function that prints a repeated message (a reconnect loop) at most every 10 s. */
export function throttledLog(log: (line: string) => void, redact: (text: string) => string) {
  const seen = new Map<string, number>();
  return (line: string) => {
    const safe = redact(line);
    const now = Date.now();
    if ((seen.get(safe) ?? 0) > now - 10_000) return;
    seen.set(safe, now);
    log(safe);
  };
}

/**
 * Processes runs from the queue until stopped. Each job is checked before anything runs
 * (job-schema.ts): a job of another code version, or of a task module this worker has in another
 * version (its sha256 differs from the plan's) or not at all, is put back untouched and this
 * worker stops (exit status 2, naming both); a job that cannot be read (safe-job.ts), a malformed job
 * and a job of a plan no coordinator of this version builds are failed without being executed
 * (one line naming the job), and the worker goes on. A run that throws is retried by the queue up
 * to its attempts, then returned as `failed`.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const timing = timingWith(options.timing);
  await checkQueueConnection(options.connection);
  const version = codeVersion();
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const { redact } = options.connection;
  const log = (line: string) => options.log(redact(line));
  const logError = throttledLog(options.log, redact);
  const idle: ChildRunner[] = [];
  const inFlight = new Map<string, ChildRunner>();
  let handingBack = false;
  let refused = false;
  let finished = 0;
  let stopping: Promise<void> | null = null;
  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((r) => {
    resolveStopped = r;
  });

  const processor = async (job: Job, token?: string): Promise<StoredRun> => {
    const shownId = jobName(job.id);
    const damage = damageOf(job);
    if (damage !== undefined) {
      log(`rejected job ${shownId}: unreadable: ${damage} (not executed)`);
      throw new UnrecoverableError(`rejected by the worker: unreadable: ${damage}`);
    }
    const modules = jobModules(job.data);
    let moduleError = modules ? outsideDirs(modules, options.taskModuleDirs ?? []) : undefined;
    if (modules && !moduleError) {
      try {
        await registerModules(modules);
      } catch (e) {
        moduleError = e instanceof Error ? e.message : String(e);
      }
    }
    const verdict: ReturnType<typeof checkJob> = moduleError
      ? { kind: 'refuse', reason: moduleError }
      : checkJob(job.data, job.id, version);
    if (verdict.kind === 'refuse') {
      log(
        moduleError
          ? `refusing run ${shownId}: ${verdict.reason}. It stays on the queue for a worker with the same task module; this worker stops.`
          : `refusing run ${shownId}: ${verdict.reason}. It stays on the queue for a worker of that version; this worker stops.`,
      );
      refused = true;
      await job.moveToWait(token);
      void stop(false);
      throw new WaitingError();
    }
    if (verdict.kind === 'reject') {
      log(`rejected job ${shownId}: ${verdict.reason} (not executed)`);
      throw new UnrecoverableError(`rejected by the worker: ${verdict.reason}`);
    }
    const { spec, backend, modules: planModules } = verdict;
    if (handingBack) {
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const runner = idle.pop() ?? new ChildRunner();
    inFlight.set(spec.id, runner);
    let lastSent = 0;
    let record: StoredRun;
    try {
      record = await runner.run(
        spec,
        backend,
        (step, total) => {
          const now = Date.now();
          if (now - lastSent < 1000 && step !== total) return;
          lastSent = now;
          job.updateProgress({ worker: name, step, total }).catch(() => {});
        },
        planModules,
      );
      idle.push(runner);
    } catch (e) {
      runner.close();
      if (handingBack) {
        log(`handing back ${spec.id}`);
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const message = e instanceof Error ? e.message : String(e);
      log(`${spec.id}: ${message}${lastAttempt ? '' : ' (will be retried)'}`);
      if (!lastAttempt) throw e;
      record = failedRecord(spec, backend, message);
    } finally {
      inFlight.delete(spec.id);
    }
    finished += 1;
    log(`${spec.id}: ${record.status} in ${record.seconds} s`);
    if (record.status === 'failed' && !lastAttempt) throw new Error(record.error ?? 'run failed');
    return record;
  };

  const worker = new SafeWorker(QUEUE_NAME, processor, {
    connection: options.connection.redis,
    concurrency: options.jobs,
    lockDuration: timing.lockDurationMs,
    stalledInterval: timing.stalledIntervalMs,
    maxStalledCount: timing.maxStalledCount,
    name,
  });
  worker.on('error', (err) => logError(`queue worker: ${err.message}`));

  const counter = options.exitWhenIdle
    ? new SafeQueue(QUEUE_NAME, { connection: options.connection.redis })
    : null;
  counter?.on('error', (err) => logError(`queue: ${err.message}`));
  let idleSince = Date.now();
  let checking = false;
  const idleTimer = options.exitWhenIdle
    ? setInterval(() => {
        if (checking) return;
        checking = true;
        void (async () => {
          if (!counter || stopping) return;
          const c = await counter.getJobCounts('waiting', 'prioritized', 'delayed', 'paused');
          const waiting = Object.values(c).reduce((a, b) => a + b, 0);
          if (waiting > 0 || inFlight.size > 0) idleSince = Date.now();
          else if (Date.now() - idleSince >= (options.idleMs ?? 5000)) {
            log('queue idle: stopping');
            void stop(false);
          }
        })()
          .catch((e: unknown) => logError(`queue: ${e instanceof Error ? e.message : e}`))
          .finally(() => {
            checking = false;
          });
      }, 500)
    : null;

  async function stop(handBack: boolean): Promise<void> {
    if (handBack && !handingBack) {
      handingBack = true;
      for (const runner of inFlight.values()) runner.kill();
    }
    if (!stopping) {
      stopping = (async () => {
        if (idleTimer) clearInterval(idleTimer);
        await worker.close();
        for (const r of idle) r.close();
        await counter?.close();
        resolveStopped(refused ? 2 : 0);
      })();
    }
    return stopping;
  }

  await worker.waitUntilReady();
  log(
    `worker ${name} (${version}) takes runs from ${options.connection.display} with ${options.jobs} processes`,
  );
  return { stopped, stop, finished: () => finished };
}
