import { hostname } from 'node:os';
import { type Job, QueueEvents } from 'bullmq';
import type { BackendName } from '../experiments/backend.js';
import type { RunExecutor, RunHooks } from '../experiments/run-executor.js';
import type { RunSpec, StoredRun } from '../experiments/run-record.js';
import { storedRunProblem } from '../experiments/run-schema.js';
import { codeVersion } from './code-version.js';
import { failedRecord, jobFor, recordFromResult } from './job-schema.js';
import { type PlanRef, planFromRef, specInPlan } from './plan-ref.js';
import { checkQueueConnection } from './preflight.js';
import { QUEUE_NAME, type QueueTiming, timingWith } from './queue-settings.js';
import { type QueueConnection, redactText, redisOptions } from './queue-url.js';
import { type QueueWorkerHandle, startQueueWorker } from './queue-worker.js';
import { payloadDamageOf, resultDamageOf, SafeQueue } from './safe-job.js';

export interface QueueCoordinatorOptions {
  readonly connection: QueueConnection;
  /** The plans whose runs this coordinator enqueues (one per protocol, two for an ablation). */
  readonly plans: readonly PlanRef[];
  readonly backend: BackendName;
  /** Local workers (child processes) this coordinator runs besides coordinating; 0: none. */
  readonly jobs: number;
  readonly timing?: Partial<QueueTiming>;
  readonly log: (line: string) => void;
}

/** Milliseconds a run spent in the queue's hands, for the runs this coordinator collected. */
export interface QueueOverhead {
  readonly runs: number;
  /** From enqueueing a run to a worker starting it (includes waiting for a free worker). */
  readonly enqueueToStartMs: readonly number[];
  /** From a worker finishing a run to the coordinator having stored it. */
  readonly resultToStoredMs: readonly number[];
}

export interface QueueCoordinator {
  /** Runs specs on the queue; resolves once each has a result (pass as the runner's executor). */
  readonly executor: RunExecutor;
  overhead(): QueueOverhead;
  close(): Promise<void>;
}

const FINISHED = new Set(['completed', 'failed']);

/**
 * The coordinator side of the queue: enqueues runs (the job id is the run id, so a run already on
 * the queue, enqueued by this or another coordinator, is not enqueued twice), listens for results
 * and also polls their state (a restarted coordinator collects runs that finished meanwhile; a run
 * lost with Redis's data is enqueued again), and hands each result to the runner's store once.
 */
