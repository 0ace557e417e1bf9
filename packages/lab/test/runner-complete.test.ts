import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import { spec } from '../src/experiments/protocol.js';
import type { StoredRun } from '../src/experiments/run-record.js';
import { RunStore } from '../src/experiments/run-store.js';
import { runPending } from '../src/experiments/runner.js';

const temp = mkdtempSync(join(tmpdir(), 'madgrad-runner-'));
after(() => rmSync(temp, { recursive: true, force: true }));

const size = PRESET_TABLE.smoke.sizes.sparse;
const runs = [0, 1].map((seed) => spec('sparse', 'sgd', { lr: 4, weightDecay: 0 }, seed, size));

/** A stored run for `s`, with `epochs` epochs of finite metrics. */
function record(s: (typeof runs)[number], epochs: number): StoredRun {
  const metrics = { train_loss: 0.5, val_loss: 0.6, test_loss: 0.7 };
  return {
    id: s.id,
    task: s.task,
    method: s.method,
    hyperparameters: s.hyperparameters,
    seed: s.seed,
    size: s.size,
    backend: 'core',
    epochs: Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, ...metrics })),
    final: metrics,
    status: 'ok',
    seconds: 1,
  };
}

describe('a stage of runs', () => {
  it('is not finished while a run the executor reported has no stored result', async () => {
    const store = new RunStore(join(temp, 'missing'), { onDamaged: () => {} });
    const options = {
      jobs: 1,
      backend: 'cpu' as const,
      progress: false,
      // Reports one complete run and one the store refuses on reading back (no epochs).
      executor: async (
        specs: readonly (typeof runs)[number][],
        hooks: { onResult: (r: StoredRun) => void },
      ) => {
        hooks.onResult(record(specs[0]!, size.epochs));
        hooks.onResult({ ...record(specs[1]!, size.epochs), epochs: [{}] } as unknown as StoredRun);
      },
    };
    await assert.rejects(
      runPending('seeds', runs, store, options as never),
      (e: unknown) =>
        e instanceof Error &&
        /1 of 2 runs have no stored result/.test(e.message) &&
        e.message.includes(runs[1]!.id),
    );
    assert.ok(store.get(runs[0]!.id), 'the complete run is kept');
  });

  it('finishes when every run is stored', async () => {
    const store = new RunStore(join(temp, 'complete'), { onDamaged: () => {} });
    const result = await runPending('seeds', runs, store, {
      jobs: 1,
      backend: 'cpu',
      progress: false,
      executor: async (specs, hooks) => {
        for (const s of specs) hooks.onResult(record(s, s.size.epochs));
      },
    });
    assert.deepEqual(result, { ran: 2, skipped: 0 });
  });
});
