import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Queue } from 'bullmq';
import { QUEUE_NAME } from '../src/queue/queue-settings.js';
import { parseQueueUrl, redisOptions } from '../src/queue/queue-url.js';
import { type Cli, CliProcesses } from './cli-processes.js';
import { TestRedis } from './queue-redis-server.js';

const temp = mkdtempSync(join(tmpdir(), 'madgrad-queue-faults-'));
const servers: TestRedis[] = [];
const processes = new CliProcesses();
after(async () => {
  processes.killAll();
  await Promise.allSettled(servers.map((s) => s.dispose()));
  rmSync(temp, { recursive: true, force: true });
});

/** Six smoke runs of about a second each: two tasks, three methods. */
const PLAN = ['--preset', 'smoke', '--tasks', 'digits,kspace', '--methods', 'madgrad,sgd,adam'];
const RUNS = 6;
/** Short locks and checks, so that a killed worker's run comes back within seconds. */
const FAST_LOCKS = ['--lock-duration', '2000', '--stalled-interval', '1000'];

const cli = (args: string[], env: Record<string, string> = {}): Cli => processes.run(args, env);

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 90_000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function startRedis(): Promise<TestRedis> {
  const redis = new TestRedis();
  servers.push(redis);
  await redis.start();
  return redis;
}

const storedRuns = (out: string) => {
  try {
    return readdirSync(join(out, 'runs')).filter((f) => f.endsWith('.json')).length;
  } catch {
    return 0;
  }
};

/** results.json's runs without the seconds each took, in a stable order. */
function resultRuns(out: string): unknown[] {
  const { runs } = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
    runs: Record<string, unknown>[];
  };
  return runs
    .map(({ seconds: _seconds, ...rest }) => rest)
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** Every file under a directory, as text. */
function filesUnder(dir: string): [string, string][] {
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((p) => statSync(p).isFile())
    .map((p) => [p, readFileSync(p, 'latin1')]);
}