export async function openQueueCoordinator(
  options: QueueCoordinatorOptions,
): Promise<QueueCoordinator> {
  const timing = timingWith(options.timing);
  const version = codeVersion();
  const secrets = [options.connection.password];
  const log = (line: string) => options.log(redactText(line, secrets));
  const lastErrors = new Map<string, number>();
  /** A repeated error (a reconnect loop) is printed at most every 10 s. */
  const logError = (line: string) => {
    if ((lastErrors.get(line) ?? 0) > Date.now() - 10_000) return;
    lastErrors.set(line, Date.now());
    log(line);
  };
  await checkQueueConnection(options.connection);
  const connection = redisOptions(options.connection);
  const queue = new SafeQueue(QUEUE_NAME, { connection });
  const events = new QueueEvents(QUEUE_NAME, { connection });
  let closing = false;
  queue.on('error', (e) => logError(`queue: ${e.message}`));
  events.on('error', (e) => {
    if (!(e instanceof SyntaxError)) {
      logError(`queue events: ${e.message}`);
      return;
    }
    // BullMQ stops listening at an event it cannot parse; the runs are still checked every pollMs.
    logError(
      `queue events: skipped an unreadable event (${e.message.slice(0, 100)}); listening again (the runs are also checked every ${timing.pollMs} ms)`,
    );
    setTimeout(() => {
      if (!closing) events.run().catch((err: Error) => events.emit('error', err));
    }, timing.pollMs).unref();
  });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const plans = options.plans.map((ref) => ({ ref, plan: planFromRef(ref) }));
  const enqueueToStartMs: number[] = [];
  const resultToStoredMs: number[] = [];
  let local: QueueWorkerHandle | null = null;
  if (options.jobs > 0) {
    local = await startQueueWorker({
      connection: options.connection,
      jobs: options.jobs,
      timing,
      name: `coordinator@${hostname()}:${process.pid}`,
      log: () => {},
    });
  }

  const jobOf = (spec: RunSpec) => {
    const owner = plans.find((p) => specInPlan(p.plan, spec)?.id === spec.id);
    if (!owner) throw new Error(`run ${spec.id} belongs to none of the coordinator's plans`);
    return jobFor(owner.ref, spec, options.backend, version);
  };

  const executor: RunExecutor = async (specs: readonly RunSpec[], hooks: RunHooks) => {
    const pending = new Map(specs.map((s) => [s.id, s]));
    if (pending.size === 0) return;
    const busy = new Set<string>();
    /** Results refused so far, per run: a run is redone at most `attempts` times for them. */
    const refusals = new Map<string, number>();
    const again = new Set<string>();
    const tally = { enqueued: 0, queued: 0, finished: 0, retried: 0 };
    let fail!: (e: Error) => void;
    let done!: () => void;
    const finishedAll = new Promise<void>((resolve, reject) => {
      done = resolve;
      fail = reject;
    });

    const add = async (spec: RunSpec) => {
      await queue.add('run', jobOf(spec), {
        jobId: spec.id,
        attempts: timing.attempts,
        backoff: { type: 'fixed', delay: timing.retryDelayMs },
        removeOnComplete: { age: Math.ceil(timing.keepFinishedMs / 1000) },
        removeOnFail: { age: Math.ceil(timing.keepFinishedMs / 1000) },
      });
    };

    const deliver = (spec: RunSpec, record: StoredRun, job: Job) => {
      if (!pending.has(spec.id)) return;
      // The store reads back only what passes its schema: a record it would set aside is not a result.
      const problem = storedRunProblem(JSON.parse(JSON.stringify(record)), spec.id);
      const stored = problem
        ? failedRecord(spec, options.backend, `not storable: ${problem}`)
        : record;
      pending.delete(spec.id);
      hooks.onResult(stored);
      if (job.processedOn && job.timestamp) enqueueToStartMs.push(job.processedOn - job.timestamp);
      if (job.finishedOn) resultToStoredMs.push(Date.now() - job.finishedOn);
      if (pending.size === 0) done();
    };

    /**
     * Sets aside a job whose result (or payload) cannot be used, naming the run and why in one
     * line: the job is removed and the run enqueued again, or, after `attempts` refusals, stored
     * as failed with the reason.
     */
    const refuse = async (spec: RunSpec, job: Job, why: string) => {
      const n = (refusals.get(spec.id) ?? 0) + 1;
      refusals.set(spec.id, n);
      await job.remove();
      const last = n >= timing.attempts;
      log(
        `queue: refused ${spec.id}: ${why} (${n} of ${timing.attempts}; ${last ? 'stored as failed' : 'enqueued again'})`,
      );
      if (last)
        deliver(spec, failedRecord(spec, options.backend, `refused ${n} times: ${why}`), job);
      else await add(spec);
    };

    /** Brings one run forward: enqueue it if missing, collect it if finished, else wait. */
    const collect = async (spec: RunSpec, first: boolean) => {
      if (!pending.has(spec.id)) return;
      if (busy.has(spec.id)) {
        again.add(spec.id); // an event during a check: check once more after it
        return;
      }
      busy.add(spec.id);
      try {
        // The state first, then the job: a job read before its state could predate its result.
        const state = await queue.getJobState(spec.id);
        const job = state === 'unknown' ? undefined : await queue.getJob(spec.id);
        if (!job) {
          await add(spec);
          if (first) tally.enqueued += 1;
          else log(`queue: ${spec.id} was missing from the queue (Redis lost it?): enqueued again`);
          return;
        }
        const damaged = payloadDamageOf(job);
        if (damaged !== undefined) {
          // Nobody's job: its worker (if one holds it) rejects it, else it is set aside here.
          if (state !== 'active') await refuse(spec, job, `its job is unreadable: ${damaged}`);
          return;
        }
        const ownVersion = (job.data as { version?: unknown } | undefined)?.version === version;
        if (!ownVersion) {
          if (!FINISHED.has(state)) {
            throw new Error(
              `run ${spec.id} is on the queue (${state}) from a coordinator of another code version; wait for it to finish or use another Redis database`,
            );
          }
          await job.remove();
          await add(spec);
          tally.retried += 1;
          return;
        }
        if (state === 'completed') {
          const unreadable = resultDamageOf(job);
          if (unreadable !== undefined) {
            await refuse(spec, job, `its result is unreadable: ${unreadable}`);
            return;
          }
          if (job.returnvalue === null || job.returnvalue === undefined) {
            // Removed and enqueued again since its state was read, or completed with no result.
            if ((await job.getState()) === 'completed')
              await refuse(spec, job, 'it completed without a result');
            return;
          }
          const stored = recordFromResult(spec, options.backend, job.returnvalue);
          if (typeof stored === 'string') {
            await refuse(spec, job, stored);
            return;
          }
          if (first && stored.status === 'failed') {
            // As locally: a coordinator starting again retries the runs that failed before.
            await job.remove();
            await add(spec);
            tally.retried += 1;
            return;
          }
          if (first) tally.finished += 1;
          deliver(spec, stored, job);
        } else if (state === 'failed') {
          if (first) {
            await job.remove();
            await add(spec);
            tally.retried += 1;
            return;
          }
          deliver(
            spec,
            failedRecord(
              spec,
              options.backend,
              (job.failedReason || 'failed on the queue').slice(0, 2000),
            ),
            job,
          );
        } else if (first) {
          tally.queued += 1;
        }
      } finally {
        busy.delete(spec.id);
        if (again.delete(spec.id)) void collectLogged(spec);
      }
    };
    const collectLogged = (spec: RunSpec, first = false): Promise<void> =>
      collect(spec, first).catch((e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        if (/another code version/.test(message)) fail(e as Error);
        else logError(`queue: ${message}`);
      });

    const onFinished = ({ jobId }: { jobId: string }) => {
      const spec = pending.get(jobId);
      if (spec) void collectLogged(spec);
    };
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
      const p = data as { step?: unknown; total?: unknown } | null;
      if (pending.has(jobId) && p && typeof p.step === 'number' && typeof p.total === 'number')
        hooks.onProgress?.(jobId, p.step, p.total);
    };
    events.on('completed', onFinished);
    events.on('failed', onFinished);
    events.on('progress', onProgress);
    const poll = setInterval(() => {
      for (const spec of pending.values()) void collectLogged(spec);
    }, timing.pollMs);
    try {
      await Promise.all([...pending.values()].map((s) => collectLogged(s, true)));
      log(
        `queue: ${tally.enqueued} runs enqueued, ${tally.queued} already queued, ${tally.finished} already finished there${tally.retried ? `, ${tally.retried} enqueued again (failed before, or from another version)` : ''}`,
      );
      await finishedAll;
    } finally {
      clearInterval(poll);
      events.off('completed', onFinished);
      events.off('failed', onFinished);
      events.off('progress', onProgress);
    }
  };

  return {
    executor,
    overhead: () => ({ runs: resultToStoredMs.length, enqueueToStartMs, resultToStoredMs }),
    close: async () => {
      closing = true;
      await local?.stop(false);
      await events.close();
      await queue.close();
    },
  };
}
