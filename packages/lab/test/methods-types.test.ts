import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  AblationOnlyMethodDefinition,
  MainMethodDefinition,
} from '../src/experiments/methods.js';

// Checked by the compiler when the lab builds: each `@ts-expect-error` fails the build if the
// line below it compiles. The objects are never trained.
const tfjs = () => {
  throw new Error('not built');
};
const core = tfjs;
const everyTask = { digits: 1, kspace: 1, g2p: 1, mlm: 1, sparse: 1 };

const main: MainMethodDefinition = {
  label: 'main',
  tfjs,
  core,
  lrCentre: everyTask,
  usualLr: 1,
};
// @ts-expect-error: a main method without a core optimizer
const noCore: MainMethodDefinition = { label: 'no core', tfjs, lrCentre: everyTask, usualLr: 1 };
const noSparse: MainMethodDefinition = {
  label: 'no sparse',
  tfjs,
  core,
  usualLr: 1,
  // @ts-expect-error: a main method without a centre on one task
  lrCentre: { digits: 1, kspace: 1, g2p: 1, mlm: 1 },
};
const ablationOnly: AblationOnlyMethodDefinition = {
  label: 'ablation only',
  tfjs,
  lrCentre: { digits: 1, g2p: 1 },
};
const noG2p: AblationOnlyMethodDefinition = {
  label: 'no g2p',
  tfjs,
  // @ts-expect-error: an ablation method without a centre on one of the ablation's tasks
  lrCentre: { digits: 1 },
};

describe('method definitions (types)', () => {
  it('a main method needs a core optimizer and a centre on every task; an ablation-only method, centres on digits and g2p', () => {
    // The checks are the compiler's (above); this only keeps the objects in use.
    assert.equal([main, noCore, noSparse, ablationOnly, noG2p].length, 5);
  });
});
