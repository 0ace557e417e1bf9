import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDigits } from '../src/experiments/data/digits.js';
import { MLM_ALPHABET } from '../src/experiments/data/moby-dick.js';
import { beatsChance } from '../src/experiments/report/comparability.js';
import { digitsSplit } from '../src/experiments/tasks/digits.js';
import { G2P_OUTPUTS, g2pData } from '../src/experiments/tasks/g2p.js';
import { ssim } from '../src/experiments/tasks/image-metrics.js';
import { TASK_REGISTRY, TASKS } from '../src/experiments/tasks/index.js';
import { ZERO_FILLED_SSIM, zeroFilledInput } from '../src/experiments/tasks/kspace.js';
import { logisticLoss, SPARSE_DIMS, sparseData } from '../src/experiments/tasks/sparse.js';

describe("each task's chance level", () => {
  it('every primary metric has one, finite', () => {
    for (const t of TASKS) assert.ok(Number.isFinite(TASK_REGISTRY[t].metric.chance?.value), t);
  });

  it('digits: 100 / 10 classes', () => {
    assert.equal(TASK_REGISTRY.digits.metric.chance?.value, 10);
  });

  it('kspace: the SSIM of the zero-filled input on the test digits', () => {
    const digits = loadDigits();
    const px = digits.side * digits.side;
    const test = digitsSplit().test;
    let sum = 0;
    for (const i of test) {
      const target = digits.images.subarray(i * px, (i + 1) * px);
      sum += ssim(zeroFilledInput(digits, i), target, digits.side, Math.max(...target));
    }
    assert.ok(Math.abs(sum / test.length - ZERO_FILLED_SSIM) < 5e-4, `${sum / test.length}`);
    assert.equal(TASK_REGISTRY.kspace.metric.chance?.value, ZERO_FILLED_SSIM);
  });

  it('g2p: ln of the decoder outputs (the phonemes of the data, PAD, BOS, EOS)', () => {
    assert.equal(G2P_OUTPUTS, g2pData().phonemes.length + 3);
    assert.equal(TASK_REGISTRY.g2p.metric.chance?.value, Math.log(G2P_OUTPUTS));
  });

  it('mlm: ln of the output tokens (the alphabet and [MASK])', () => {
    assert.equal(TASK_REGISTRY.mlm.metric.chance?.value, Math.log(MLM_ALPHABET.length + 1));
  });

  it('sparse: the loss of the all-zeros weights, ln 2', () => {
    const data = sparseData();
    const zeros = new Float32Array(SPARSE_DIMS + 1);
    const { loss } = logisticLoss(data, data.split.test, zeros);
    assert.ok(Math.abs(loss - Math.LN2) < 1e-12);
    assert.equal(TASK_REGISTRY.sparse.metric.chance?.value, Math.LN2);
  });

  it('a mean learned only when it clears chance by 1% of it and by its ±2 SE', () => {
    const acc = TASK_REGISTRY.digits.metric; // chance 10, higher is better
    const loss = TASK_REGISTRY.sparse.metric; // chance ln 2, lower is better
    const e = (mean: number, twoSe = 0) => ({ mean, twoSe, n: 3 });
    assert.equal(beatsChance(e(10.1), acc), false);
    assert.equal(beatsChance(e(10.11), acc), true);
    assert.equal(beatsChance(e(12, 2.5), acc), false);
    assert.equal(beatsChance(e(12, 1.5), acc), true);
    assert.equal(beatsChance(e(6.25), acc), false);
    assert.equal(beatsChance(e(Number.NaN), acc), false);
    assert.equal(beatsChance(undefined, acc), false);
    assert.equal(beatsChance(e(0.69), loss), false);
    assert.equal(beatsChance(e(0.68), loss), true);
    assert.equal(beatsChance(e(0.8), loss), false);
  });
});
