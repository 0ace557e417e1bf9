import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { lrCentreOf } from '../src/experiments/methods.js';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import { type Plan, spec } from '../src/experiments/protocol.js';
import type { RunSpec, StoredRun } from '../src/experiments/run-record.js';
import { RunStore } from '../src/experiments/run-store.js';
import { runPending, runPlans } from '../src/experiments/runner.js';
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

describe('the protocol in rounds', () => {
  it("starts a finished sweep's seeds in the round where another sweep grows", async () => {
    // sparse × (sgd, adam) on the quick grid ×½ … ×4: sgd scores best at its usual rate (an
    // interior point), adam best at ever larger rates until one past the grid (it grows twice).
    const plan: Plan = {
      preset: PRESET_TABLE.quick,
      tasks: ['sparse'],
      methods: ['sgd', 'adam'],
      seeds: 3,
    };
    const centre = (m: string) => lrCentreOf('sparse', m as 'sgd' | 'adam');
    const score = (s: RunSpec) => {
      const k = Math.round(Math.log2(s.hyperparameters.lr / centre(s.method)));
      return s.method === 'sgd' ? -Math.abs(k) : -Math.abs(k - 4);
    };
    const rounds: string[][] = [];
    const store = new RunStore(join(temp, 'rounds'), { onDamaged: () => {} });
    await runPlans([plan], store, {
      jobs: 2,
      backend: 'cpu',
      progress: false,
      executor: async (specs, hooks) => {
        rounds.push(
          specs.map(
            (s) =>
              `${s.method} k=${Math.round(Math.log2(s.hyperparameters.lr / centre(s.method)))} seed=${s.seed}`,
          ),
        );
        for (const s of specs) {
          const loss = { train_loss: 1, val_loss: 1 - score(s), test_loss: 1 };
          const epochs = Array.from({ length: s.size.epochs }, (_, i) => ({
            epoch: i + 1,
            ...loss,
          }));
          hooks.onResult(storedRunFor(s, { epochs, final: loss }));
        }
      },
    });
    assert.deepEqual(rounds, [
      [
        'sgd k=-1 seed=0',
        'sgd k=0 seed=0',
        'sgd k=1 seed=0',
        'sgd k=2 seed=0',
        'adam k=-1 seed=0',
        'adam k=0 seed=0',
        'adam k=1 seed=0',
        'adam k=2 seed=0',
      ],
      ['adam k=3 seed=0', 'sgd k=0 seed=1', 'sgd k=0 seed=2'],
      ['adam k=4 seed=0'],
      ['adam k=5 seed=0'],
      ['adam k=4 seed=1', 'adam k=4 seed=2'],
    ]);
  });
});
