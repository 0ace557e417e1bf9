import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CliProcesses } from './cli-processes.js';
import { ROOT } from './helpers.js';
import { TestRedis } from './queue-redis-server.js';
import { runsOf } from './tune-output.js';

const EXAMPLE = join(ROOT, 'examples', 'regression.mjs');
const FAST = ['--lock-duration', '2000', '--stalled-interval', '1000'];
const redis = new TestRedis();
const temp = mkdtempSync(join(tmpdir(), 'madgrad-tune-queue-'));
// Task modules written by the tests live under dist/, where `madgrad-lab` resolves to this package.
const modules = join(ROOT, 'dist', `test-tune-queue-${process.pid}`);
mkdirSync(modules, { recursive: true });
const processes = new CliProcesses();
before(() => redis.start());
after(async () => {
  processes.killAll();
  await redis.dispose();
  rmSync(temp, { recursive: true, force: true });
  rmSync(modules, { recursive: true, force: true });
});

const cli = (args: string[]) => processes.run(args);

// That a tune on the queue gives a local tune's runs and result is tested from the installed
// tarball, for every example (test/installed-lab-tune.test.mjs).
describe('tune --queue on a real redis-server: workers and task modules', () => {
  it('a worker that imports no task modules, or whose task module differs, refuses the run and stops; one with the same module runs it', async () => {
    const path = join(modules, 'regression.mjs');
    copyFileSync(EXAMPLE, path);
    const original = readFileSync(path);
    const out = join(temp, 'changed');
    const url = `${redis.url.replace(/\/0$/, '')}/2`;
    const coordinator = cli([
      'tune',
      path,
      '--preset',
      'smoke',
      '--queue',
      url,
      '--jobs',
      '0',
      '--out',
      out,
      ...FAST,
    ]);
    // Once the coordinator has checked the module and stored its plan, the file changes.
    for (let i = 0; i < 600 && !coordinator.output().includes('coordinating on'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const none = cli(['worker', '--queue', url, ...FAST]);
    assert.equal(await none.exit, 2, none.output());
    assert.match(
      none.output(),
      /refusing run .*: task module .*regression\.mjs: this worker imports no task modules \(start it with --task-modules DIR\)/,
    );
    appendFileSync(path, '// changed\n');
    const stale = cli(['worker', '--queue', url, '--task-modules', modules, ...FAST]);
    assert.equal(await stale.exit, 2, stale.output());
    assert.match(
      stale.output(),
      /refusing run .*: task module .*regression\.mjs changed since the plan recorded it \(sha256 [0-9a-f]{12}…, now [0-9a-f]{12}…\): restore it, or tune again into another --out\. It stays on the queue for a worker with the same task module; this worker stops\./,
    );
    writeFileSync(path, original);
    const good = cli([
      'worker',
      '--queue',
      url,
      '--exit-when-idle',
      '--idle',
      '3000',
      '--task-modules',
      modules,
      ...FAST,
    ]);
    assert.equal(await coordinator.exit, 0, coordinator.output());
    assert.equal(await good.exit, 0, good.output());
    assert.equal(runsOf(out).length, 3);
  });
});
