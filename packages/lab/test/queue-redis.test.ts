import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { ablationConfig, runAblation } from '../src/experiments/ablation.js';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import { type Plan, sweepSpecs } from '../src/experiments/protocol.js';
import type { RunExecutor } from '../src/experiments/run-executor.js';
import type { StoredRun } from '../src/experiments/run-record.js';
import { RunStore } from '../src/experiments/run-store.js';
import { runPending } from '../src/experiments/runner.js';
import { codeVersion } from '../src/queue/code-version.js';
import { openQueueCoordinator } from '../src/queue/coordinator.js';
import { jobFor } from '../src/queue/job-schema.js';
import { ablationRefs, protocolRef } from '../src/queue/plan-ref.js';
import { checkQueueConnection } from '../src/queue/preflight.js';
import { QUEUE_NAME } from '../src/queue/queue-settings.js';
import { parseQueueUrl, redisOptions } from '../src/queue/queue-url.js';
import { startQueueWorker } from '../src/queue/queue-worker.js';
import { TestRedis } from './queue-redis-server.js';

const redis = new TestRedis();
const temp = mkdtempSync(join(tmpdir(), 'madgrad-queue-'));
/** Everything a test opened, closed after the file even when an assertion failed midway. */
const closers: (() => Promise<unknown>)[] = [];
function track<
  T extends { close(): Promise<unknown> } | { stop(handBack: boolean): Promise<unknown> },
>(x: T): T {
  closers.push(() => ('close' in x ? x.close() : x.stop(true)));
  return x;
}
before(() => redis.start());
after(async () => {
  await Promise.allSettled(closers.map((c) => c()));
  await redis.dispose();
  rmSync(temp, { recursive: true, force: true });
});

/** Short lock and check intervals, so that faults resolve in seconds. */
const FAST = { lockDurationMs: 2000, stalledIntervalMs: 1000, pollMs: 300, retryDelayMs: 0 };
const smoke = PRESET_TABLE.smoke;
const quiet = () => {};

/** Each test its own Redis database, so that queues do not mix. */
const connectionFor = (db: number) => parseQueueUrl(`${redis.url.replace(/\/0$/, '')}/${db}`, {});

/** Runs the specs through an executor into a fresh store, counting results per run id. */
async function collectInto(dir: string, plan: Plan, executor: RunExecutor) {
  const store = new RunStore(join(temp, dir));
  const seen = new Map<string, number>();
  const counting: RunExecutor = (specs, hooks) =>
    executor(specs, {
      ...hooks,
      onResult: (r) => {
        seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
        hooks.onResult(r);
      },
    });
  await runPending('sweep', sweepSpecs(plan), store, {
    jobs: 0,
    backend: 'wasm',
    progress: false,
    executor: counting,
  });
  const byId = (a: StoredRun, b: StoredRun) => (a.id < b.id ? -1 : 1);
  return { runs: store.all().sort(byId), seen };
}

