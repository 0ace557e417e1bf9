import type { Job } from 'bullmq';
import type { BackendName } from '../experiments/backend.js';
import type { RunHooks } from '../experiments/run-executor.js';
import type { RunSpec, StoredRun } from '../experiments/run-record.js';
import { storedRunProblem } from '../experiments/run-schema.js';
import type { Enqueue } from './coordinator-enqueue.js';
import { failedRecord, recordFromResult } from './job-schema.js';
import { payloadDamageOf, resultDamageOf, type SafeQueue } from './safe-job.js';

const FINISHED = new Set(['completed', 'failed']);

/** What a collection shares with its coordinator. */
export interface CollectContext {
  readonly queue: SafeQueue;
  readonly enqueue: Enqueue;
  readonly backend: BackendName;
  readonly version: string;
  /** Refusals of a run's result before it is stored as failed (the queue's attempts). */
  readonly attempts: number;
  /** Where each collected run's queue times go (QueueOverhead). */
  readonly enqueueToStartMs: number[];
  readonly resultToStoredMs: number[];
  readonly log: (line: string) => void;
  /** Logs a repeated error at most every 10 s. */
  readonly logError: (line: string) => void;
}

/**
 * One executor call's runs on the queue: each is brought forward (enqueued if missing, collected
 * once finished) and handed to the runner's store once. `finished` resolves when every run has a
 * result, and rejects when a run is held by a coordinator of another code version.
 */
export class RunCollection {
  readonly pending: Map<string, RunSpec>;
  readonly tally = { enqueued: 0, queued: 0, finished: 0, retried: 0 };
  readonly finished: Promise<void>;
  private readonly busy = new Set<string>();
  /** Results refused so far, per run: a run is redone at most `attempts` times for them. */
  private readonly refusals = new Map<string, number>();
  private readonly again = new Set<string>();
  private done!: () => void;
  private fail!: (e: Error) => void;

  constructor(
    private readonly ctx: CollectContext,
    specs: readonly RunSpec[],
    private readonly hooks: RunHooks,
  ) {
    this.pending = new Map(specs.map((s) => [s.id, s]));
    this.finished = new Promise<void>((resolve, reject) => {
      this.done = resolve;
      this.fail = reject;
    });
  }

