import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from './helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'madgrad.js');
const temp = mkdtempSync(join(tmpdir(), 'madgrad-cli-input-'));
after(() => rmSync(temp, { recursive: true, force: true }));

function run(cli: string, args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
}

/** The quickest protocol: one sparse run (core engine, a second or two). */
const ONE_RUN = ['--preset', 'smoke', '--tasks', 'sparse', '--methods', 'sgd', '--jobs', '1'];
const sweep = (out: string, cli = CLI) =>
  run(cli, ['sweep', ...ONE_RUN, '--out', out, '--no-progress']);

/** A one-line message on stderr, exit code 1, no stack trace. */
function assertOneLineError(r: ReturnType<typeof run>, message: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe('CLI input', () => {
  it('importing the binary parses nothing: main(argv) runs it, one module per command', async () => {
    // Were argv parsed on import, this test process's own arguments would be rejected here.
    const cli = await import('../src/cli/madgrad.js');
    assert.equal(typeof cli.main, 'function');
    assert.deepEqual(
      cli.buildProgram().commands.map((c) => c.name()),
      ['reproduce', 'sweep', 'ablation', 'report', 'train', 'tune', 'bench', 'worker', 'status'],
    );
  });

  it('--version prints the version of madgrad-lab; a bare call prints the help', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const r = run(CLI, [flag]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), version);
    }
    const bare = run(CLI, []);
    assert.equal(bare.status, 0, bare.stderr);
    assert.match(bare.stdout, /^Usage: madgrad-lab \[options\] \[command\]/);
  });

  it('train refuses a list where one task or method is expected', () => {
    const task = run(CLI, ['train', '--task', 'digits,g2p', '--method', 'sgd']);
    assert.equal(task.status, 1);
    assert.match(task.stderr, /takes one task, got the list "digits,g2p"/);
    const method = run(CLI, ['train', '--task', 'digits', '--method', 'sgd,adam']);
    assert.equal(method.status, 1);
    assert.match(method.stderr, /takes one method, got the list "sgd,adam"/);
    const noCentre = run(CLI, ['train', '--task', 'sparse', '--method', 'da']);
    assert.equal(noCentre.status, 1);
    assert.match(
      noCentre.stderr.trim(),
      /^error: method "da" has no learning-rate centre on task "sparse".*give --lr$/,
    );
  });

  it('--out naming a file, a path under a file, an empty path or a read-only place: one line, exit 1', () => {
    const file = join(temp, 'a-file');
    writeFileSync(file, 'not a directory');
    assertOneLineError(sweep(file), /--out .*a-file is a file, not a directory/);
    assertOneLineError(sweep(join(file, 'sub')), /lies under .*a-file, which is a file/);
    assertOneLineError(sweep(''), /--out must name a directory/);
    // Root ignores file modes: use a read-only file system there (/sys on Linux).
    let readOnly = '/sys/madgrad-test-out';
    if (process.getuid?.() !== 0) {
      readOnly = join(temp, 'read-only');
      mkdirSync(readOnly);
      chmodSync(readOnly, 0o555);
    }
    assertOneLineError(sweep(readOnly), /cannot be written/);
  });

  it('a damaged run file is named, set aside and its run redone; report names every file it skips', () => {
    const out = join(temp, 'damaged');
    assert.equal(sweep(out).status, 0);
    const runs = join(out, 'runs');
    const [name] = readdirSync(runs).filter((f) => f.endsWith('.json'));
    const file = join(runs, name!);
    const id = name!.slice(0, -'.json'.length);
    writeFileSync(file, JSON.stringify({ id, status: 'ok' }));
    const again = sweep(out);
    assert.equal(again.status, 0, again.stderr);
    assert.match(
      again.stderr,
      new RegExp(`skipped run file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: unknown task`),
    );
    assert.match(again.stdout, /1 to run/);
    assert.ok(existsSync(`${file}.damaged`));
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).status, 'ok', 'the run was redone');
    writeFileSync(file, '{"id": "tr');
    const report = run(CLI, ['report', '--out', out]);
    assert.equal(report.status, 0, report.stderr);
    assert.match(report.stderr, /skipped run file .*: not valid JSON/);
  });

  it('runs from a checkout whose path has a space', () => {
    // A copy of the compiled lab inside dist/ (so that its imports resolve as in the checkout).
    const spaced = join(ROOT, 'dist', 'with space');
    rmSync(spaced, { recursive: true, force: true });
    cpSync(join(ROOT, 'dist', 'src'), join(spaced, 'src'), { recursive: true });
    try {
      const out = join(temp, 'spaced');
      const r = sweep(out, join(spaced, 'src', 'cli', 'madgrad.js'));
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /failed/);
      const [name] = readdirSync(join(out, 'runs')).filter((f) => f.endsWith('.json'));
      assert.equal(JSON.parse(readFileSync(join(out, 'runs', name!), 'utf8')).status, 'ok');
    } finally {
      rmSync(spaced, { recursive: true, force: true });
    }
  });
});
