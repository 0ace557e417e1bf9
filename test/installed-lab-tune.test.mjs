// `madgrad-lab tune` on the examples that ship with the lab (two tasks in the simple form, one in
// the full form), from its packed tarball installed
// with the library's and the training kernels' into a fresh project, together with the optional
// peers that the examples and the queue need (@tensorflow/tfjs-layers, bullmq, ioredis, at the
// lockfile's versions). For each example, under --preset smoke: the installed CLI, tune() imported
// from 'madgrad-lab', and the installed CLI on a real redis-server (a coordinator and two workers)
// give the same result. The lab's build compiles the helpers of its tests into
// packages/lab/dist/test, which this file imports: the redis-server, the CLI's processes, and the
// reading of a tune's output.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliProcesses } from '../packages/lab/dist/test/cli-processes.js';
import { TestRedis } from '../packages/lab/dist/test/queue-redis-server.js';
import { resultOf, runsOf } from '../packages/lab/dist/test/tune-output.js';
import {
  freshProject,
  install,
  LAB,
  LIBRARY,
  lockedVersion,
  pack,
  remove,
  TRAINING_KERNELS,
} from './installed-project.mjs';

const REDIS_SERVER = '/usr/bin/redis-server';
const NO_REDIS =
  !existsSync(REDIS_SERVER) &&
  `${REDIS_SERVER} is missing (Debian: apt-get install redis-server), so tune --queue is not tested`;
const PEERS = ['@tensorflow/tfjs-layers', 'bullmq', 'ioredis'];
/** Short BullMQ locks, so that a run lost with a worker comes back quickly. */
const FAST = ['--lock-duration', '2000', '--stalled-interval', '1000'];
/** Each example's Redis database, so that the examples share the server without sharing a queue. */
const EXAMPLES = { regression: 1, spirals: 2, 'least-squares': 3 };
/** Each test's limit: a few seconds of work, many times over on a busy 2-core machine. */
const TIMEOUT = 240_000;

const TUNE_CODE = `import { tune } from 'madgrad-lab';
const [example, out] = process.argv.slice(2);
const { files: _files, ...result } = await tune(example, { preset: 'smoke', jobs: 1, out });
console.log(JSON.stringify(result));
`;

let work;
let project;
let processes;
const redis = NO_REDIS ? null : new TestRedis();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'madgrad-pack-'));
  project = freshProject('lab-tune');
  const tarballs = [pack(LIBRARY, work), pack(TRAINING_KERNELS, work), pack(LAB, work)];
  await redis?.start();
  install(project, [...tarballs, ...PEERS.map((name) => `${name}@${lockedVersion(name)}`)]);
  writeFileSync(join(project, 'tune-code.mjs'), TUNE_CODE);
  processes = new CliProcesses([join(project, 'node_modules', '.bin', 'madgrad-lab')], project);
});

after(async () => {
  processes?.killAll();
  await redis?.dispose();
  remove(work);
  remove(project);
});

/** Waits for a process to exit, and asserts that it succeeded; returns its output. */
async function succeeds(cli) {
  assert.equal(await cli.exit, 0, cli.output());
  return cli.output();
}

/** Waits until a process's output holds `text` (true) or it exits first (false). */
async function printed(cli, text) {
  while (!cli.output().includes(text)) {
    if (cli.child.exitCode !== null || cli.child.signalCode !== null) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

describe('madgrad-lab tune from the installed tarball', { concurrency: true }, () => {
  for (const [name, db] of Object.entries(EXAMPLES)) {
    describe(`examples/${name}.mjs`, { concurrency: true }, () => {
      const examples = () => join(project, 'node_modules', 'madgrad-lab', 'examples');
      const example = () => join(examples(), `${name}.mjs`);
      const out = (kind) => join(project, `${name}-${kind}`);
      let local;
      /** The local tune with the installed CLI, started once for both tests. */
      const localTune = () => {
        local ??= succeeds(
          processes.start('npx', [
            '--no-install',
            'madgrad-lab',
            'tune',
            example(),
            '--preset',
            'smoke',
            '--jobs',
            '1',
            '--out',
            out('local'),
          ]),
        );
        return local;
      };

      it('the CLI and tune() give the same result, with a recommended method', {
        timeout: TIMEOUT,
      }, async () => {
        const [cli, code] = await Promise.all([
          localTune(),
          succeeds(processes.start(process.execPath, ['tune-code.mjs', example(), out('code')])),
        ]);
        assert.match(cli, /^recommended: (MADGRAD|Adam|SGD) at learning rate /m);
        assert.deepEqual(JSON.parse(code), resultOf(out('local')));
        assert.deepEqual(resultOf(out('code')), resultOf(out('local')));
        assert.deepEqual(runsOf(out('code')), runsOf(out('local')));
      });

      it('tune --queue on a real redis-server with two workers gives the same runs and result', {
        skip: NO_REDIS,
        timeout: TIMEOUT,
      }, async () => {
        const url = `${redis.url.replace(/\/0$/, '')}/${db}`;
        const coordinator = processes.run([
          'tune',
          example(),
          '--preset',
          'smoke',
          '--queue',
          url,
          '--jobs',
          '0',
          '--out',
          out('queue'),
          ...FAST,
        ]);
        // Workers stop after 3 s without work, so they start once the coordinator has its plan.
        assert.ok(await printed(coordinator, 'coordinating on'), coordinator.output());
        const workers = [1, 2].map(() =>
          processes.run([
            'worker',
            '--queue',
            url,
            '--task-modules',
            examples(),
            '--exit-when-idle',
            '--idle',
            '3000',
            ...FAST,
          ]),
        );
        const [queued, ...done] = await Promise.all([coordinator, ...workers].map(succeeds));
        await localTune();
        assert.match(done.join('\n'), new RegExp(`\\b${name}__\\w+__\\S*: ok in `));
        assert.match(queued, /^recommended: (MADGRAD|Adam|SGD) at learning rate /m);
        assert.deepEqual(runsOf(out('queue')), runsOf(out('local')));
        assert.deepEqual(resultOf(out('queue')), resultOf(out('local')));
      });
    });
  }
});