  /** Collects a run, logging its errors; an error of another code version ends the collection. */
  collectLogged(spec: RunSpec, first = false): Promise<void> {
    return this.collect(spec, first).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      if (/another code version/.test(message)) this.fail(e as Error);
      else this.ctx.logError(`queue: ${message}`);
    });
  }

  /** Brings one run forward: enqueue it if missing, collect it if finished, else wait. */
  private async collect(spec: RunSpec, first: boolean): Promise<void> {
    if (!this.pending.has(spec.id)) return;
    if (this.busy.has(spec.id)) {
      this.again.add(spec.id); // an event during a check: check once more after it
      return;
    }
    this.busy.add(spec.id);
    try {
      // The state first, then the job: a job read before its state could predate its result.
      const state = await this.ctx.queue.getJobState(spec.id);
      const job = state === 'unknown' ? undefined : await this.ctx.queue.getJob(spec.id);
      if (!job) {
        await this.ctx.enqueue(spec);
        if (first) this.tally.enqueued += 1;
        else
          this.ctx.log(
            `queue: ${spec.id} was missing from the queue (Redis lost it?): enqueued again`,
          );
        return;
      }
      await this.settle(spec, state, job, first);
    } finally {
      this.busy.delete(spec.id);
      if (this.again.delete(spec.id)) void this.collectLogged(spec);
    }
  }

  /** Acts on a run's job by its state: set aside, enqueued again, delivered, or left to wait. */
  private async settle(spec: RunSpec, state: string, job: Job, first: boolean): Promise<void> {
    const damaged = payloadDamageOf(job);
    if (damaged !== undefined) {
      // Nobody's job: its worker (if one holds it) rejects it, else it is set aside here.
      if (state !== 'active') await this.refuse(spec, job, `its job is unreadable: ${damaged}`);
      return;
    }
    const ownVersion =
      (job.data as { version?: unknown } | undefined)?.version === this.ctx.version;
    if (!ownVersion) {
      if (!FINISHED.has(state)) {
        throw new Error(
          `run ${spec.id} is on the queue (${state}) from a coordinator of another code version; wait for it to finish or use another Redis database`,
        );
      }
      await this.enqueueAgain(spec, job);
      return;
    }
    if (state === 'completed') await this.settleCompleted(spec, job, first);
    else if (state === 'failed') {
      // As locally: a coordinator starting again retries the runs that failed before.
      if (first) await this.enqueueAgain(spec, job);
      else {
        const reason = (job.failedReason || 'failed on the queue').slice(0, 2000);
        this.deliver(spec, failedRecord(spec, this.ctx.backend, reason), job);
      }
    } else if (first) {
      this.tally.queued += 1;
    }
  }

  private async settleCompleted(spec: RunSpec, job: Job, first: boolean): Promise<void> {
    const unreadable = resultDamageOf(job);
    if (unreadable !== undefined) {
      await this.refuse(spec, job, `its result is unreadable: ${unreadable}`);
      return;
    }
    if (job.returnvalue === null || job.returnvalue === undefined) {
      // Removed and enqueued again since its state was read, or completed with no result.
      if ((await job.getState()) === 'completed')
        await this.refuse(spec, job, 'it completed without a result');
      return;
    }
    const stored = recordFromResult(spec, this.ctx.backend, job.returnvalue);
    if (typeof stored === 'string') {
      await this.refuse(spec, job, stored);
      return;
    }
    if (first && stored.status === 'failed') {
      await this.enqueueAgain(spec, job);
      return;
    }
    if (first) this.tally.finished += 1;
    this.deliver(spec, stored, job);
  }

  /** Replaces a finished job (failed before, or of another version) by a fresh one. */
  private async enqueueAgain(spec: RunSpec, job: Job): Promise<void> {
    await job.remove();
    await this.ctx.enqueue(spec);
    this.tally.retried += 1;
  }

  /** Hands a run's record to the store, once, and notes its queue times. */
  private deliver(spec: RunSpec, record: StoredRun, job: Job): void {
    if (!this.pending.has(spec.id)) return;
    // The store reads back only what passes its schema: a record it would set aside is not a result.
    const problem = storedRunProblem(JSON.parse(JSON.stringify(record)), spec.id);
    const stored = problem
      ? failedRecord(spec, this.ctx.backend, `not storable: ${problem}`)
      : record;
    this.pending.delete(spec.id);
    this.hooks.onResult(stored);
    if (job.processedOn && job.timestamp)
      this.ctx.enqueueToStartMs.push(job.processedOn - job.timestamp);
    if (job.finishedOn) this.ctx.resultToStoredMs.push(Date.now() - job.finishedOn);
    if (this.pending.size === 0) this.done();
  }

  /**
   * Sets aside a job whose result (or payload) cannot be used, naming the run and why in one
   * line: the job is removed and the run enqueued again, or, after `attempts` refusals, stored
   * as failed with the reason.
   */
  private async refuse(spec: RunSpec, job: Job, why: string): Promise<void> {
    const n = (this.refusals.get(spec.id) ?? 0) + 1;
    this.refusals.set(spec.id, n);
    await job.remove();
    const { attempts, backend } = this.ctx;
    const last = n >= attempts;
    this.ctx.log(
      `queue: refused ${spec.id}: ${why} (${n} of ${attempts}; ${last ? 'stored as failed' : 'enqueued again'})`,
    );
    if (last) this.deliver(spec, failedRecord(spec, backend, `refused ${n} times: ${why}`), job);
    else await this.ctx.enqueue(spec);
  }
}
