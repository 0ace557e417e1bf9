import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import { type Plan, sweepSpecs } from '../src/experiments/protocol.js';
import type { RunSpec, StoredRun } from '../src/experiments/run-record.js';
import { codeVersion } from '../src/queue/code-version.js';
import { openQueueCoordinator } from '../src/queue/coordinator.js';
import { jobFor } from '../src/queue/job-schema.js';
import { protocolRef } from '../src/queue/plan-ref.js';
import { QUEUE_NAME } from '../src/queue/queue-settings.js';
import { formatStatus, queueStatus } from '../src/queue/queue-status.js';
import { parseQueueUrl, redisOptions } from '../src/queue/queue-url.js';
import { startQueueWorker } from '../src/queue/queue-worker.js';
import { clientOf, forgeJob } from './queue-forge.js';
import { TestRedis } from './queue-redis-server.js';
import { storedRunFor } from './stored-runs.js';

const redis = new TestRedis();
const closers: (() => Promise<unknown>)[] = [];
before(() => redis.start());
after(async () => {
  await Promise.allSettled(closers.map((c) => c()));
  await redis.dispose();
});

/** mulberry32: the finder's inputs are the same on every run. */
function generator(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}
const pick = <T>(r: (n: number) => number, xs: readonly T[]): T => xs[r(xs.length)]!;

const FAST = { lockDurationMs: 2000, stalledIntervalMs: 1000, pollMs: 50, retryDelayMs: 0 };
const plan: Plan = {
  preset: PRESET_TABLE.smoke,
  tasks: ['sparse'],
  methods: ['sgd', 'madgrad', 'adam'],
  seeds: 1,
};
const specs = sweepSpecs(plan);
const version = codeVersion();
const urlFor = (db: number) => `${redis.url.replace(/\/0$/, '')}/${db}`;

/** A raw result that must never be stored as a run: each mutation breaks the schema or identity. */
function badResult(r: (n: number) => number, s: RunSpec): string {
  const v = { ...storedRunFor(s) } as Record<string, unknown>;
  const epochs = v.epochs as Record<string, number>[];
  const text = JSON.stringify(v);
  const mutations: (() => string | Record<string, unknown>)[] = [
    () =>
      pick(r, ['', '{', 'nul', '{"id":', '\u0000\uffff', '[1,2', text.slice(0, r(text.length))]),
    () => ({ ...v, [pick(r, Object.keys(v))]: pick(r, [null, true, [], { $: [1] }]) }),
    () => ({ ...v, status: pick(r, [1, 'great', '']) }),
    () => ({ ...v, seconds: pick(r, ['1', -1, null]) }),
    () => ({ ...v, backend: pick(r, ['gpu', 'wasm', 'cpu']) }),
    () => ({ ...v, epochs: epochs.slice(0, 1) }),
    () => ({ ...v, epochs: [...epochs, { ...epochs[1]!, epoch: 3 }] }),
    () => ({ ...v, epochs: [{}, epochs[1]] }),
    () => ({ ...v, epochs: epochs.map((e) => ({ ...e, epoch: 1 })) }),
    () => ({ ...v, final: { train_loss: 0.1 } }),
    () => ({ ...v, seed: s.seed + 1 + r(5) }),
    () => ({
      ...v,
      method: pick(
        r,
        specs.map((o) => o.method).filter((m) => m !== s.method),
      ),
    }),
    () => ({ ...v, task: 'digits' }),
    () => ({ ...v, hyperparameters: { ...s.hyperparameters, lr: s.hyperparameters.lr * 2 } }),
    () => ({ ...v, size: { ...s.size, epochs: 1 }, epochs: epochs.slice(0, 1), final: {} }),
    () => ({
      ...v,
      id: pick(r, ['x', 'a'.repeat(100_000), specs[0]!.id === s.id ? specs[1]!.id : specs[0]!.id]),
    }),
    () => text.replace('0.5', pick(r, ['1e999', '-1e999', 'NaN', '"NaN"', 'Infinity'])),
    () => ({ ...v, error: 'x'.repeat(100_000 + r(100_000)) }),
    () => ({ ...v, final: { ['k'.repeat(50_000)]: 0.5 } }),
    () => ({ ...v, extra: 1 }),
  ];
  const out = pick(r, mutations)();
  return typeof out === 'string' ? out : JSON.stringify(out);
}

/** A stray job's raw fields: unreadable, malformed, another plan; `versions`: also other versions. */
function strayFields(r: (n: number) => number, versions: boolean): Record<string, string> {
  const good = jobFor(protocolRef(plan), pick(r, specs), 'wasm', version);
  const kinds: Record<string, string>[] = [
    { data: pick(r, ['{', 'not json', '', '[', '"\\ud800"x']) },
    { data: pick(r, ['[]', '42', 'null', '"run"', '{}']) },
    { opts: pick(r, ['{', '42', '[]', 'null', '{"attempts":"x","backoff":"zz"}']) },
    { progress: '{' },
    { data: JSON.stringify({ ...good, planHash: r(16).toString(16).repeat(64) }) },
    { data: JSON.stringify({ ...good, run: { ...good.run, seed: 1e6 } }) },
    { data: JSON.stringify({ ...good, plan: { ...good.plan, preset: 'x'.repeat(100_000) } }) },
    { data: JSON.stringify({ ...good, extra: 'y'.repeat(r(300_000)) }) },
  ];
  if (versions) {
    kinds.push({ data: JSON.stringify({ ...good, version: `other-${r(1000)}` }) });
    kinds.push({ data: JSON.stringify({ ...good, schema: 2 }) });
  }
  return { data: JSON.stringify(good), ...pick(r, kinds) };
}

