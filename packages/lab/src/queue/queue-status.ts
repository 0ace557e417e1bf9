import type { Job } from 'bullmq';
import { checkQueueConnection } from './preflight.js';
import { QUEUE_NAME } from './queue-settings.js';
import type { QueueConnection } from './queue-url.js';
import { damageOf, jobName, SafeQueue } from './safe-job.js';

type Column = 'waiting' | 'active' | 'done' | 'failed';

/** What `madgrad-lab status` shows: counts per plan and task, the runs in flight and the failures. */
export interface QueueStatus {
  readonly queue: string;
  readonly totals: Record<Column, number>;
  readonly plans: {
    readonly planHash: string;
    readonly kind: string;
    readonly preset: string;
    readonly version: string;
    readonly tasks: Record<string, Record<Column, number>>;
  }[];
  readonly active: {
    readonly id: string;
    readonly worker: string;
    readonly step?: number;
    readonly total?: number;
    readonly startedAt?: string;
  }[];
  readonly failed: { readonly id: string; readonly reason: string }[];
  /** Jobs with a field that is not JSON (counted in their column under plan `malformed`). */
  readonly damaged: { readonly id: string; readonly state: string; readonly problem: string }[];
}

interface LooseJobData {
  version?: unknown;
  planHash?: unknown;
  plan?: { kind?: unknown; preset?: unknown; config?: { preset?: unknown } };
  run?: { task?: unknown };
}

const text = (v: unknown, fallback: string) =>
  typeof v === 'string' && v.length <= 200 ? v : fallback;

/** Free text as one bounded line. */
const oneLine = (v: unknown, max: number) =>
  String(v ?? '')
    .replace(/\s+/g, ' ')
    .slice(0, max);

/**
 * Reads the queue's state (never its password: only the URL's display form is shown). A job that
 * cannot be read is listed among the damaged ones, by id, and the rest is read as usual.
 */
export async function queueStatus(connection: QueueConnection): Promise<QueueStatus> {
  await checkQueueConnection(connection);
  const queue = new SafeQueue(QUEUE_NAME, {
    connection: { ...connection.redis, maxRetriesPerRequest: 3 },
  });
  queue.on('error', () => {});
  try {
    const byState = async (
      states: (
        | 'waiting'
        | 'prioritized'
        | 'delayed'
        | 'paused'
        | 'active'
        | 'completed'
        | 'failed'
      )[],
    ) => (await queue.getJobs(states, 0, -1)).filter(Boolean);
    const [waiting, active, completed, failed] = await Promise.all([
      byState(['waiting', 'prioritized', 'delayed', 'paused']),
      byState(['active']),
      byState(['completed']),
      byState(['failed']),
    ]);
    const damaged: QueueStatus['damaged'] = [];
    for (const [state, jobs] of [
      ['waiting', waiting],
      ['active', active],
      ['completed', completed],
      ['failed', failed],
    ] as [string, Job[]][]) {
      for (const j of jobs) {
        const problem = damageOf(j);
        if (problem !== undefined) damaged.push({ id: String(j.id), state, problem });
      }
    }
    const totals: Record<Column, number> = { waiting: 0, active: 0, done: 0, failed: 0 };
    const plans = new Map<string, QueueStatus['plans'][number]>();
    const tally = (data: LooseJobData, column: Column) => {
      totals[column] += 1;
      const hash = text(data?.planHash, 'malformed');
      let plan = plans.get(hash);
      if (!plan) {
        const kind = text(data?.plan?.kind, '?');
        plan = {
          planHash: hash,
          kind,
          preset: text(data?.plan?.preset ?? data?.plan?.config?.preset, '?'),
          version: text(data?.version, '?'),
          tasks: {},
        };
        plans.set(hash, plan);
      }
      const task = text(data?.run?.task, '?');
      plan.tasks[task] ??= { waiting: 0, active: 0, done: 0, failed: 0 };
      plan.tasks[task][column] += 1;
    };
    for (const j of waiting) tally(j.data as LooseJobData, 'waiting');
    for (const j of active) tally(j.data as LooseJobData, 'active');
    for (const j of failed) tally(j.data as LooseJobData, 'failed');
    const failures: QueueStatus['failed'] = failed.map((j) => ({
      id: String(j.id),
      reason: oneLine(j.failedReason, 300),
    }));
    for (const j of completed) {
      const r = j.returnvalue as { status?: unknown; error?: unknown } | null;
      if (r?.status === 'failed') {
        tally(j.data as LooseJobData, 'failed');
        failures.push({ id: String(j.id), reason: oneLine(text(r.error, 'failed'), 300) });
      } else tally(j.data as LooseJobData, 'done');
    }
    return {
      queue: `${connection.display} (${QUEUE_NAME})`,
      totals,
      plans: [...plans.values()],
      active: active.map((j) => {
        const p = j.progress as { worker?: unknown; step?: unknown; total?: unknown } | null;
        return {
          id: String(j.id),
          worker: text(p?.worker, text(j.processedBy, '?')),
          ...(typeof p?.step === 'number' ? { step: p.step } : {}),
          ...(typeof p?.total === 'number' ? { total: p.total } : {}),
          ...(j.processedOn ? { startedAt: new Date(j.processedOn).toISOString() } : {}),
        };
      }),
      failed: failures,
      damaged,
    };
  } finally {
    await queue.close();
  }
}

/** The status as a person reads it. */
export function formatStatus(s: QueueStatus, now = Date.now()): string {
  const lines = [`queue ${s.queue}`];
  const t = s.totals;
  lines.push(`runs: ${t.waiting} waiting, ${t.active} active, ${t.done} done, ${t.failed} failed`);
  const pad = (v: string | number, n: number) => String(v).padStart(n);
  for (const p of s.plans) {
    lines.push(
      '',
      `plan ${p.planHash.slice(0, 12)} (${p.kind}, preset ${p.preset}, code ${p.version})`,
    );
    lines.push(
      `  ${'task'.padEnd(8)} ${pad('waiting', 8)} ${pad('active', 7)} ${pad('done', 6)} ${pad('failed', 7)}`,
    );
    for (const [task, c] of Object.entries(p.tasks)) {
      lines.push(
        `  ${task.padEnd(8)} ${pad(c.waiting, 8)} ${pad(c.active, 7)} ${pad(c.done, 6)} ${pad(c.failed, 7)}`,
      );
    }
  }
  if (s.active.length > 0) {
    lines.push('', 'active:');
    for (const a of s.active) {
      const progress = a.step !== undefined && a.total ? ` step ${a.step}/${a.total}` : '';
      const since = a.startedAt
        ? ` for ${Math.round((now - Date.parse(a.startedAt)) / 1000)} s`
        : '';
      lines.push(`  ${a.id} on ${a.worker}${progress}${since}`);
    }
  }
  if (s.failed.length > 0) {
    lines.push('', 'failed:');
    for (const f of s.failed) lines.push(`  ${f.id}: ${f.reason}`);
  }
  if (s.damaged.length > 0) {
    lines.push('', 'damaged (unreadable fields; not run by any worker of this code):');
    for (const d of s.damaged) lines.push(`  job ${jobName(d.id)} (${d.state}): ${d.problem}`);
  }
  return lines.join('\n');
}
