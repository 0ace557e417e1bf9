import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers.js';

const BENCH = join(ROOT, 'dist', 'src', 'bench', 'bench.js');
const NAMES = [
  'floor',
  'madgrad-js',
  'madgrad-kernel-1t',
  'madgrad-kernel-mt',
  'mirror-kernel-mt',
  'tfjs-wasm-adam',
  'tfjs-wasm-madgrad',
  'tfjs-cpu-madgrad',
  'tfjs-cpu-adam',
];

describe('benchmark command line', () => {
  it('prints one JSON document with every name for every size', () => {
    const r = spawnSync(process.execPath, [BENCH, '--json', '--sizes', '1000,4096'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.ok(Number.isInteger(doc.cores) && doc.cores >= 1);
    assert.deepEqual(
      doc.results.map((x: { name: string; n: number }) => `${x.name}@${x.n}`).sort(),
      NAMES.flatMap((name) => [`${name}@1000`, `${name}@4096`]).sort(),
    );
    for (const x of doc.results) assert.ok(x.nsPerParam > 0 && Number.isFinite(x.nsPerParam));
  });

  it('prints a table without --json, and rejects bad sizes', () => {
    const r = spawnSync(process.execPath, [BENCH, '--sizes', '256'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^cores: \d+\n/);
    for (const name of NAMES) assert.match(r.stdout, new RegExp(`^${name}\\s+[\\d.]+$`, 'm'));
    const bad = spawnSync(process.execPath, [BENCH, '--sizes', '12,abc'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /"abc" is not a positive integer/);
  });

  it('adds training throughput with --training (tiny batch)', () => {
    const r = spawnSync(
      process.execPath,
      [
        BENCH,
        '--json',
        '--sizes',
        '256',
        '--training',
        '--batch',
        '2',
        '--training-tasks',
        'kspace',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    const training = doc.results.filter(
      (x: { samplesPerSecond?: number }) => 'samplesPerSecond' in x,
    );
    assert.deepEqual(training.map((x: { name: string }) => x.name).sort(), [
      'cnn-train-cpu',
      'cnn-train-wasm',
      'cnn-train-wasm-dyfilter',
      'cnn-train-wasm-fast',
      'cnn-train-wasm-im2col',
      'cnn-train-wasm-sgd',
      'cnn-train-wasm-xfilter',
      'train-kspace',
    ]);
    for (const x of training)
      assert.ok(x.samplesPerSecond > 0 && Number.isFinite(x.samplesPerSecond));
    const bad = spawnSync(process.execPath, [BENCH, '--training', '--batch', '0'], {
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--batch: "0" is not a positive integer/);
    const task = spawnSync(process.execPath, [BENCH, '--training', '--training-tasks', 'cifar'], {
      encoding: 'utf8',
    });
    assert.equal(task.status, 2);
    assert.match(task.stderr, /--training-tasks: "cifar" is not one of digits, kspace/);
  });

  it('runs as `madgrad-lab bench` too', () => {
    const cli = join(ROOT, 'dist', 'src', 'cli', 'madgrad.js');
    const r = spawnSync(process.execPath, [cli, 'bench', '--json', '--sizes', '512'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.deepEqual(doc.results.map((x: { name: string }) => x.name).sort(), [...NAMES].sort());
  });
});
