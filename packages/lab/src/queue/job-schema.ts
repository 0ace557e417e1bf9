import { z } from 'zod';
import { ABLATION_SCHEDULE_NAMES } from '../experiments/ablation.js';
import { BACKENDS, type BackendName } from '../experiments/backend.js';
import { ABLATION_METHODS, METHODS } from '../experiments/methods.js';
import {
  ablationConfigSchema,
  protocolPlanFields,
  seedSchema,
  taskNameSchema,
} from '../experiments/plan-schema.js';
import type { RunSpec, StoredRun } from '../experiments/run-record.js';
import { type PlanRef, planFromRef, planHash, specInPlan } from './plan-ref.js';

/** The job format's own version: a worker refuses jobs of any other. */
export const JOB_SCHEMA = 1;

const finite = z.number().refine(Number.isFinite, 'must be finite');
const methodName = z.enum([...new Set([...METHODS, ...ABLATION_METHODS])] as [string, ...string[]]);
const taskName = taskNameSchema;

/** The plan of a job: the lab's plan fields and bounds (experiments/plan-schema.ts). */
const planRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('protocol'), ...protocolPlanFields }),
  z.strictObject({
    kind: z.literal('ablation'),
    config: ablationConfigSchema,
    arm: z.enum(ABLATION_SCHEDULE_NAMES as [string, ...string[]]),
  }),
]);

/** The claimed run: names and numbers only; the worker rebuilds the spec from its own plan. */
const claimedRunSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.,+-]{1,400}$/),
  task: taskName,
  method: methodName,
  hyperparameters: z.strictObject({ lr: finite.positive(), weightDecay: finite.min(0) }),
  seed: seedSchema,
});

/** A job's payload. Nothing in it is evaluated: names are looked up, numbers are checked. */
const jobSchema = z.strictObject({
  schema: z.literal(JOB_SCHEMA),
  version: z.string().max(200),
  planHash: z.string().regex(/^[0-9a-f]{64}$/),
  plan: planRefSchema,
  run: claimedRunSchema,
  backend: z.enum(BACKENDS),
});
export type JobData = z.infer<typeof jobSchema>;

/** The first fields, read before anything else: which code and which plan built the job. */
const envelopeSchema = z.looseObject({
  schema: z.unknown(),
  version: z.string().max(200),
  planHash: z.string().max(200),
});

/** The job for a run of a plan. */
export function jobFor(
  ref: PlanRef,
  spec: RunSpec,
  backend: BackendName,
  version: string,
): JobData {
  return {
    schema: JOB_SCHEMA,
    version,
    planHash: planHash(planFromRef(ref)),
    plan: ref as JobData['plan'],
    run: {
      id: spec.id,
      task: spec.task,
      method: spec.method,
      hyperparameters: {
        lr: spec.hyperparameters.lr,
        weightDecay: spec.hyperparameters.weightDecay,
      },
      seed: spec.seed,
    },
    backend,
  };
}

/**
 * What a worker does with a job: run the spec (rebuilt by this code), refuse it (another code
 * version or another plan: put it back untouched for a worker of that version), or reject it
 * (malformed or inconsistent: never executed).
 */
export type JobVerdict =
  | { readonly kind: 'run'; readonly spec: RunSpec; readonly backend: BackendName }
  | { readonly kind: 'refuse'; readonly reason: string }
  | { readonly kind: 'reject'; readonly reason: string };

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`)
    .join('; ');
}

/** Checks a job's payload against this code's version and plans. */
export function checkJob(payload: unknown, jobId: string | undefined, version: string): JobVerdict {
  const envelope = envelopeSchema.safeParse(payload);
  if (!envelope.success)
    return { kind: 'reject', reason: `malformed job: ${issues(envelope.error)}` };
  if (envelope.data.version !== version || envelope.data.schema !== JOB_SCHEMA) {
    return {
      kind: 'refuse',
      reason: `built by code version ${JSON.stringify(envelope.data.version.slice(0, 80))} (job format ${JSON.stringify(envelope.data.schema)}); this worker is ${version} (job format ${JOB_SCHEMA})`,
    };
  }
  const parsed = jobSchema.safeParse(payload);
  if (!parsed.success) return { kind: 'reject', reason: `malformed job: ${issues(parsed.error)}` };
  const job = parsed.data;
  let plan: ReturnType<typeof planFromRef>;
  try {
    plan = planFromRef(job.plan as PlanRef);
  } catch (e) {
    return {
      kind: 'reject',
      reason: `unknown plan: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
  const hash = planHash(plan);
  if (hash !== job.planHash) {
    return {
      kind: 'refuse',
      reason: `its plan (${job.plan.kind}, preset ${job.plan.kind === 'protocol' ? job.plan.preset : job.plan.config.preset}) hashes to ${job.planHash.slice(0, 12)} for its coordinator and to ${hash.slice(0, 12)} here: other preset sizes, grid or seeds`,
    };
  }
  const spec = specInPlan(plan, job.run as Parameters<typeof specInPlan>[1]);
  if (!spec) return { kind: 'reject', reason: 'its run is not one of its plan' };
  if (spec.id !== job.run.id || (jobId !== undefined && jobId !== spec.id)) {
    return { kind: 'reject', reason: `its run id does not match the run (expected ${spec.id})` };
  }
  return { kind: 'run', spec, backend: job.backend };
}

const metric = z.number().nullable();
/** What a worker returns for a run: the training outcome (identity fields come from the spec). */
const resultSchema = z.looseObject({
  id: z.string().max(400),
  backend: z.enum(['core', ...BACKENDS]),
  epochs: z.array(z.record(z.string().max(100), metric)).max(100_000),
  final: z.record(z.string().max(100), metric),
  status: z.enum(['ok', 'diverged', 'failed']),
  seconds: z.number().min(0),
  error: z.string().max(20_000).optional(),
});

/**
 * The stored run for a worker's result, or an error message when the result is malformed. The
 * identity (task, method, hyperparameters, seed, size) is the coordinator's own spec; the fields
 * are in the order the local pool stores them, so the files are alike.
 */
export function recordFromResult(spec: RunSpec, result: unknown): StoredRun | string {
  const parsed = resultSchema.safeParse(result);
  if (!parsed.success) return `malformed result: ${issues(parsed.error)}`;
  const r = parsed.data;
  if (r.id !== spec.id) return `result for ${r.id}, expected ${spec.id}`;
  return {
    id: spec.id,
    task: spec.task,
    method: spec.method,
    hyperparameters: spec.hyperparameters,
    seed: spec.seed,
    size: spec.size,
    backend: r.backend,
    epochs: r.epochs as StoredRun['epochs'],
    final: r.final as StoredRun['final'],
    status: r.status,
    seconds: r.seconds,
    ...(r.error !== undefined ? { error: r.error } : {}),
  };
}

/** The stored form of a run that failed on the queue (no result: it threw or stalled too often). */
export function failedRecord(spec: RunSpec, backend: string, error: string): StoredRun {
  return {
    id: spec.id,
    task: spec.task,
    method: spec.method,
    hyperparameters: spec.hyperparameters,
    seed: spec.seed,
    size: spec.size,
    backend,
    epochs: [],
    final: {},
    status: 'failed',
    seconds: 0,
    error,
  };
}
