import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Race } from '../src/surface/race.js';
import { RACE_METHODS } from '../src/surface/race-methods.js';
import { uniform as rng } from '../src/surface/random.js';
import { TEST_FUNCTIONS } from '../src/surface/test-functions.js';

/** Central finite difference, accurate to O(h²) in float64. */
function numericGradient(f: (x: number, y: number) => number, x: number, y: number): number[] {
  const h = 1e-5;
  return [(f(x + h, y) - f(x - h, y)) / (2 * h), (f(x, y + h) - f(x, y - h)) / (2 * h)];
}

describe('2D test functions', () => {
  for (const fn of TEST_FUNCTIONS) {
    it(`${fn.id}: gradient matches central finite differences over the window`, () => {
      const random = rng(42);
      const [x0, x1, y0, y1] = fn.domain;
      const out = new Float64Array(2);
      for (let i = 0; i < 200; i++) {
        const x = x0 + (x1 - x0) * random();
        const y = y0 + (y1 - y0) * random();
        fn.gradient(x, y, out);
        const num = numericGradient(fn.value, x, y);
        for (let d = 0; d < 2; d++) {
          const tol = 1e-6 * Math.max(1, Math.abs(num[d]!), Math.abs(fn.value(x, y)));
          assert.ok(
            Math.abs(out[d]! - num[d]!) <= tol,
            `${fn.id} at (${x}, ${y}) d${d}: analytic ${out[d]} vs numeric ${num[d]}`,
          );
        }
      }
    });

    it(`${fn.id}: the stated minimizers are stationary with the stated minimum`, () => {
      const out = new Float64Array(2);
      for (const [x, y] of fn.minimizers) {
        assert.equal(fn.value(x, y), fn.minimum);
        fn.gradient(x, y, out);
        assert.ok(Math.abs(out[0]!) < 1e-12 && Math.abs(out[1]!) < 1e-12, `gradient ${out}`);
      }
    });

    it(`${fn.id}: nothing on a grid over the window is below the stated minimum`, () => {
      const [x0, x1, y0, y1] = fn.domain;
      for (let i = 0; i <= 100; i++) {
        for (let j = 0; j <= 100; j++) {
          const v = fn.value(x0 + ((x1 - x0) * i) / 100, y0 + ((y1 - y0) * j) / 100);
          assert.ok(v >= fn.minimum - 1e-12, `${v} < ${fn.minimum}`);
        }
      }
    });

    it(`${fn.id}: has a learning rate for every racer and starts inside the window`, () => {
      for (const m of RACE_METHODS) assert.ok(fn.learningRates[m.id]! > 0, m.id);
      const [x0, x1, y0, y1] = fn.domain;
      assert.ok(fn.start[0] >= x0 && fn.start[0] <= x1 && fn.start[1] >= y0 && fn.start[1] <= y1);
    });
  }

  it('closed forms: Rosenbrock, Beale, saddle and quadratic at chosen points', () => {
    const [rosen, beale, saddle, quad] = TEST_FUNCTIONS;
    const g = new Float64Array(2);
    assert.equal(rosen!.value(0, 0), 1);
    assert.deepEqual([...rosen!.gradient(0, 0, g)], [-2, 0]);
    assert.equal(beale!.value(0, 0), 1.5 ** 2 + 2.25 ** 2 + 2.625 ** 2);
    assert.deepEqual([...saddle!.gradient(0, 0, g)], [0, 0]); // the saddle point
    assert.equal(saddle!.value(0, 0), 0);
    assert.deepEqual([...quad!.gradient(2, -1, g)], [2, -100]);
  });
});

describe('race', () => {
  it('every racer moves from the shared start, and the clean race replays identically', () => {
    for (const fn of TEST_FUNCTIONS) {
      const a = new Race(fn, fn.start, {}, true, 3);
      const b = new Race(fn, fn.start, {}, true, 3);
      for (let k = 0; k < 20; k++) {
        a.step();
        b.step();
      }
      assert.equal(a.racers.length, RACE_METHODS.length);
      for (const [i, r] of a.racers.entries()) {
        assert.deepEqual(r.path.slice(0, 2), [...new Float32Array(fn.start)]);
        assert.notDeepEqual(r.path.slice(-2), r.path.slice(0, 2), `${fn.id} ${r.method.id}`);
        assert.deepEqual(r.path, b.racers[i]!.path);
      }
    }
  });

  it('on the quadratic, every method gets much closer to the minimum in 300 clean steps', () => {
    const fn = TEST_FUNCTIONS.find((f) => f.id === 'ill-conditioned')!;
    const race = new Race(fn, fn.start, {}, false);
    for (let k = 0; k < 300; k++) race.step();
    for (const r of race.racers) {
      assert.equal(r.stopped, null);
      assert.ok(r.gap.at(-1)! < 1e-2 * r.gap[0]!, `${r.method.id}: ${r.gap.at(-1)}`);
    }
  });

  it('marks a racer with a far too large learning rate as diverged and stops it', () => {
    const fn = TEST_FUNCTIONS.find((f) => f.id === 'ill-conditioned')!;
    const race = new Race(fn, fn.start, { sgd: { lr: 1, momentum: 0.9, enabled: true } }, false);
    for (let k = 0; k < 200; k++) race.step();
    const sgd = race.racers.find((r) => r.method.id === 'sgd')!;
    assert.equal(sgd.stopped, 'diverged');
    assert.ok(sgd.path.every(Number.isFinite));
  });
});
