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
import { storedRunFor } from './stored-runs.js';

const temp = mkdtempSync(join(tmpdir(), 'madgrad-runner-'));
after(() => rmSync(temp, { recursive: true, force: true }));

const size = PRESET_TABLE.smoke.sizes.sparse;
const runs = [0, 1].map((seed) => spec('sparse', 'sgd', { lr: 4, weightDecay: 0 }, seed, size));

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
        hooks.onResult(storedRunFor(specs[0]!));
        hooks.onResult(storedRunFor(specs[1]!, { epochs: [{}] }));
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
        for (const s of specs) hooks.onResult(storedRunFor(s));
      },
    });
    assert.deepEqual(result, { ran: 2, skipped: 0 });
  });
});
