/** The BullMQ queue every coordinator and worker of the lab shares (one per Redis database). */
export const QUEUE_NAME = 'madgrad-runs';

/**
 * How the queue detects lost runs and retries failed ones. Training runs in a child process, so
 * the worker's own event loop stays free to renew its lock however long a run takes (seconds to
 * hours): the lock only has to outlive a pause of the worker process or of the network.
 */
export interface QueueTiming {
  /**
   * How long a worker's lock on a run lasts without renewal (renewed every half of it). A worker
   * killed mid-run loses its lock this long after its last renewal.
   * @default 60000
   */
  readonly lockDurationMs: number;
  /**
   * How often each worker looks for runs whose lock expired (stalled) and puts them back on the
   * queue for another worker.
   * @default 30000
   */
  readonly stalledIntervalMs: number;
  /**
   * How many times a run may stall (its worker died) and go back to the queue before it is failed.
   * @default 2
   */
  readonly maxStalledCount: number;
  /**
   * How many times a run that throws is tried in all before it is stored as failed.
   * @default 3
   */
  readonly attempts: number;
  /**
   * Delay before retrying a run that threw.
   * @default 5000
   */
  readonly retryDelayMs: number;
  /**
   * How often the coordinator checks the state of its runs besides listening to the queue's events
   * (this re-enqueues runs lost with a Redis restart that kept no data).
   * @default 5000
   */
  readonly pollMs: number;
  /**
   * How long finished jobs (with their results) stay in Redis, so that a restarted coordinator
   * collects what finished while it was away.
   * @default 604800000 (7 days)
   */
  readonly keepFinishedMs: number;
}

export const DEFAULT_TIMING: QueueTiming = {
  lockDurationMs: 60_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 2,
  attempts: 3,
  retryDelayMs: 5_000,
  pollMs: 5_000,
  keepFinishedMs: 7 * 24 * 3600 * 1000,
};

/** The default timing with the given overrides, each checked. */
export function timingWith(overrides: Partial<QueueTiming> = {}): QueueTiming {
  const t = { ...DEFAULT_TIMING, ...overrides };
  for (const [k, v] of Object.entries(t)) {
    if (!Number.isInteger(v) || v < (k === 'attempts' ? 1 : 0))
      throw new Error(`queue timing ${k} must be a non-negative integer, got ${v}`);
  }
  if (t.lockDurationMs < 100)
    throw new Error('queue timing lockDurationMs must be at least 100 ms');
  return t;
}
