import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import { spec } from '../src/experiments/protocol.js';
import { runInPool } from '../src/experiments/run-pool.js';
import type { StoredRun } from '../src/experiments/run-record.js';
import { type DamagedRunFile, RunStore } from '../src/experiments/run-store.js';

const temp = mkdtempSync(join(tmpdir(), 'madgrad-store-'));
after(() => rmSync(temp, { recursive: true, force: true }));

const size = PRESET_TABLE.smoke.sizes.sparse;
const sgd = spec('sparse', 'sgd', { lr: 4, weightDecay: 0 }, 0, size);

/** A complete stored run, written by hand (the schema's fields, nothing trained). */
function completeRun(): StoredRun {
  return {
    id: sgd.id,
    task: 'sparse',
    method: 'sgd',
    hyperparameters: sgd.hyperparameters,
    seed: 0,
    size,
    backend: 'core',
    epochs: [
      { epoch: 1, train_loss: 0.9, val_loss: 0.9, test_loss: 0.9 },
      { epoch: 2, train_loss: 0.5, val_loss: 0.6, test_loss: 0.7 },
    ],
    final: { train_loss: 0.5, val_loss: 0.6, test_loss: 0.7 },
    status: 'ok',
    seconds: 1,
  };
}

describe('run store', () => {
  it('keeps a complete run, and sets aside a valid-JSON but incomplete one, naming the file and what is wrong', () => {
    const dir = join(temp, 'incomplete');
    const damaged: DamagedRunFile[] = [];
    const store = new RunStore(dir, { onDamaged: (d) => damaged.push(d) });
    store.save(completeRun());
    assert.equal(store.all().length, 1);
    const file = join(store.dir, `${sgd.id}.json`);
    writeFileSync(file, JSON.stringify({ id: sgd.id, status: 'ok' }));
    assert.deepEqual(store.all(), []);
    assert.equal(damaged.length, 1);
    assert.equal(damaged[0]!.path, file);
    assert.match(damaged[0]!.problem, /task/);
    assert.ok(!existsSync(file), 'the damaged file is no longer a run');
    assert.ok(existsSync(`${file}.damaged`), 'it is kept aside');
  });

  it('reports truncated JSON, a wrong id, a missing metric record, a bad status', () => {
    const store = new RunStore(join(temp, 'kinds'), { onDamaged: () => {} });
    const file = join(store.dir, `${sgd.id}.json`);
    const cases: [string, RegExp][] = [
      [JSON.stringify(completeRun()).slice(0, 40), /not valid JSON/],
      [JSON.stringify({ ...completeRun(), id: 'other' }), /does not match the file name/],
      [JSON.stringify({ ...completeRun(), final: undefined }), /final/],
      [JSON.stringify({ ...completeRun(), epochs: [{ train_loss: 1 }] }), /epochs\[0\]\.epoch/],
      [JSON.stringify({ ...completeRun(), status: 'great' }), /status/],
      // Metrics no run leaves: a negative loss (a forged objective of -1e30), accuracy above 100 %.
      ...[
        ['train_loss', -1e30],
        ['val_accuracy', 101],
      ].map(([key, value]): [string, RegExp] => {
        const run = completeRun();
        const last = { ...run.epochs[1]!, [key as string]: value };
        const { epoch: _e, ...final } = last;
        return [
          JSON.stringify({ ...run, epochs: [run.epochs[0], last], final }),
          new RegExp(`epochs\\[1\\] ${key} \\S+ is outside`),
        ];
      }),
    ];
    for (const [content, problem] of cases) {
      const found: DamagedRunFile[] = [];
      const s = new RunStore(join(temp, 'kinds'), { onDamaged: (d) => found.push(d) });
      writeFileSync(file, content);
      assert.equal(s.get(sgd.id), undefined);
      assert.match(found[0]?.problem ?? '', problem, content);
    }
  });

  it('a run of a core-engine task whose worker dies is stored as failed, with backend core', async () => {
    // A long run (many epochs), killed at its first progress report.
    const long = spec('sparse', 'sgd', { lr: 4, weightDecay: 0 }, 0, { ...size, epochs: 10_000 });
    const records: StoredRun[] = [];
    let killed = false;
    await runInPool([long], 1, 'wasm', {
      onProgress: () => {
        if (killed) return;
        killed = true;
        const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], {
          encoding: 'utf8',
        });
        for (const pid of children.split('\n').map((s) => Number(s.trim()))) {
          if (pid > 0) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {}
          }
        }
      },
      onResult: (r) => records.push(r),
    });
    assert.equal(records.length, 1);
    assert.equal(records[0]!.status, 'failed');
    assert.match(records[0]!.error ?? '', /worker exited/);
    assert.equal(records[0]!.backend, 'core');
  });
});
