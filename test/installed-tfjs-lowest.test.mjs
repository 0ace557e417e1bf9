// The library installed with @tensorflow/tfjs-core and its backends at the lowest version of the
// peer range: every step path (including the wasm in-place path, which reads backend internals)
// agrees with the core, and saved models with every schedule load and keep training.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import {
  copyInto,
  freshProject,
  install,
  LIBRARY,
  lowestTfjs,
  pack,
  ROOT,
  remove,
  run,
} from './installed-project.mjs';

const TFJS = lowestTfjs();
let work;
let project;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'madgrad-pack-'));
  project = freshProject('tfjs-lowest');
  install(project, [
    pack(LIBRARY, work),
    ...['tfjs-core', 'tfjs-backend-cpu', 'tfjs-backend-wasm', 'tfjs-layers'].map(
      (name) => `@tensorflow/${name}@${TFJS}`,
    ),
  ]);
});

after(() => {
  remove(work);
  remove(project);
});

it(`with @tensorflow/tfjs-core ${TFJS}, the bottom of the peer range: every step path, saved models`, () => {
  copyInto(project, join(ROOT, 'test/fixtures/tfjs-check.mjs'), 'tfjs-check.mjs');
  const out = run('node', ['tfjs-check.mjs'], { cwd: project });
  assert.match(out, new RegExp(`tfjs ${TFJS.replace(/\./g, '\\.')}:`));
});
