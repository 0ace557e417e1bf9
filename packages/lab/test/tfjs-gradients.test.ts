import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ROOT } from './helpers.js';

/**
 * The kernels that have a gradient once `setup` (ES module source) has run, listed in a fresh
 * process: every string export of tfjs-core that names a kernel, asked for its gradient.
 */
function kernelsWithGradients(setup: string): string[] {
  const program = `
    import * as tf from '@tensorflow/tfjs-core';
    ${setup}
    const names = Object.values(tf).filter((v) => typeof v === 'string' && /^[A-Z]/.test(v));
    console.log(JSON.stringify(names.filter((name) => tf.getGradient(name) !== undefined).sort()));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', program], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

describe("the lab's bundle of tfjs-core's gradients", () => {
  it('registers the gradients that the @tensorflow/tfjs union package registers', () => {
    const backend = pathToFileURL(join(ROOT, 'dist', 'src', 'experiments', 'backend.js')).href;
    const lab = kernelsWithGradients(`await import(${JSON.stringify(backend)});`);
    const union = kernelsWithGradients("await import('@tensorflow/tfjs');");
    assert.deepEqual(kernelsWithGradients(''), [], 'tfjs-core alone registers gradients');
    assert.ok(union.length >= 100, `the union package registers only ${union.length}`);
    assert.deepEqual(lab, union);
  });
});
