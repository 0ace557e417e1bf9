import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import { type Plan, sweepSpecs } from '../src/experiments/protocol.js';
import { codeVersion } from '../src/queue/code-version.js';
import { jobFor } from '../src/queue/job-schema.js';
import { protocolRef } from '../src/queue/plan-ref.js';
import { QUEUE_NAME } from '../src/queue/queue-settings.js';
import { formatStatus, queueStatus } from '../src/queue/queue-status.js';
import { parseQueueUrl, redisOptions } from '../src/queue/queue-url.js';
import { startQueueWorker } from '../src/queue/queue-worker.js';
import { ROOT } from './helpers.js';
import { overwriteJob } from './queue-forge.js';
import { TestRedis } from './queue-redis-server.js';

const redis = new TestRedis();
const closers: (() => Promise<unknown>)[] = [];
before(() => redis.start());
after(async () => {
  await Promise.allSettled(closers.map((c) => c()));
  await redis.dispose();
});

const FAST = { lockDurationMs: 2000, stalledIntervalMs: 1000, pollMs: 100, retryDelayMs: 0 };
const plan: Plan = { preset: PRESET_TABLE.smoke, tasks: ['sparse'], methods: ['sgd'], seeds: 1 };
const spec = sweepSpecs(plan)[0]!;
const good = jobFor(protocolRef(plan), spec, 'wasm', codeVersion());
const urlFor = (db: number) => `${redis.url.replace(/\/0$/, '')}/${db}`;

function openQueue(db: number): Queue {
  const queue = new Queue(QUEUE_NAME, { connection: redisOptions(parseQueueUrl(urlFor(db), {})) });
  queue.on('error', () => {});
  closers.push(() => queue.close());
  return queue;
}

describe('stray and damaged jobs on the queue', () => {
  it('status lists a job whose data or opts is not JSON by name, and reports the rest (exit 0)', async () => {
    const queue = openQueue(1);
    await queue.add('run', good, { jobId: spec.id });
    await queue.add('run', good, { jobId: 'bad-data' });
    await queue.add('run', good, { jobId: 'bad-opts' });
    await overwriteJob(queue, 'bad-data', { data: '{"version":' });
    await overwriteJob(queue, 'bad-opts', { opts: '{' });
    const status = await queueStatus(parseQueueUrl(urlFor(1), {}));
    assert.equal(status.totals.waiting, 3);
    assert.deepEqual(status.damaged.map((d) => [d.id, d.state]).sort(), [
      ['bad-data', 'waiting'],
      ['bad-opts', 'waiting'],
    ]);
    const text = formatStatus(status);
    assert.match(text, /job "bad-data" \(waiting\): data is not JSON/);
    assert.match(text, /job "bad-opts" \(waiting\): opts is not JSON/);
    const cli = spawn(
      process.execPath,
      [join(ROOT, 'dist', 'src', 'cli', 'madgrad.js'), 'status', '--queue', urlFor(1)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    cli.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    cli.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((r) => cli.once('exit', r));
    assert.equal(code, 0, out);
    assert.match(out, /runs: 3 waiting/);
    assert.equal(out.split('\n').filter((l) => l.includes('"bad-data"')).length, 1, out);
  });

  it('a worker sets aside a job of another plan and an unreadable job, naming each, and goes on training', async () => {
    const queue = openQueue(2);
    const otherPlan = { ...good, planHash: 'f'.repeat(64) };
    await queue.add('run', otherPlan, { jobId: spec.id, attempts: 3 });
    await queue.add('run', good, { jobId: 'unreadable', attempts: 3 });
    await overwriteJob(queue, 'unreadable', { data: 'not json' });
    const lines: string[] = [];
    const worker = await startQueueWorker({
      connection: parseQueueUrl(urlFor(2), {}),
      jobs: 1,
      timing: FAST,
      log: (l) => lines.push(l),
    });
    closers.push(() => worker.stop(true));
    for (let t = 0; ((await queue.getJobCounts('failed')).failed ?? 0) < 2; t++) {
      assert.ok(t < 200, lines.join('\n'));
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(
      lines.some((l) => l.includes(`rejected job "${spec.id}": of another plan`)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /rejected job "unreadable": unreadable: data is not JSON/.test(l)),
      lines.join('\n'),
    );
    // Still taking runs: the planned job, enqueued again by its coordinator, is trained.
    await queue.remove(spec.id);
    await queue.add('run', good, { jobId: spec.id });
    for (let t = 0; ((await queue.getJobCounts('completed')).completed ?? 0) < 1; t++) {
      assert.ok(t < 400, lines.join('\n'));
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(worker.finished(), 1);
    let stopped = false;
    void worker.stopped.then(() => {
      stopped = true;
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(stopped, false, 'the worker did not stop');
    await worker.stop(false);
    assert.equal(await worker.stopped, 0);
  });
});
