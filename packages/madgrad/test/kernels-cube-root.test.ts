import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelMemory } from '../src/kernels/kernel-memory.js';
import { randomArray, rng } from './helpers.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromBits = (b: number) => {
  u32[0] = b >>> 0;
  return f32[0]!;
};
const bitsOf = (x: number) => {
  f32[0] = x;
  return u32[0]!;
};

describe('cube root against Math.cbrt over the float32 range', () => {
  const memory = kernelMemory();
  const cbrt = (xs: Float32Array) => {
    const src = memory.allocate(xs.length)!;
    const dst = memory.allocate(xs.length)!;
    src.set(xs);
    memory.exports.cbrtArray(src.byteOffset, dst.byteOffset, xs.length);
    return dst.slice();
  };
  const ulps = (got: number, x: number) =>
    Math.abs(bitsOf(got) - bitsOf(Math.fround(Math.cbrt(x))));

  it('is exact at 0 and +Infinity', () => {
    const got = cbrt(new Float32Array([0, Number.POSITIVE_INFINITY, 0, 0, 0]));
    assert.deepEqual(Array.from(got), [0, Number.POSITIVE_INFINITY, 0, 0, 0]);
    assert.ok(Object.is(got[0], 0));
    // +Infinity among normal lanes (the fast path) and among subnormal ones (the exact path).
    const mixed = cbrt(new Float32Array([Number.POSITIVE_INFINITY, 1, 8, 27, 1e-40, 0, 64, 1]));
    assert.deepEqual(Array.from(mixed.subarray(0, 4)), [Number.POSITIVE_INFINITY, 1, 2, 3]);
    const special = cbrt(new Float32Array([1e-40, Number.POSITIVE_INFINITY, 0, 8]));
    assert.deepEqual(Array.from(special.subarray(1)), [Number.POSITIVE_INFINITY, 0, 2]);
    assert.ok(ulps(special[0]!, Math.fround(1e-40)) <= 1);
  });

  it('is within 1 ulp on every binade, subnormals and the largest floats included', () => {
    const random = rng(7);
    const xs: number[] = [];
    // Every exponent (0 = subnormals), 64 mantissas each, plus the extremes.
    for (let e = 0; e < 255; e++) {
      for (let j = 0; j < 64; j++) {
        const mantissa = Math.floor(random() * 0x800000);
        const b = (e << 23) | (e === 0 ? Math.max(1, mantissa) : mantissa);
        xs.push(fromBits(b));
      }
    }
    xs.push(fromBits(1), fromBits(2), fromBits(0x7fffff), fromBits(0x800000), fromBits(0x7f7fffff));
    xs.push(1, 8, 27, 1e-6, 1e-30, 3.4e38);
    const input = Float32Array.from(xs);
    const got = cbrt(input);
    let worst = 0;
    for (let i = 0; i < input.length; i++) {
      const u = ulps(got[i]!, input[i]!);
      assert.ok(u <= 1, `cbrt(${input[i]}) = ${got[i]}, Math.cbrt gives ${Math.cbrt(input[i]!)}`);
      worst = Math.max(worst, u);
    }
    assert.ok(worst >= 1, 'the comparison sees rounding differences at all');
  });

  it('gives the same bits in the SIMD body and in the scalar tail', () => {
    const xs = randomArray(4099, rng(3), 1e3).map(Math.abs);
    const whole = cbrt(xs);
    for (let i = 0; i < 7; i++) {
      const single = cbrt(xs.subarray(i, i + 1));
      assert.equal(bitsOf(single[0]!), bitsOf(whole[i]!));
    }
  });
});
