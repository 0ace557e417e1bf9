import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { METHOD_LABELS, METHODS } from '../src/experiments/methods.js';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import { seedSpecs, sweepSpecs } from '../src/experiments/protocol.js';
import { RunStore } from '../src/experiments/run-store.js';
import { TASKS } from '../src/experiments/tasks/index.js';
import { ROOT } from './helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'madgrad.js');
const temp = mkdtempSync(join(tmpdir(), 'madgrad-cli-'));
after(() => rmSync(temp, { recursive: true, force: true }));

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 240_000 });
}

describe('madgrad CLI', () => {
  it('rejects unknown tasks, methods and bad values with a clear message', () => {
    const task = cli(['sweep', '--tasks', 'digits,cifar']);
    assert.notEqual(task.status, 0);
    assert.match(task.stderr, /unknown task "cifar"/);
    const method = cli(['reproduce', '--methods', 'lamb']);
    assert.match(method.stderr, /unknown method "lamb"/);
    const jobs = cli(['sweep', '--jobs', '0']);
    assert.match(jobs.stderr, /--jobs must be a positive integer/);
    const preset = cli(['sweep', '--preset', 'huge']);
    assert.match(preset.stderr, /huge/);
    assert.match(cli(['train', '--help']).stdout, /--task/);
  });

  it('reproduce --preset smoke runs every task × method and writes the report naming them all', () => {
    const out = join(temp, 'smoke');
    const r = cli(['reproduce', '--preset', 'smoke', '--out', out, '--jobs', '2', '--no-progress']);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    for (const f of ['index.html', 'results.json', 'README.md'])
      assert.ok(existsSync(join(out, f)), f);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as {
      runs: Record<string, unknown>[];
    };
    assert.equal(results.runs.length, TASKS.length * METHODS.length);
    for (const run of results.runs) {
      assert.deepEqual(Object.keys(run).sort(), [
        'epochs',
        'final',
        'hyperparameters',
        'method',
        'seconds',
        'seed',
        'status',
        'task',
      ]);
      assert.equal(run.status, 'ok');
      for (const v of Object.values(run.final as Record<string, number>))
        assert.ok(Number.isFinite(v));
    }
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    const md = readFileSync(join(out, 'README.md'), 'utf8');
    assert.ok(html.includes('<svg'), 'plots are inlined');
    assert.ok(!/src="http|href="http/.test(html), 'self-contained');
    for (const task of TASKS) {
      assert.ok(html.includes(`id="${task}"`) && md.includes(`## ${task}`), task);
    }
    for (const m of METHODS)
      assert.ok(html.includes(METHOD_LABELS[m]) && md.includes(METHOD_LABELS[m]), m);
  });

  it('an interrupted sweep resumes without losing or repeating a run', async () => {
    const out = join(temp, 'resume');
    const args = [
      'sweep',
      '--preset',
      'smoke',
      '--tasks',
      'digits,kspace',
      '--methods',
      'sgd,adam,adagrad',
      '--seeds',
      '3',
      '--jobs',
      '2',
      '--out',
      out,
      '--no-progress',
    ];
    const plan = {
      preset: PRESET_TABLE.smoke,
      tasks: ['digits', 'kspace'] as const,
      methods: ['sgd', 'adam', 'adagrad'] as const,
      seeds: 3,
    };
    const child: ChildProcess = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    const runsDir = join(out, 'runs');
    const count = () =>
      existsSync(runsDir) ? readdirSync(runsDir).filter((f) => f.endsWith('.json')).length : 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (count() >= 3) {
          clearInterval(timer);
          child.kill('SIGINT');
          resolve();
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(timer);
        reject(new Error('the sweep finished before it could be interrupted'));
      });
    });
    await new Promise((resolve) => child.once('exit', resolve));
    const before = new Map(
      readdirSync(runsDir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => [f, statSync(join(runsDir, f)).mtimeMs]),
    );
    assert.ok(
      before.size >= 3 && before.size < 18,
      `${before.size} runs stored before the interrupt`,
    );
    const resumed = cli(args);
    assert.equal(resumed.status, 0, resumed.stderr.slice(-2000));
    const ranLines = resumed.stdout.split('\n').filter((l) => /^\s+\[\d+\/\d+\]/.test(l)).length;
    const store = new RunStore(out);
    const expected = [
      ...sweepSpecs(plan),
      ...seedSpecs(plan, new Map(store.all().map((r) => [r.id, r]))),
    ];
    assert.equal(expected.length, 6 + 12);
    assert.deepEqual(
      [...store.ids()].sort(),
      expected.map((s) => s.id).sort(),
      'every planned run stored once',
    );
    assert.equal(ranLines, expected.length - before.size, 'only the missing runs ran');
    for (const [f, mtime] of before)
      assert.equal(statSync(join(runsDir, f)).mtimeMs, mtime, `${f} was rewritten`);
    assert.ok(!readdirSync(runsDir).some((f) => f.endsWith('.tmp')), 'no temporary files left');
    // A second rerun does nothing.
    const again = cli(args);
    assert.match(again.stdout, /^round 1: 18 runs, 18 already stored, 0 to run/m);
    assert.doesNotMatch(again.stdout, /round 2/);
  });
});
