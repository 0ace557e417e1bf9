import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  filterGradientMethod,
  InvalidKernelArgumentError,
  inputGradientMethod,
  replacedWasmKernels,
  replaceSlowWasmKernels,
  restoreWasmKernels,
  setFilterGradientMethod,
  setInputGradientMethod,
} from '../src/index.js';
import { readyBackends } from './helpers.js';

/** An InvalidKernelArgumentError whose one-line message matches `pattern`. */
const refused = (pattern: RegExp) => (e: unknown) =>
  e instanceof InvalidKernelArgumentError &&
  e.name === 'InvalidKernelArgumentError' &&
  pattern.test(e.message) &&
  !e.message.includes('\n') &&
  e.message.length < 300;

describe('arguments of the package functions', () => {
  after(() => {
    restoreWasmKernels();
    setFilterGradientMethod('auto');
    setInputGradientMethod('auto');
  });

  it('the method setters refuse unknown methods and keep the method they had', () => {
    setFilterGradientMethod('x-as-filter');
    for (const bad of ['bogus', '', 'AUTO', 42, null, undefined, 'x'.repeat(10_000)]) {
      assert.throws(
        () => setFilterGradientMethod(bad as never),
        refused(/filter gradient method .* is not one of auto, dy-as-filter/),
      );
      assert.throws(
        () => setInputGradientMethod(bad as never),
        refused(/input gradient method .* is not one of auto, direct/),
      );
    }
    assert.equal(filterGradientMethod, 'x-as-filter');
    assert.equal(inputGradientMethod, 'auto');
  });

  it('replaceSlowWasmKernels takes one name as a string, and refuses unknown names before replacing any', async () => {
    await readyBackends();
    restoreWasmKernels();
    assert.deepEqual(replaceSlowWasmKernels('Sum'), ['Sum']);
    assert.deepEqual(replacedWasmKernels(), ['Sum']);
    restoreWasmKernels();
    for (const bad of [['MaxPoolGrad', 'Nope'], 'S', [42], 7, { length: 1, 0: 'Sum' }]) {
      assert.throws(
        () => replaceSlowWasmKernels(bad as never),
        refused(/no faster wasm kernel|kernel names/),
        String(bad),
      );
      assert.deepEqual(replacedWasmKernels(), [], 'nothing was replaced');
    }
  });
});