async function openQueue(db: number): Promise<Queue> {
  const queue = new Queue(QUEUE_NAME, { connection: redisOptions(parseQueueUrl(urlFor(db), {})) });
  queue.on('error', () => {});
  closers.push(() => queue.close());
  return queue;
}

/** Rejects when `p` takes longer than `ms`: nothing here may hang. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe('queue payload finder (seeded, on a real redis-server)', () => {
  it('the coordinator never stores a forged or malformed result, never hangs, and names each refusal', async () => {
    const r = generator(20_250_520);
    const queue = await openQueue(1);
    const client = await clientOf(queue);
    const planned = new Map(specs.map((s) => [s.id, s]));
    for (const s of specs)
      await forgeJob(
        queue,
        s.id,
        {
          data: JSON.stringify(jobFor(protocolRef(plan), s, 'wasm', version)),
          returnvalue: badResult(r, s),
        },
        'completed',
      );
    for (let i = 0; i < 20; i++)
      await forgeJob(
        queue,
        `stray-${i}`,
        strayFields(r, true),
        pick(r, ['waiting', 'completed'] as const),
      );
    const lines: string[] = [];
    const coordinator = await openQueueCoordinator({
      connection: parseQueueUrl(urlFor(1), {}),
      plans: [protocolRef(plan)],
      backend: 'wasm',
      jobs: 0,
      timing: { ...FAST, attempts: 2 },
      log: (l) => lines.push(l),
    });
    closers.push(() => coordinator.close());
    // A rogue "worker" that completes every re-enqueued planned run with another bad result.
    let forging = true;
    const rogue = (async () => {
      while (forging) {
        for (const id of await client.lrange(queue.toKey('wait'), 0, -1)) {
          const s = planned.get(id);
          if (!s || (await client.lrem(queue.toKey('wait'), 0, id)) === 0) continue;
          await client.hset(queue.toKey(id), {
            returnvalue: badResult(r, s),
            finishedOn: String(Date.now()),
          });
          await client.zadd(queue.toKey('completed'), Date.now(), id);
        }
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const records: StoredRun[] = [];
    try {
      await within(
        15_000,
        'the coordinator',
        coordinator.executor(specs, { onResult: (rec) => records.push(rec) }),
      );
    } finally {
      forging = false;
      await rogue;
    }
    assert.deepEqual(records.map((x) => x.id).sort(), [...planned.keys()].sort(), 'each run once');
    for (const rec of records) {
      assert.equal(rec.status, 'failed', JSON.stringify(rec).slice(0, 300));
      assert.match(rec.error ?? '', /^refused 2 times: /);
      assert.ok((rec.error ?? '').length <= 2000);
    }
    for (const line of lines) assert.ok(line.length <= 700, line.slice(0, 700));
    const refusals = lines.filter((l) => l.startsWith('queue: refused '));
    assert.equal(refusals.length, 2 * specs.length, lines.join('\n'));
    for (const l of refusals)
      assert.ok(
        specs.some((s) => l.startsWith(`queue: refused ${s.id}: `)),
        l,
      );
    const status = await within(10_000, 'status', queueStatus(parseQueueUrl(urlFor(1), {})));
    assert.ok(
      formatStatus(status)
        .split('\n')
        .every((l) => l.length <= 700),
    );
  });

  it('a worker sets aside every stray job without running it or stopping, and status reads them all', async () => {
    const r = generator(7);
    const queue = await openQueue(2);
    const n = 24;
    for (let i = 0; i < n; i++)
      await forgeJob(queue, `stray-${i}`, strayFields(r, false), 'waiting');
    const lines: string[] = [];
    const worker = await startQueueWorker({
      connection: parseQueueUrl(urlFor(2), {}),
      jobs: 2,
      timing: FAST,
      log: (l) => lines.push(l),
    });
    closers.push(() => worker.stop(true));
    let stopped = false;
    void worker.stopped.then(() => {
      stopped = true;
    });
    await within(
      15_000,
      'the worker',
      (async () => {
        while (((await queue.getJobCounts('failed')).failed ?? 0) < n)
          await new Promise((res) => setTimeout(res, 25));
      })(),
    );
    assert.equal(stopped, false, lines.join('\n'));
    assert.equal(worker.finished(), 0, 'nothing ran');
    const rejected = lines.filter((l) => l.startsWith('rejected job "stray-'));
    assert.equal(rejected.length, n, lines.join('\n'));
    for (const line of lines) assert.ok(line.length <= 700, line.slice(0, 700));
    const status = await within(10_000, 'status', queueStatus(parseQueueUrl(urlFor(2), {})));
    assert.equal(status.totals.failed, n);
    await worker.stop(false);
    assert.equal(await worker.stopped, 0);
  });
});
