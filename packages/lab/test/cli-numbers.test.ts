import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from './helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'madgrad.js');
const temp = mkdtempSync(join(tmpdir(), 'madgrad-cli-numbers-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** Runs the binary; a command still running after 20 s is killed (and the test fails). */
function run(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 });
}

/** The quickest protocol: one sparse run (core engine, a second or two). */
const ONE_RUN = ['--preset', 'smoke', '--tasks', 'sparse', '--methods', 'sgd', '--no-progress'];

/** Refused at once: one bounded line on stderr naming the field, exit code 1, no stack trace. */
function assertRefused(r: ReturnType<typeof run>, field: RegExp): void {
  assert.equal(r.error, undefined, `still running after 20 s (${r.error?.message})`);
  assert.equal(r.status, 1, r.stderr.slice(0, 2000));
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr.slice(0, 2000));
  assert.match(lines[0]!, field);
  assert.ok(lines[0]!.length <= 500, `${lines[0]!.length} characters`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

let n = 0;
const freshOut = () => join(temp, `out-${n++}`);

describe('the lab numbers are bounded', () => {
  it('reproduce and sweep refuse a --seeds beyond 1000 (or not a whole number) and write nothing', () => {
    for (const [command, seeds] of [
      ['reproduce', '1e300'],
      ['sweep', '1001'],
      ['sweep', '1e3'],
    ] as const) {
      const out = freshOut();
      assertRefused(run([command, ...ONE_RUN, '--seeds', seeds, '--out', out]), /--seeds/);
      assert.ok(!existsSync(out), `${command} --seeds ${seeds} created ${out}`);
    }
  });

  it('ablation refuses a --seeds beyond 1000', () => {
    const out = freshOut();
    assertRefused(
      run(['ablation', '--preset', 'smoke', '--seeds', '1e8', '--out', out]),
      /--seeds/,
    );
    assert.ok(!existsSync(out));
  });

  it('report refuses plan.json seeds that are huge, negative, fractional or not numbers', () => {
    for (const seeds of [1e300, 1e8, 1001, -5, 0, 1.5, 'x']) {
      const out = freshOut();
      mkdirSync(out);
      const plan = { preset: 'smoke', tasks: ['sparse'], methods: ['sgd'], seeds };
      writeFileSync(join(out, 'plan.json'), JSON.stringify(plan));
      assertRefused(run(['report', '--out', out]), /plan\.json.*seeds/);
      assert.deepEqual(readdirSync(out), ['plan.json'], `seeds ${seeds}: nothing written`);
    }
  });

  it('report refuses ablation.json seeds beyond 1000', () => {
    const out = freshOut();
    mkdirSync(out);
    const config = { preset: 'smoke', tasks: ['digits'], methods: ['sgd'], seeds: 1e8 };
    writeFileSync(join(out, 'ablation.json'), JSON.stringify(config));
    assertRefused(run(['report', '--out', out]), /ablation\.json.*seeds/);
    assert.deepEqual(readdirSync(out), ['ablation.json']);
  });

  it('sweep and worker refuse a --jobs beyond the cap', () => {
    const out = freshOut();
    assertRefused(run(['sweep', ...ONE_RUN, '--jobs', '1000000', '--out', out]), /--jobs/);
    assert.ok(!existsSync(out));
    assertRefused(
      run(['worker', '--queue', 'redis://127.0.0.1:9', '--jobs', '1e9', '--exit-when-idle']),
      /--jobs/,
    );
  });

  const manyCores = availableParallelism() >= 256;
  it('a --jobs above the core count warns on stderr and runs', { skip: manyCores }, () => {
    const jobs = availableParallelism() + 1;
    const r = run(['sweep', ...ONE_RUN, '--jobs', String(jobs), '--out', freshOut()]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`warning: --jobs ${jobs} is more than the ${jobs - 1} cores of this machine`),
    );
  });
});
