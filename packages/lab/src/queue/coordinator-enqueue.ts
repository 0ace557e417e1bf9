import type { BackendName } from '../experiments/backend.js';
import type { RunSpec } from '../experiments/run-record.js';
import { jobFor } from './job-schema.js';
import { type PlanRef, planFromRef, specInPlan } from './plan-ref.js';
import type { QueueTiming } from './queue-settings.js';
import type { SafeQueue } from './safe-job.js';

/** Puts one run on the queue. */
export type Enqueue = (spec: RunSpec) => Promise<void>;

/**
 * The coordinator's enqueue: a run's job names the plan it belongs to (one of the coordinator's
 * own) and carries the code version; the job id is the run id, so a run already on the queue,
 * enqueued by this or another coordinator, is not enqueued twice.
 */
export function enqueuer(
  queue: SafeQueue,
  refs: readonly PlanRef[],
  backend: BackendName,
  version: string,
  timing: QueueTiming,
): Enqueue {
  const plans = refs.map((ref) => ({ ref, plan: planFromRef(ref) }));
  const jobOf = (spec: RunSpec) => {
    const owner = plans.find((p) => specInPlan(p.plan, spec)?.id === spec.id);
    if (!owner) throw new Error(`run ${spec.id} belongs to none of the coordinator's plans`);
    return jobFor(owner.ref, spec, backend, version);
  };
  return async (spec) => {
    await queue.add('run', jobOf(spec), {
      jobId: spec.id,
      attempts: timing.attempts,
      backoff: { type: 'fixed', delay: timing.retryDelayMs },
      removeOnComplete: { age: Math.ceil(timing.keepFinishedMs / 1000) },
      removeOnFail: { age: Math.ceil(timing.keepFinishedMs / 1000) },
    });
  };
}