describe('queue on a real redis-server', () => {
  it('a wrong password or an unreachable server is a clear error at once, without the password', async () => {
    const wrong = parseQueueUrl(`redis://:not-${redis.password}@127.0.0.1:${redis.port}/0`, {});
    await assert.rejects(checkQueueConnection(wrong), (e: Error) => {
      assert.match(e.message, /WRONGPASS.*check the password/);
      assert.ok(!e.message.includes(redis.password));
      return true;
    });
    const none = parseQueueUrl(`redis://127.0.0.1:${redis.port}/0`, {});
    await assert.rejects(checkQueueConnection(none), /NOAUTH/);
    const closed = parseQueueUrl('redis://127.0.0.1:1/0', {});
    await assert.rejects(
      checkQueueConnection(closed),
      /cannot use the queue at redis:\/\/127\.0\.0\.1:1\/0: connect ECONNREFUSED/,
    );
    await checkQueueConnection(connectionFor(0));
  });

  it('computes a run once: two coordinators enqueue the same plan, a third (a restart) only collects', async () => {
    const connection = connectionFor(1);
    const plan: Plan = { preset: smoke, tasks: ['digits'], methods: ['madgrad', 'sgd'], seeds: 1 };
    const open = async () =>
      track(
        await openQueueCoordinator({
          connection,
          plans: [protocolRef(plan)],
          backend: 'wasm',
          jobs: 0,
          timing: FAST,
          log: quiet,
        }),
      );
    const [a, b] = await Promise.all([open(), open()]);
    const worker = track(await startQueueWorker({ connection, jobs: 1, timing: FAST, log: quiet }));
    const [first, second] = await Promise.all([
      collectInto('once-a', plan, a.executor),
      collectInto('once-b', plan, b.executor),
    ]);
    assert.equal(first.runs.length, 2);
    assert.equal(worker.finished(), 2, 'each run trained once');
    // Same records, down to the seconds each run took: one computation, delivered twice.
    assert.deepEqual(second.runs, first.runs);
    for (const { seen } of [first, second]) assert.deepEqual([...seen.values()], [1, 1]);
    const c = await open();
    const restarted = await collectInto('once-c', plan, c.executor);
    assert.deepEqual(restarted.runs, first.runs);
    assert.equal(worker.finished(), 2, 'the restarted coordinator computed nothing');
    const queue = track(new Queue(QUEUE_NAME, { connection: redisOptions(connection) }));
    const counts = await queue.getJobCounts('completed', 'waiting', 'active', 'failed');
    assert.deepEqual(
      [counts.completed, counts.waiting, counts.active, counts.failed],
      [2, 0, 0, 0],
    );
    await Promise.all([queue.close(), a.close(), b.close(), c.close(), worker.stop(false)]);
  });

  it('runs the ablation (both schedule arms) through the queue', async () => {
    const connection = connectionFor(4);
    const config = ablationConfig('smoke', { methods: ['da', 'madgrad'] });
    const coordinator = track(
      await openQueueCoordinator({
        connection,
        plans: ablationRefs(config),
        backend: 'wasm',
        jobs: 1,
        timing: FAST,
        log: quiet,
      }),
    );
    const store = await runAblation(config, join(temp, 'ablation'), {
      jobs: 0,
      backend: 'wasm',
      progress: false,
      executor: coordinator.executor,
    });
    const runs = store.all();
    assert.equal(runs.length, 4, 'two methods under two schedules');
    assert.deepEqual(
      runs.map((r) => r.status),
      ['ok', 'ok', 'ok', 'ok'],
    );
    assert.equal(runs.filter((r) => r.id.includes('__sched-stepwise')).length, 2);
  });

  it('retries a run that throws a bounded number of times, then stores it as failed with its error', async () => {
    const connection = connectionFor(2);
    const digits = smoke.sizes.digits;
    // 100,000 training digits exceed the data: the task throws on every attempt.
    const plan: Plan = {
      preset: smoke,
      tasks: ['digits'],
      methods: ['madgrad'],
      seeds: 1,
      sizes: { digits: { ...digits, train: 100_000 } },
    };
    const coordinator = track(
      await openQueueCoordinator({
        connection,
        plans: [protocolRef(plan)],
        backend: 'wasm',
        jobs: 1,
        timing: { ...FAST, attempts: 2 },
        log: quiet,
      }),
    );
    const { runs } = await collectInto('failing', plan, coordinator.executor);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.status, 'failed');
    assert.match(runs[0]!.error ?? '', /exceeds/);
    const queue = track(new Queue(QUEUE_NAME, { connection: redisOptions(connection) }));
    const job = await queue.getJob(runs[0]!.id);
    assert.equal(job?.attemptsStarted, 2, 'tried twice');
    await Promise.all([queue.close(), coordinator.close()]);
  });

  it('rejects hostile jobs without running them, and refuses (leaves queued) a job of another version', async () => {
    const connection = connectionFor(3);
    const plan: Plan = { preset: smoke, tasks: ['digits'], methods: ['madgrad'], seeds: 1 };
    const spec = sweepSpecs(plan)[0]!;
    const good = jobFor(protocolRef(plan), spec, 'wasm', codeVersion());
    const queue = track(new Queue(QUEUE_NAME, { connection: redisOptions(connection) }));
    const hostile = [
      { ...good, run: { ...good.run, method: 'eval' } },
      { ...good, run: { ...good.run, hyperparameters: { lr: 'process.exit(3)', weightDecay: 0 } } },
      { ...good, plan: { ...good.plan, sizes: { digits: { train: -1 } } } },
      'not json at all',
    ];
    for (const [i, data] of hostile.entries())
      await queue.add('run', data, { jobId: i === 0 ? spec.id : `hostile-${i}`, attempts: 3 });
    const lines: string[] = [];
    const worker = track(
      await startQueueWorker({
        connection,
        jobs: 1,
        timing: FAST,
        log: (l) => lines.push(l),
      }),
    );
    for (let t = 0; ((await queue.getJobCounts('failed')).failed ?? 0) < hostile.length; t++) {
      assert.ok(t < 200, 'hostile jobs failed');
      await new Promise((r) => setTimeout(r, 50));
    }
    const failed = await queue.getJobs(['failed']);
    for (const job of failed) {
      assert.match(job.failedReason, /rejected by the worker/);
      assert.equal(job.attemptsMade, 1, 'not retried');
    }
    assert.equal(worker.finished(), 0, 'nothing ran');
    await queue.add(
      'run',
      { ...good, version: 'madgrad-lab@0.0.1+other' },
      { jobId: 'from-the-past' },
    );
    assert.equal(await worker.stopped, 2, 'the worker stops with status 2');
    assert.ok(
      lines.some((l) =>
        /refusing run "from-the-past": built by code version "madgrad-lab@0\.0\.1\+other"/.test(l),
      ),
      lines.join('\n'),
    );
    const refused = await queue.getJob('from-the-past');
    assert.equal(await refused?.getState(), 'waiting');
    assert.equal(refused?.attemptsMade, 0, 'not consumed');
    await queue.close();
  });
});
