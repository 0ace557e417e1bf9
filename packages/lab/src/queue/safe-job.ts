import { Job, type JobJsonRaw, type MinimalQueue, Queue, Worker } from 'bullmq';

/** The fields of a job's Redis hash that BullMQ parses as JSON, and whether each must be an object. */
const JSON_FIELDS = [
  ['data', false],
  ['opts', true],
  ['progress', false],
  ['parent', true],
  ['returnvalue', false],
] as const;

/** A short excerpt of raw text for a message. */
const excerpt = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);

/** What is wrong with one raw field, or undefined when it parses (or is absent). */
function fieldProblem(raw: string | undefined, object: boolean): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    return `is not JSON (${(e as Error).message.slice(0, 80)}): ${excerpt(raw)}`;
  }
  if (object && (typeof value !== 'object' || value === null || Array.isArray(value)))
    return `is not a JSON object: ${excerpt(raw)}`;
  return undefined;
}

/** What could not be read of each job read through SafeJob. */
const damages = new WeakMap<Job, { damage: string; unreadable: readonly string[] }>();

/**
 * How a job is read from Redis without ever throwing: BullMQ parses a job's `data`, `opts`,
 * `progress` and `parent` with JSON.parse and would throw for the whole read (a worker's fetch, a
 * status listing) on one unreadable field. Here each unreadable field is read as empty instead and
 * named (damageOf), so the job can be reported and set aside by its id. An unreadable
 * `returnvalue` (BullMQ reads it as undefined) is named too.
 */
export class SafeJob extends Job {
  static override fromJSON<T = unknown, R = unknown, N extends string = string>(
    queue: MinimalQueue,
    json: JobJsonRaw,
    jobId?: string,
  ): Job<T, R, N> {
    const problems: string[] = [];
    const fields: string[] = [];
    const clean: Record<string, string | undefined> = { ...json };
    for (const [field, object] of JSON_FIELDS) {
      const problem = fieldProblem(clean[field], object);
      if (problem === undefined) continue;
      problems.push(`${field} ${problem}`);
      fields.push(field);
      if (field === 'returnvalue') delete clean[field];
      else clean[field] = field === 'progress' ? '0' : field === 'data' ? 'null' : '{}';
    }
    let job: Job<T, R, N>;
    try {
      job = Job.fromJSON<T, R, N>(queue, clean as unknown as JobJsonRaw, jobId);
    } catch (e) {
      // Options BullMQ cannot build a job from (they parsed, but hold the wrong types).
      problems.push(`opts are unusable (${(e as Error).message.slice(0, 80)})`);
      fields.push('opts');
      job = Job.fromJSON<T, R, N>(
        queue,
        { ...clean, opts: '{}', parent: undefined } as unknown as JobJsonRaw,
        jobId,
      );
    }
    if (problems.length > 0)
      damages.set(job as Job, { damage: problems.join('; '), unreadable: fields });
    return job;
  }
}

/** What could not be read of a job (see SafeJob), or undefined. */
export function damageOf(job: Job): string | undefined {
  return damages.get(job)?.damage;
}

/** What could not be read of a job besides its result (see SafeJob), or undefined. */
export function payloadDamageOf(job: Job): string | undefined {
  const d = damages.get(job);
  return d?.unreadable.some((f) => f !== 'returnvalue') ? d.damage : undefined;
}

/** Why a job's result could not be read, or undefined. */
export function resultDamageOf(job: Job): string | undefined {
  const d = damages.get(job);
  return d?.unreadable.includes('returnvalue') ? d.damage : undefined;
}

/** A job id quoted for a message (bounded). */
export function jobName(id: string | undefined): string {
  return excerpt(String(id ?? '?'));
}

/** A queue whose reads give SafeJobs. */
export class SafeQueue extends Queue {
  protected override get Job(): typeof Job {
    return SafeJob as unknown as typeof Job;
  }
}

/** A worker whose fetched jobs are SafeJobs. */
export class SafeWorker extends Worker {
  protected override get Job(): typeof Job {
    return SafeJob as unknown as typeof Job;
  }
}
