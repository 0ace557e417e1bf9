import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPronunciations } from '../src/experiments/data/cmudict.js';
import { loadDigits } from '../src/experiments/data/digits.js';
import { loadMobyDickSections } from '../src/experiments/data/moby-dick.js';
import { Rng } from '../src/experiments/data/rng.js';
import { hashedBagOfWords, loadEmails } from '../src/experiments/data/spam-assassin.js';
import { limitSplit, type Split, splitIndices } from '../src/experiments/data/splits.js';
import { digitsSplit, shiftImage } from '../src/experiments/tasks/digits.js';
import { g2pData } from '../src/experiments/tasks/g2p.js';
import { TASK_REGISTRY } from '../src/experiments/tasks/index.js';
import { MLM_LENGTH, maskTokens, mlmData } from '../src/experiments/tasks/mlm.js';
import { sparseData } from '../src/experiments/tasks/sparse.js';

function assertDisjoint(split: Split, n: number): void {
  const all = [...split.train, ...split.val, ...split.test];
  assert.equal(new Set(all).size, all.length, 'splits overlap');
  for (const i of all) assert.ok(Number.isInteger(i) && i >= 0 && i < n, `index ${i} out of range`);
}

describe('data loaders and splits', () => {
  it('splitIndices: sizes, disjoint, deterministic, seed-dependent; limitSplit takes prefixes', () => {
    const a = splitIndices(100, { val: 10, test: 20 });
    assert.deepEqual([a.train.length, a.val.length, a.test.length], [70, 10, 20]);
    assertDisjoint(a, 100);
    assert.deepEqual(splitIndices(100, { val: 10, test: 20 }), a);
    assert.notDeepEqual(splitIndices(100, { val: 10, test: 20 }, 7).test, a.test);
    const small = limitSplit(a, { train: 5, val: 3, test: 4 });
    assert.deepEqual(small.train, a.train.slice(0, 5));
    assert.throws(() => limitSplit(a, { train: 71, val: 1, test: 1 }), /exceeds/);
    assert.throws(() => splitIndices(10, { val: 5, test: 5 }), RangeError);
  });

  it('digits: 10,000 images in [0, 1], labels 0-9, fixed split 7,000 / 1,000 / 2,000', () => {
    const d = loadDigits();
    assert.equal(d.count, 10000);
    assert.equal(d.images.length, 10000 * 784);
    let max = 0;
    for (const v of d.images) max = Math.max(max, v);
    assert.ok(max <= 1 && max > 0.9);
    assert.deepEqual(new Set(d.labels), new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const s = digitsSplit();
    assert.deepEqual([s.train.length, s.val.length, s.test.length], [7000, 1000, 2000]);
    assertDisjoint(s, d.count);
    assert.deepEqual(digitsSplit(), s);
    assert.deepEqual(TASK_REGISTRY.digits.available, { train: 7000, val: 1000, test: 2000 });
  });

  it('digits augmentation: a shift moves pixels and fills with zeros', () => {
    const img = new Float32Array(9);
    img[4] = 1; // centre of a 3x3 image
    const shifted = shiftImage(img, 3, 1, -1);
    assert.equal(shifted[1 * 3 + 2 - 3], 1); // row 0, column 2
    assert.equal(
      shifted.reduce((s, v) => s + v, 0),
      1,
    );
  });

  it('g2p: letters-only words, 39 phonemes, disjoint deterministic split', () => {
    const { entries, phonemes, split } = g2pData();
    assert.equal(phonemes.length, 39);
    assert.ok(entries.every((e) => /^[a-z]{3,7}$/.test(e.word) && e.phonemes.length > 0));
    assert.equal(new Set(entries.map((e) => e.word)).size, entries.length, 'duplicate words');
    assert.deepEqual([split.val.length, split.test.length], [2000, 2000]);
    assert.ok(split.train.length >= TASK_REGISTRY.g2p.available.train);
    assertDisjoint(split, entries.length);
    assert.deepEqual(g2pData().split, split);
    assert.ok(loadPronunciations(7).length === entries.length);
  });

  it('mlm: 32-character sequences, split by chapter, masking ~15%', () => {
    const sections = loadMobyDickSections();
    assert.equal(sections.length, 139);
    const { tokens, split } = mlmData();
    const n = tokens.length / MLM_LENGTH;
    assertDisjoint(split, n);
    assert.equal(split.train.length + split.val.length + split.test.length, n);
    const a = TASK_REGISTRY.mlm.available;
    assert.ok(
      split.train.length >= a.train && split.val.length >= a.val && split.test.length >= a.test,
    );
    // No sequence text shared across splits (chapters are whole): compare the text sets.
    const text = (i: number) => tokens.subarray(i * MLM_LENGTH, (i + 1) * MLM_LENGTH).join(',');
    const trainText = new Set(split.train.map(text));
    const shared = split.test.filter((i) => trainText.has(text(i))).length;
    assert.ok(shared < split.test.length * 0.01, `${shared} test sequences also in train`);
    const { weights } = maskTokens(tokens.subarray(0, 32 * 500), new Rng(1));
    const fraction = weights.reduce((s, w) => s + w, 0) / weights.length;
    assert.ok(Math.abs(fraction - 0.15) < 0.01, `masked fraction ${fraction}`);
  });

  it('sparse: 6,046 emails, unit-norm hashed rows with a bias, disjoint split', () => {
    const emails = loadEmails();
    assert.equal(emails.length, 6046);
    assert.equal(emails.filter((e) => e.spam).length, 1896);
    const row = hashedBagOfWords('Buy now buy NOW cheap', 16);
    assert.equal(row.indices.at(-1), 16, 'bias feature last');
    const norm = row.values.subarray(0, -1).reduce((s, v) => s + v * v, 0);
    assert.ok(Math.abs(norm - 1) < 1e-6);
    assert.equal(new Set(row.indices).size, row.indices.length);
    const { split } = sparseData();
    assert.deepEqual([split.train.length, split.val.length, split.test.length], [4046, 1000, 1000]);
    assertDisjoint(split, emails.length);
  });
});