describe('queue faults (CLI processes on a real redis-server)', () => {
  it('coordinator and two workers, one SIGKILLed mid-run, give the local results; the password shows nowhere', async () => {
    const redis = await startRedis();
    const localOut = join(temp, 'local');
    const local = cli(['reproduce', ...PLAN, '--jobs', '2', '--out', localOut, '--no-progress']);
    assert.equal(await local.exit, 0, local.output());

    const out = join(temp, 'queued');
    const env = { MADGRAD_QUEUE_PASSWORD: redis.password };
    // The coordinator gets the password in its URL, the workers from the environment.
    const coordinator = cli([
      'reproduce',
      ...PLAN,
      '--out',
      out,
      '--queue',
      redis.url,
      '--jobs',
      '0',
      '--queue-poll',
      '300',
      '--no-progress',
    ]);
    const doomed = cli(['worker', '--queue', redis.bareUrl, ...FAST_LOCKS], env);
    const queue = new Queue(QUEUE_NAME, { connection: redisOptions(parseQueueUrl(redis.url, {})) });
    queue.on('error', () => {});
    let killedRun = '';
    try {
      await until('the first worker is training a run', async () => {
        const [job] = await queue.getJobs(['active']);
        if (job) killedRun = String(job.id);
        return job !== undefined;
      });
      doomed.child.kill('SIGKILL');
      assert.equal(await doomed.exit, null);
      const survivor = cli(
        ['worker', '--queue', redis.bareUrl, ...FAST_LOCKS, '--exit-when-idle', '--idle', '2000'],
        env,
      );
      assert.equal(await coordinator.exit, 0, coordinator.output());
      assert.equal(await survivor.exit, 0, survivor.output());
      assert.match(
        survivor.output(),
        new RegExp(`${killedRun.replace(/[.+]/g, '\\$&')}: ok`),
        'the killed run ran again on the survivor',
      );
      const job = await queue.getJob(killedRun);
      assert.ok((job?.attemptsStarted ?? 0) >= 2, 'started twice');
      assert.equal(storedRuns(out), RUNS);
      assert.deepEqual(resultRuns(out), resultRuns(localOut), 'bitwise equal runs and metrics');

      const status = cli(['status', '--queue', redis.url]);
      const json = cli(['status', '--queue', redis.bareUrl, '--json'], env);
      assert.equal(await status.exit, 0, status.output());
      assert.equal(await json.exit, 0, json.output());
      assert.match(
        status.output(),
        new RegExp(`runs: 0 waiting, 0 active, ${RUNS} done, 0 failed`),
      );
      assert.equal((JSON.parse(json.output()) as { totals: { done: number } }).totals.done, RUNS);
      const logs = [coordinator, doomed, survivor, status, json].map((c) => c.output()).join('\n');
      assert.ok(!logs.includes(redis.password), 'no password in logs or status');
      for (const [path, text] of filesUnder(out)) assert.ok(!text.includes(redis.password), path);
    } finally {
      await queue.close();
    }
  });

  it('a coordinator killed and restarted collects what finished meanwhile and completes', async () => {
    const redis = await startRedis();
    const out = join(temp, 'restarted');
    const args = [
      'sweep',
      ...PLAN,
      '--out',
      out,
      '--queue',
      redis.url,
      '--jobs',
      '0',
      '--queue-poll',
      '300',
      '--no-progress',
    ];
    const worker = cli(['worker', '--queue', redis.url, ...FAST_LOCKS]);
    const first = cli(args);
    await until('a first run is stored', () => storedRuns(out) >= 1);
    first.child.kill('SIGKILL');
    await first.exit;
    const queue = new Queue(QUEUE_NAME, { connection: redisOptions(parseQueueUrl(redis.url, {})) });
    queue.on('error', () => {});
    try {
      await until('a run finished while no coordinator ran', async () => {
        const { completed } = await queue.getJobCounts('completed');
        return (completed ?? 0) > storedRuns(out);
      });
      const second = cli(args);
      assert.equal(await second.exit, 0, second.output());
      const [, already] = /(\d+) already finished there/.exec(second.output()) ?? [];
      assert.ok(Number(already) >= 1, second.output());
      assert.equal(storedRuns(out), RUNS);
      const counts = await queue.getJobCounts('completed');
      assert.equal(counts.completed, RUNS, 'each run computed once');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exit;
      await queue.close();
    }
  });

  it('Redis restarted mid-sweep (its data lost): the workers and the coordinator reconnect and complete', async () => {
    const redis = await startRedis();
    const out = join(temp, 'redis-restart');
    const worker = cli([
      'worker',
      '--queue',
      redis.url,
      ...FAST_LOCKS,
      '--exit-when-idle',
      '--idle',
      '3000',
    ]);
    const coordinator = cli([
      'sweep',
      ...PLAN,
      '--out',
      out,
      '--queue',
      redis.url,
      '--jobs',
      '0',
      '--queue-poll',
      '300',
      '--no-progress',
    ]);
    await until('a first run is stored', () => storedRuns(out) >= 1);
    await redis.restart();
    assert.equal(await coordinator.exit, 0, coordinator.output());
    assert.equal(storedRuns(out), RUNS);
    assert.match(coordinator.output(), /enqueued again/);
    assert.equal(await worker.exit, 0, worker.output());
  });

  it('SIGTERM finishes the run in flight; a second SIGTERM hands it back untouched', async () => {
    const redis = await startRedis();
    const out = join(temp, 'signals');
    const coordinator = cli([
      'sweep',
      ...PLAN,
      '--out',
      out,
      '--queue',
      redis.url,
      '--jobs',
      '0',
      '--queue-poll',
      '300',
      '--no-progress',
    ]);
    const queue = new Queue(QUEUE_NAME, { connection: redisOptions(parseQueueUrl(redis.url, {})) });
    queue.on('error', () => {});
    const active = async () => (await queue.getJobs(['active']))[0];
    try {
      const polite = cli(['worker', '--queue', redis.url]);
      await until('a run is in flight', async () => (await active()) !== undefined);
      polite.child.kill('SIGTERM');
      assert.equal(await polite.exit, 0, polite.output());
      await until('the run is stored', () => storedRuns(out) >= 1);
      assert.equal(storedRuns(out), 1, 'it finished its run, then took no other');

      const handing = cli(['worker', '--queue', redis.url]);
      let handed = '';
      await until('a run is in flight', async () => {
        handed = String((await active())?.id ?? '');
        return handed !== '';
      });
      handing.child.kill('SIGTERM');
      // Signals do not queue: send the second once the first has been seen.
      await until('the first signal is seen', () =>
        /finishing the runs in flight/.test(handing.output()),
      );
      handing.child.kill('SIGTERM');
      assert.equal(await handing.exit, 0, handing.output());
      const job = await queue.getJob(handed);
      assert.equal(await job?.getState(), 'waiting', 'handed back to the queue');
      assert.equal(job?.attemptsMade, 0, 'not counted as a failure');
      assert.equal(storedRuns(out), 1);
      const rest = cli([
        'worker',
        '--queue',
        redis.url,
        '--jobs',
        '2',
        '--exit-when-idle',
        '--idle',
        '2000',
      ]);
      assert.equal(await coordinator.exit, 0, coordinator.output());
      assert.equal(await rest.exit, 0);
      assert.equal(storedRuns(out), RUNS);
    } finally {
      await queue.close();
    }
  });
});
