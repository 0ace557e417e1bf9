// The lab as a user installs it: its packed tarball, the library's and the training kernels',
// installed together into an empty folder with nothing else (npm leaves the lab's optional peers
// out). Checks what the tarball holds, runs its README's shell blocks as written, and the
// one-line message of a command whose optional packages are missing.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import {
  freshProject,
  install,
  LAB,
  LIBRARY,
  pack,
  remove,
  run,
  TRAINING_KERNELS,
} from './installed-project.mjs';

/** The install-size goal: half of the 560 MB that the lab's install took with every package. */
const INSTALL_GOAL_MB = 280;
const MANIFEST = JSON.parse(readFileSync(join(LAB, 'package.json'), 'utf8'));

let work;
let project;
let tarballs;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'madgrad-pack-'));
  project = freshProject('lab', 'commonjs');
  tarballs = [pack(LIBRARY, work), pack(TRAINING_KERNELS, work), pack(LAB, work)];
});

after(() => {
  remove(work);
  remove(project);
});

/** The ```sh blocks of the lab's README.md: one command a line. */
function readmeCommands() {
  const text = readFileSync(join(LAB, 'README.md'), 'utf8');
  const blocks = [...text.matchAll(/^```sh\n([\s\S]*?)^```/gm)].map((m) => m[1]);
  return blocks.flatMap((block) => block.split('\n').filter((line) => line.trim() !== ''));
}

it('the tarball carries the README, LICENSE, the gradient bundle and the package fields', () => {
  const listing = execFileSync('tar', ['-tzf', tarballs[2]], { encoding: 'utf8' }).split('\n');
  for (const file of [
    'README.md',
    'LICENSE',
    'dist/tfjs-gradients.js',
    'dist/src/cli/madgrad.js',
    'dist/src/index.js',
    'examples/least-squares.mjs',
    'examples/regression.mjs',
    'examples/spirals.mjs',
  ]) {
    assert.ok(listing.includes(`package/${file}`), `${file} is not in the tarball`);
  }
  assert.deepEqual(Object.keys(MANIFEST.bin), ['madgrad-lab']);
  assert.match(MANIFEST.repository.url, /github\.com\/madgrad-js\/madgrad/);
  assert.equal(MANIFEST.repository.directory, 'packages/lab');
  assert.ok(MANIFEST.homepage && MANIFEST.bugs?.url && MANIFEST.keywords?.length > 0);
});

it("the README's shell blocks run as written", { timeout: 300_000 }, () => {
  const commands = readmeCommands();
  assert.ok(commands.length >= 3, 'the README has no quickstart');
  for (const command of commands) {
    const [tool, ...args] = command.split(/\s+/);
    if (tool === 'npm' && args[0] === 'install' && args[1] === 'madgrad-lab') {
      // Not published yet: the same install from the tarballs.
      install(project, tarballs);
      continue;
    }
    assert.equal(tool, 'npx', `README command not understood: ${command}`);
    const out = run(
      tool,
      ['--no-install', ...args, ...(args[1] === 'reproduce' ? ['--no-progress'] : [])],
      {
        cwd: project,
        timeout: 240_000,
      },
    );
    if (args.includes('--version')) assert.equal(out.trim(), MANIFEST.version);
  }
  for (const file of ['index.html', 'results.json', 'README.md']) {
    assert.ok(existsSync(join(project, 'smoke', file)), `smoke/${file} is missing`);
  }
});

it('npx madgrad-lab --help lists the commands', () => {
  const help = run('npx', ['--no-install', 'madgrad-lab', '--help'], { cwd: project });
  assert.match(help, /^Usage: madgrad-lab /);
  for (const command of [
    'reproduce',
    'sweep',
    'report',
    'ablation',
    'train',
    'tune',
    'bench',
    'worker',
  ]) {
    assert.match(help, new RegExp(`\\b${command}\\b`));
  }
});

it('without the optional packages, status and bench --training name what to install in one line', () => {
  for (const name of [
    'bullmq',
    'ioredis',
    'playwright-core',
    'esbuild',
    '@tensorflow/tfjs-layers',
  ]) {
    assert.ok(!existsSync(join(project, 'node_modules', name)), `${name} was installed`);
  }
  const result = spawnSync(
    'npx',
    ['--no-install', 'madgrad-lab', 'status', '--queue', 'redis://127.0.0.1:1'],
    { cwd: project, encoding: 'utf8' },
  );
  assert.equal(result.status, 1, result.stderr);
  assert.match(
    result.stderr,
    /^error: the shared queue \(--queue, worker, status\) needs optional packages of madgrad-lab that are not installed \((bullmq|ioredis)\): npm install bullmq@\^5\.81\.5 ioredis@\^5\.11\.1\n$/,
  );
  const bench = spawnSync(
    'npx',
    ['--no-install', 'madgrad-lab', 'bench', '--training', '--sizes', '16'],
    { cwd: project, encoding: 'utf8' },
  );
  assert.equal(bench.status, 1, bench.stderr);
  assert.match(
    bench.stderr,
    /needs optional packages .*\(@tensorflow\/tfjs-layers\): npm install @tensorflow\/tfjs-layers@\^4\.22\.0\n$/,
  );
});

it(`the install takes at most ${INSTALL_GOAL_MB} MB`, () => {
  const kilobytes = Number(
    execFileSync('du', ['-sk', join(project, 'node_modules')], { encoding: 'utf8' }).split('\t')[0],
  );
  const megabytes = kilobytes / 1024;
  assert.ok(megabytes <= INSTALL_GOAL_MB, `node_modules holds ${megabytes.toFixed(0)} MB`);
});
