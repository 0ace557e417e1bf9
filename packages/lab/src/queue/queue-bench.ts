/**
 * Throughput of the shared queue against the local pool, on this machine: the same plan run by
 * the local pool with N processes and by a queue coordinator with N worker processes, in runs per
 * minute; and the queue's own cost per run (a worker's turnaround from one run's end to the next
 * one's start, the coordinator's delay from a result to its stored file). Starts its own
 * redis-server (127.0.0.1, a random port, a password, no persistence) and stops it.
 *
 *   node packages/lab/dist/src/queue/queue-bench.js [--preset smoke] [--tasks digits,kspace]
 *     [--methods madgrad,sgd] [--workers 1,2]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { METHODS, type MethodName } from '../experiments/methods.js';
import { PRESET_TABLE, type PresetName } from '../experiments/presets.js';
import { type Plan, sweepSpecs } from '../experiments/protocol.js';
import { RunStore } from '../experiments/run-store.js';
import { runPending } from '../experiments/runner.js';
import { TASKS, type TaskName } from '../experiments/tasks/index.js';
import { openQueueCoordinator } from './coordinator.js';
import { protocolRef } from './plan-ref.js';
import { QUEUE_NAME } from './queue-settings.js';
import { parseQueueUrl } from './queue-url.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'smoke' },
    tasks: { type: 'string', default: TASKS.join(',') },
    methods: { type: 'string', default: METHODS.join(',') },
    workers: { type: 'string', default: '1,2' },
  },
});
const plan: Plan = {
  preset: PRESET_TABLE[values.preset as PresetName],
  tasks: values.tasks.split(',') as TaskName[],
  methods: values.methods.split(',') as MethodName[],
  seeds: 1,
};
const specs = sweepSpecs(plan);
const temp = mkdtempSync(join(tmpdir(), 'madgrad-queue-bench-'));
const password = randomBytes(12).toString('hex');
const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const a = s.address();
    s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
  });
});
const redis = spawn('/usr/bin/redis-server', [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--requirepass',
  password,
  '--save',
  '',
  '--appendonly',
  'no',
  '--dir',
  temp,
]);
await new Promise<void>((resolve) => {
  let out = '';
  redis.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('Ready to accept connections')) resolve();
  });
});
const cli = fileURLToPath(new URL('../cli/madgrad.js', import.meta.url));
const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const log = (line: string) => console.log(line);
console.log(
  `${specs.length} runs (${values.preset}: ${plan.tasks.join(',')} × ${plan.methods.join(',')})`,
);

try {
  for (const n of values.workers.split(',').map(Number)) {
    let t = performance.now();
    await runPending('local', specs, new RunStore(join(temp, `local-${n}`)), {
      jobs: n,
      backend: 'wasm',
      progress: false,
    });
    const localMinutes = (performance.now() - t) / 60_000;

    const db = n % 16;
    const connection = parseQueueUrl(`redis://:${password}@127.0.0.1:${port}/${db}`);
    const workers: ChildProcess[] = Array.from({ length: n }, () =>
      spawn(process.execPath, [cli, 'worker', '--queue', `redis://127.0.0.1:${port}/${db}`], {
        env: { ...process.env, MADGRAD_QUEUE_PASSWORD: password },
        stdio: 'ignore',
      }),
    );
    await new Promise((r) => setTimeout(r, 1500)); // let the workers connect (not timed)
    const coordinator = await openQueueCoordinator({
      connection,
      plans: [protocolRef(plan)],
      backend: 'wasm',
      jobs: 0,
      timing: { pollMs: 1000 },
      log: () => {},
    });
    t = performance.now();
    await runPending('queue', specs, new RunStore(join(temp, `queue-${n}`)), {
      jobs: 0,
      backend: 'wasm',
      progress: false,
      executor: coordinator.executor,
    });
    const queueMinutes = (performance.now() - t) / 60_000;
    const overhead = coordinator.overhead();
    await coordinator.close();
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(
      workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))),
    );
    const queue = new Queue(QUEUE_NAME, { connection: connection.redis });
    const jobs = await queue.getJobs(['completed']);
    await queue.close();
    const turnaround: number[] = [];
    const byWorker = new Map<string, typeof jobs>();
    for (const j of jobs)
      byWorker.set(j.processedBy ?? '?', [...(byWorker.get(j.processedBy ?? '?') ?? []), j]);
    for (const list of byWorker.values()) {
      list.sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0));
      for (let i = 1; i < list.length; i++)
        turnaround.push(list[i]!.processedOn! - list[i - 1]!.finishedOn!);
    }
    log(
      `${n} worker(s): local pool ${(specs.length / localMinutes).toFixed(1)} runs/min, queue ${(specs.length / queueMinutes).toFixed(1)} runs/min; ` +
        `worker turnaround median ${median(turnaround)} ms (max ${Math.max(...turnaround)}), result→stored median ${median([...overhead.resultToStoredMs])} ms (max ${Math.max(...overhead.resultToStoredMs)})`,
    );
  }
  // Pickup latency: one run at a time on an idle worker, enqueue→start is the queue's alone.
  const db = 15;
  const connection = parseQueueUrl(`redis://:${password}@127.0.0.1:${port}/${db}`);
  const worker = spawn(
    process.execPath,
    [cli, 'worker', '--queue', `redis://127.0.0.1:${port}/${db}`],
    {
      env: { ...process.env, MADGRAD_QUEUE_PASSWORD: password },
      stdio: 'ignore',
    },
  );
  await new Promise((r) => setTimeout(r, 1500));
  const coordinator = await openQueueCoordinator({
    connection,
    plans: [protocolRef(plan)],
    backend: 'wasm',
    jobs: 0,
    timing: { pollMs: 1000 },
    log: () => {},
  });
  const store = new RunStore(join(temp, 'latency'));
  for (const spec of specs.slice(0, 8)) {
    await runPending('one', [spec], store, {
      jobs: 0,
      backend: 'wasm',
      progress: false,
      executor: coordinator.executor,
    });
  }
  const o = coordinator.overhead();
  await coordinator.close();
  worker.kill('SIGTERM');
  log(
    `one run at a time on an idle worker (${o.runs} runs): enqueue→start median ${median([...o.enqueueToStartMs])} ms (max ${Math.max(...o.enqueueToStartMs)}), result→stored median ${median([...o.resultToStoredMs])} ms (max ${Math.max(...o.resultToStoredMs)})`,
  );
} finally {
  redis.kill();
  rmSync(temp, { recursive: true, force: true });
}
