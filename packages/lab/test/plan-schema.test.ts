import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { wholeNumber } from '../src/cli/commands/shared-options.js';
import {
  MAX_JOBS,
  MAX_SEEDS,
  MAX_WIDTH,
  oneLine,
  planFileSchema,
} from '../src/experiments/plan-schema.js';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import { type Plan, sweepSpecs } from '../src/experiments/protocol.js';
import { quoted } from '../src/experiments/quoted.js';
import { checkJob, jobFor } from '../src/queue/job-schema.js';
import { protocolRef } from '../src/queue/plan-ref.js';

const SMALL = { train: 8, val: 4, test: 4, epochs: 1, batchSize: 4, width: 0 };

/** The verdict of the queue on a job of a plan with these seeds and sizes. */
function queueVerdict(seeds: number, sizes?: Plan['sizes']): string {
  const plan: Plan = {
    preset: PRESET_TABLE.smoke,
    tasks: ['sparse'],
    methods: ['sgd'],
    seeds,
    ...(sizes ? { sizes } : {}),
  };
  const spec = sweepSpecs(plan)[0]!;
  return checkJob(jobFor(protocolRef(plan), spec, 'wasm', 'v'), spec.id, 'v').kind;
}

describe('one schema for the lab numbers', () => {
  it('the CLI, plan.json and the queue share the seeds bound', () => {
    const seeds = wholeNumber('--seeds', 1, MAX_SEEDS);
    assert.equal(seeds(String(MAX_SEEDS)), MAX_SEEDS);
    assert.throws(() => seeds(String(MAX_SEEDS + 1)), /--seeds must be a whole number/);
    const plan = { preset: 'smoke', tasks: ['sparse'], methods: ['sgd'] };
    assert.ok(planFileSchema.safeParse({ ...plan, seeds: MAX_SEEDS }).success);
    assert.ok(!planFileSchema.safeParse({ ...plan, seeds: MAX_SEEDS + 1 }).success);
    assert.equal(queueVerdict(MAX_SEEDS), 'run');
    assert.equal(queueVerdict(MAX_SEEDS + 1), 'reject');
  });

  it('the CLI and the queue share the size bounds', () => {
    assert.equal(queueVerdict(1, { sparse: SMALL }), 'run');
    for (const bad of [{ width: MAX_WIDTH + 1 }, { batchSize: 0 }, { epochs: 0 }, { train: 1.5 }]) {
      assert.equal(
        queueVerdict(1, { sparse: { ...SMALL, ...bad } }),
        'reject',
        JSON.stringify(bad),
      );
    }
  });

  it('counts are whole numbers in decimal digits within their bounds', () => {
    const jobs = wholeNumber('--jobs', 1, MAX_JOBS);
    assert.equal(jobs(' 12 '), 12);
    for (const bad of ['1e3', '0x10', '-1', '1.0', '', 'Infinity', String(MAX_JOBS + 1), '0']) {
      assert.throws(() => jobs(bad), /--jobs must be a whole number from 1 to 256/, bad);
    }
  });

  it('messages are one bounded line', () => {
    assert.equal(oneLine('a\nb\u0000c'), 'a\\nb\\u0000c');
    const long = oneLine(`value '${'x'.repeat(10_000)}' is invalid`);
    assert.equal(long, `value '${'x'.repeat(60)}…' is invalid`);
    assert.ok(oneLine('y'.repeat(10_000)).length <= 401);
    assert.equal(quoted('z'.repeat(100)), `"${'z'.repeat(60)}…"`);
    // Nested 100,000 deep: named by its kind, without walking into it.
    let deep: unknown[] = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(quoted(deep), 'an array of 1');
    assert.equal(quoted({ a: 1 }), 'an object');
  });
});
