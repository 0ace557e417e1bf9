import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AblationOnlyMethodDefinition,
  type MainMethodDefinition,
  METHODS,
} from '../src/experiments/methods.js';
import { TASK_REGISTRY, TASKS } from '../src/experiments/tasks/index.js';

// Checked by the compiler when the lab builds: each `@ts-expect-error` fails the build if the
// line below it compiles. The objects are never trained.
const tfjs = () => {
  throw new Error('not built');
};
const core = tfjs;

const main: MainMethodDefinition = { label: 'main', tfjs, core, usualLr: 1 };
// @ts-expect-error: a main method without a core optimizer
const noCore: MainMethodDefinition = { label: 'no core', tfjs, usualLr: 1 };
// @ts-expect-error: a main method without a usual learning rate
const noUsualLr: MainMethodDefinition = { label: 'no usual rate', tfjs, core };
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
  it('a main method needs a core optimizer and a usual learning rate; an ablation-only method, centres on digits and g2p', () => {
    // The checks are the compiler's (above); this only keeps the objects in use.
    assert.equal([main, noCore, noUsualLr, ablationOnly, noG2p].length, 5);
  });

  it("every built-in task names a centre for each of the reproduction's methods", () => {
    for (const task of TASKS) {
      assert.deepEqual(
        Object.keys(TASK_REGISTRY[task].lrCentres ?? {}).sort(),
        [...METHODS].sort(),
        task,
      );
    }
  });
});
