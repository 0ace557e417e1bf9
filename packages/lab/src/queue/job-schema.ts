import { z } from 'zod';
import { ABLATION_SCHEDULE_NAMES } from '../experiments/ablation.js';
import { BACKENDS, type BackendName } from '../experiments/backend.js';
import { ABLATION_METHODS, METHODS } from '../experiments/methods.js';
import {
  ablationConfigSchema,
  protocolPlanFields,
  seedSchema,
  taskModulesSchema,
  taskNameSchema,
} from '../experiments/plan-schema.js';
import { quoted } from '../experiments/quoted.js';
import { backendOf, type RunSpec, type StoredRun, storedRun } from '../experiments/run-record.js';
import { parseStoredRun } from '../experiments/run-schema.js';
import type { TaskModuleRef } from '../experiments/task-module-ref.js';
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
 * version or job format: put it back untouched for a worker of that version), or reject it
 * (malformed, inconsistent, or of a plan this version's coordinators do not build: never
 * executed).
 */
export type JobVerdict =
  | {
      readonly kind: 'run';
      readonly spec: RunSpec;
      readonly backend: BackendName;
      /** The modules of the plan's tasks that are not built in (the child imports them). */
      readonly modules?: Readonly<Record<string, TaskModuleRef>>;
    }
  | { readonly kind: 'refuse'; readonly reason: string }
  | { readonly kind: 'reject'; readonly reason: string };

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.').slice(0, 80) || '(payload)'}: ${i.message.slice(0, 120)}`)
    .join('; ');
}

/**
 * The task modules a job's plan names (a tune's plan), read before the job is checked: the worker
 * imports them first, so that the plan's task names are known. Undefined when there are none or
 * they are malformed (the check then rejects the job).
 */
export function jobModules(payload: unknown): Record<string, TaskModuleRef> | undefined {
  const modules = (payload as { plan?: { modules?: unknown } } | null)?.plan?.modules;
  if (modules === undefined) return undefined;
  const parsed = taskModulesSchema.safeParse(modules);
  return parsed.success ? parsed.data : undefined;
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
      kind: 'reject',
      reason: `of another plan: its plan (${job.plan.kind}, preset ${job.plan.kind === 'protocol' ? job.plan.preset : job.plan.config.preset}) hashes to ${hash.slice(0, 12)} by this code, not ${job.planHash.slice(0, 12)} as the job says, so no coordinator of this version built it`,
    };
  }
  const spec = specInPlan(plan, job.run as Parameters<typeof specInPlan>[1]);
  if (!spec) return { kind: 'reject', reason: 'its run is not one of its plan' };
  if (spec.id !== job.run.id || (jobId !== undefined && jobId !== spec.id)) {
    return { kind: 'reject', reason: `its run id does not match the run (expected ${spec.id})` };
  }
  return {
    kind: 'run',
    spec,
    backend: job.backend,
    ...(plan.modules ? { modules: plan.modules } : {}),
  };
}

/**
 * What is wrong with a result that passed the store's schema but is not the planned run: another
 * id, task, method, hyperparameters, seed, size (so another number of epochs) or backend.
 */
function mismatch(spec: RunSpec, backend: string, run: StoredRun): string | undefined {
  const planned: [string, unknown, unknown][] = [
    ['id', run.id, spec.id],
    ['task', run.task, spec.task],
    ['method', run.method, spec.method],
    ['hyperparameters.lr', run.hyperparameters.lr, spec.hyperparameters.lr],
    [
      'hyperparameters.weightDecay',
      run.hyperparameters.weightDecay,
      spec.hyperparameters.weightDecay,
    ],
    ['hyperparameters.momentum', run.hyperparameters.momentum, spec.hyperparameters.momentum],
    ['seed', run.seed, spec.seed],
    ...Object.entries(spec.size).map(([k, v]): [string, unknown, unknown] => [
      `size.${k}`,
      run.size[k as 'epochs'],
      v,
    ]),
    ['backend', run.backend, backend],
  ];
  const wrong = planned.find(([, got, want]) => got !== want);
  if (!wrong) return undefined;
  const [field, got, want] = wrong;
  return `${field} is ${quoted(got, 60)}, planned ${quoted(want, 60)}`;
}

/**
 * The stored run for a worker's result, or why it is refused (one bounded line). A result is
 * accepted only when it is a complete stored run by the run store's own schema (run-schema.ts:
 * finite or null metrics, epochs numbered up to the planned ones, all of them when ok) and it is
 * the planned run: the same id, task, method, hyperparameters, seed and size as the coordinator's
 * spec, trained on the backend the coordinator asked for (`core` for core-engine tasks).
 */
export function recordFromResult(
  spec: RunSpec,
  backend: BackendName,
  result: unknown,
): StoredRun | string {
  const run = parseStoredRun(result);
  if (typeof run === 'string') return `malformed result: ${run}`;
  const wrong = mismatch(spec, backendOf(spec, backend), run);
  if (wrong) return `not the planned run: ${wrong}`;
  // The coordinator's spec with the result's outcome (epochs, status, seconds, error).
  return storedRun(spec, backend, run);
}

/**
 * The stored form of a run that failed on the queue (no usable result: it threw, stalled too
 * often, or its results were refused), with the error's first 2000 characters.
 */
export function failedRecord(spec: RunSpec, backend: BackendName, error: string): StoredRun {
  return storedRun(spec, backend, {
    epochs: [],
    status: 'failed',
    seconds: 0,
    error: error.slice(0, 2000),
  });
}
