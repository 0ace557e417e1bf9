import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue, Worker } from 'bullmq';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import { type Plan, sweepSpecs } from '../src/experiments/protocol.js';
import type { RunSpec, StoredRun } from '../src/experiments/run-record.js';
import { RunStore } from '../src/experiments/run-store.js';
import { runPending } from '../src/experiments/runner.js';
import { codeVersion } from '../src/queue/code-version.js';
import { openQueueCoordinator } from '../src/queue/coordinator.js';
import { jobFor } from '../src/queue/job-schema.js';
import { protocolRef } from '../src/queue/plan-ref.js';
import { QUEUE_NAME } from '../src/queue/queue-settings.js';
import { parseQueueUrl, redisOptions } from '../src/queue/queue-url.js';
import { startQueueWorker } from '../src/queue/queue-worker.js';
import { clientOf, forgeJob } from './queue-forge.js';
import { TestRedis } from './queue-redis-server.js';
import { storedRunFor } from './stored-runs.js';

const redis = new TestRedis();
const temp = mkdtempSync(join(tmpdir(), 'madgrad-queue-results-'));
const closers: (() => Promise<unknown>)[] = [];
before(() => redis.start());
after(async () => {
  await Promise.allSettled(closers.map((c) => c()));
  await redis.dispose();
  rmSync(temp, { recursive: true, force: true });
});

const FAST = { lockDurationMs: 2000, stalledIntervalMs: 1000, pollMs: 100, retryDelayMs: 0 };
/** One run of the core-engine sparse task: two epochs, well under a second. */
const plan: Plan = { preset: PRESET_TABLE.smoke, tasks: ['sparse'], methods: ['sgd'], seeds: 1 };
const spec = sweepSpecs(plan)[0]!;
const connectionFor = (db: number) => parseQueueUrl(`${redis.url.replace(/\/0$/, '')}/${db}`, {});

/** A queue on a fresh database holding one forged completed job for the spec. */
async function forged(db: number, returnvalue: string) {
  const connection = connectionFor(db);
  const queue = new Queue(QUEUE_NAME, { connection: redisOptions(connection) });
  closers.push(() => queue.close());
  const data = JSON.stringify(jobFor(protocolRef(plan), spec, 'wasm', codeVersion()));
  await forgeJob(queue, spec.id, { data, returnvalue }, 'completed');
  return { connection, queue };
}

/** Runs the plan through a coordinator into a fresh store; the log lines and stored runs. */
async function sweep(db: number, dir: string, jobs: number, timing: { attempts?: number } = {}) {
  const lines: string[] = [];
  const coordinator = await openQueueCoordinator({
    connection: connectionFor(db),
    plans: [protocolRef(plan)],
    backend: 'wasm',
    jobs,
    timing: { ...FAST, ...timing },
    log: (l) => lines.push(l),
  });
  closers.push(() => coordinator.close());
  const store = new RunStore(join(temp, dir), {
    onDamaged: (d) => lines.push(`damaged ${d.path}`),
  });
  const done = runPending('sweep', [spec], store, {
    jobs: 0,
    backend: 'wasm',
    progress: false,
    executor: coordinator.executor,
  });
  return { lines, store, done, coordinator };
}

/** The run stored for the spec, read back through the store's check. */
function storedRun(store: RunStore): StoredRun | undefined {
  return store.get(spec.id);
}

describe('queue results the store would reject are refused and the run redone', () => {
  it('a completed result with epochs [{}] is refused by name, redone, and stored ok (not set aside)', async () => {
    await forged(1, JSON.stringify(storedRunFor(spec, { epochs: [{}] })));
    const { lines, store, done, coordinator } = await sweep(1, 'empty-epoch', 1);
    await done;
    await coordinator.close();
    const run = storedRun(store);
    assert.equal(run?.status, 'ok', lines.join('\n'));
    assert.equal(run?.epochs.length, 2);
    const refusal = lines.find((l) => l.includes('refused'));
    assert.ok(refusal?.includes(spec.id), lines.join('\n'));
    assert.match(refusal ?? '', /epochs\[0\]\.epoch/);
    assert.ok(!lines.some((l) => l.startsWith('damaged')), 'nothing set aside by the store');
    assert.deepEqual(readdirSync(store.dir), [`${spec.id}.json`]);
  });

  it('a result that is not JSON (in the job and in an event) is refused by name, and the run redone', async () => {
    const { queue } = await forged(2, '{not json');
    const { lines, store, done, coordinator } = await sweep(2, 'not-json', 1);
    // An event whose result is not JSON stops BullMQ's listener; the coordinator listens again.
    const client = await clientOf(queue);
    await client.xadd(
      queue.toKey('events'),
      '*',
      'event',
      'completed',
      'jobId',
      'x',
      'returnvalue',
      '{',
    );
    await done;
    await coordinator.close();
    assert.equal(storedRun(store)?.status, 'ok', lines.join('\n'));
    const refusal = lines.find((l) => l.includes('refused'));
    assert.ok(refusal?.includes(spec.id), lines.join('\n'));
    assert.match(refusal ?? '', /result is unreadable: returnvalue is not JSON/);
    assert.ok(
      lines.some((l) => /skipped an unreadable event/.test(l)),
      lines.join('\n'),
    );
    for (const line of lines) assert.ok(line.length < 700, line);
  });

  it('a forged result (1 epoch of 2, an objective of -1e30) with no worker running is refused and the run enqueued again', async () => {
    const bad = storedRunFor(spec, {
      epochs: [{ epoch: 1, train_loss: -1e30, val_loss: -1e30, test_loss: -1e30 }],
      final: { train_loss: -1e30, val_loss: -1e30, test_loss: -1e30 },
    });
    const { queue } = await forged(3, JSON.stringify(bad));
    const { lines, store, done, coordinator } = await sweep(3, 'forged', 0);
    let settled = false;
    void done.then(() => {
      settled = true;
    });
    for (let t = 0; !lines.some((l) => l.includes('refused')); t++) {
      assert.ok(t < 200, lines.join('\n'));
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.match(
      lines.find((l) => l.includes('refused')) ?? '',
      /epochs holds 1 epochs for an ok run of 2/,
    );
    assert.equal(await (await queue.getJob(spec.id))?.getState(), 'waiting', 'enqueued again');
    assert.equal(settled, false, 'the sweep waits for the run');
    assert.equal(storedRun(store), undefined, 'nothing stored');
    const worker = await startQueueWorker({
      connection: connectionFor(3),
      jobs: 1,
      timing: FAST,
      log: () => {},
    });
    closers.push(() => worker.stop(true));
    await done;
    await Promise.all([coordinator.close(), worker.stop(false)]);
    assert.equal(storedRun(store)?.epochs.length, 2);
  });

  it('results of another run are refused a bounded number of times, then the run is stored as failed with the reason', async () => {
    const connection = connectionFor(4);
    const other: RunSpec = { ...spec, seed: 1 };
    const rogue = new Worker(QUEUE_NAME, async () => storedRunFor(other, { id: spec.id }), {
      connection: redisOptions(connection),
    });
    closers.push(() => rogue.close());
    const { lines, store, done, coordinator } = await sweep(4, 'rogue', 0, { attempts: 2 });
    await done;
    await Promise.all([coordinator.close(), rogue.close()]);
    const run = storedRun(store);
    assert.equal(run?.status, 'failed');
    assert.match(run?.error ?? '', /refused 2 times: not the planned run: seed is 1, planned 0/);
    assert.equal(lines.filter((l) => l.includes(`refused ${spec.id}`)).length, 2, lines.join('\n'));
  });
});
