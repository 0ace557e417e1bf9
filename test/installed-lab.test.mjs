// The lab as a user installs it: its packed tarball, the library's and the training kernels',
// installed together into an empty folder, run the `madgrad` CLI with nothing else installed.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
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

let work;
let project;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'madgrad-pack-'));
  project = freshProject('lab', 'commonjs');
  install(project, [pack(LIBRARY, work), pack(TRAINING_KERNELS, work), pack(LAB, work)]);
});

after(() => {
  remove(work);
  remove(project);
});

it('npx madgrad --help lists the commands', () => {
  const help = run('npx', ['--no-install', 'madgrad', '--help'], { cwd: project });
  for (const command of ['reproduce', 'sweep', 'report', 'ablation', 'bench']) {
    assert.match(help, new RegExp(`\\b${command}\\b`));
  }
});

it('npx madgrad reproduce --preset smoke writes a report', { timeout: 180_000 }, () => {
  const out = join(work, 'smoke');
  run(
    'npx',
    ['--no-install', 'madgrad', 'reproduce', '--preset', 'smoke', '--out', out, '--no-progress'],
    {
      cwd: project,
      timeout: 180_000,
    },
  );
  for (const file of ['index.html', 'results.json', 'README.md']) {
    assert.ok(existsSync(join(out, file)), `${file} is missing`);
  }
});
