// AssemblyScript: the float32 cube root of the kernels (kernels.ts), four lanes at a time.

const THIRD = f32x4.splat(<f32>(1.0 / 3.0));
const FOUR_THIRDS = f32x4.splat(<f32>(4.0 / 3.0));
const ONE = f32x4.splat(1.0);
const C1 = f32x4.splat(<f32>(2.0 / 3.0));
const C2 = f32x4.splat(<f32>(5.0 / 9.0));
const C3 = f32x4.splat(<f32>(40.0 / 81.0));
const ZERO = f32x4.splat(0.0);
const INF = f32x4.splat(Infinity);
/** Below this (subnormals and 0) the argument is scaled by 2^24 first, the result by 2^-8. */
const MIN_NORMAL = f32x4.splat(1.17549435e-38);
const UP = f32x4.splat(16777216.0);
const DOWN = f32x4.splat(0.00390625);
/**
 * The initial guess of x^(-1/3) is the classic bit trick bits(r) = MAGIC − bits(x)/3 (relative
 * error at most 3.4%, MAGIC = 0x54a23000): bits(x)/3 divides the exponent by 3, the subtraction
 * negates it and re-biases. SIMD has no integer division, so it is computed in float arithmetic,
 * in units of 256 (a guess needs no more than 2^-15): t = 1.5·2^23 + (MAGIC − bits(x)/3 − 2^30)/256
 * holds that integer in its mantissa (its magnitude stays below 2^22), and bits(t) << 8 is
 * MAGIC − bits(x)/3 modulo 2^32 (the exponent bits of 1.5·2^23 shift out to exactly 2^30).
 */
const MINUS_THIRD_256 = f32x4.splat(<f32>(-1.0 / 768.0));
const GUESS_OFFSET = f32x4.splat(<f32>(12582912.0 + (0x54a23000 - 0x40000000) / 256.0));

/**
 * cbrt(x) for normal positive float32 lanes, within 1 ulp of the correctly rounded result.
 *
 * From the bit-trick guess r of x^(-1/3) (above), one division-free Newton step
 * r ← r (4 − x r³)/3 takes its relative error δ from 3.4% to 2.3e-3. Then y0 = x r² ≈ x^(1/3)
 * and e = 1 − x r³ = 1 − y0 r give the cube root by a series instead of more iterations:
 * x^(1/3) = y0 (1 − e)^(-2/3) = y0 (1 + 2e/3 + 5e²/9 + 40e³/81 + ...). With |e| ≈ 3δ ≤ 7e-3
 * the dropped terms stay below 0.5·e⁴ ≈ 1.2e-9 relative, so rounding dominates (measured: at
 * most 1 ulp over 16M arguments spanning every binade; exact at perfect cubes). x r³ is
 * evaluated as (x r) r², which neither overflows nor underflows for a normal float32.
 * 21 SIMD operations and no division.
 */
@inline
function cbrtNormal(x: v128): v128 {
  const r = newtonStep(x, guess(x));
  const y0 = roughRoot(x, r);
  return refinedRoot(y0, residual(y0, r));
}

// cbrtNormal's steps, one function each, so that cbrt4x4 can take every step for four vectors.

/** The bit-trick guess of x^(-1/3). */
@inline
function guess(x: v128): v128 {
  const bits = f32x4.convert_i32x4_s(x);
  return i32x4.shl(f32x4.add(f32x4.mul(bits, MINUS_THIRD_256), GUESS_OFFSET), 8);
}

/** One division-free Newton step for x^(-1/3): r (4 − x r³)/3, x r³ as (x r) r². */
@inline
function newtonStep(x: v128, r: v128): v128 {
  const xr3Third = f32x4.mul(f32x4.mul(f32x4.mul(x, THIRD), r), f32x4.mul(r, r));
  return f32x4.mul(r, f32x4.sub(FOUR_THIRDS, xr3Third));
}

/** y0 = x r² ≈ x^(1/3). */
@inline
function roughRoot(x: v128, r: v128): v128 {
  return f32x4.mul(f32x4.mul(x, r), r);
}

/** e = 1 − y0 r (= 1 − x r³). */
@inline
function residual(y0: v128, r: v128): v128 {
  return f32x4.sub(ONE, f32x4.mul(y0, r));
}

/** y0 (1 + 2e/3 + 5e²/9 + 40e³/81). */
@inline
function refinedRoot(y0: v128, e: v128): v128 {
  const series = f32x4.mul(e, f32x4.add(C1, f32x4.mul(e, f32x4.add(C2, f32x4.mul(e, C3)))));
  return f32x4.add(y0, f32x4.mul(y0, series));
}

/** cbrt for lanes that include 0, subnormals or inf: scale subnormals by 2^24 (result by 2^-8). */
function cbrt4Special(x: v128): v128 {
  const tiny = f32x4.lt(x, MIN_NORMAL);
  const xs = v128.bitselect(f32x4.mul(x, UP), x, tiny);
  let y = cbrtNormal(xs);
  y = v128.bitselect(f32x4.mul(y, DOWN), y, tiny);
  // cbrt(0) = 0 and cbrt(inf) = inf exactly.
  return v128.bitselect(x, y, v128.or(f32x4.eq(x, ZERO), f32x4.eq(x, INF)));
}

/**
 * cbrt(x) for x >= 0 in every lane, within 1 ulp of the correctly rounded float32 cube root
 * (see cbrtNormal), with no division. Vectors with a lane that is 0 or subnormal take a slower
 * exact path (v = 0 is common early on); +inf needs none: the Newton step takes r to −inf, and
 * y0 = +inf, e = +inf give +inf.
 */
@inline
export function cbrt4(x: v128): v128 {
  if (v128.any_true(f32x4.lt(x, MIN_NORMAL))) return cbrt4Special(x);
  return cbrtNormal(x);
}


/** The cube roots of the second, third and fourth vectors of `cbrt4x4`. */
export let root2 = ZERO;
export let root3 = ZERO;
export let root4 = ZERO;

/**
 * cbrt4 of four vectors, the same operations for each, written interleaved: one vector's chain
 * of 21 dependent operations would keep the processor waiting on latencies, four side by side
 * keep its pipelines busy. Returns the first root; the others are left in root2, root3, root4.
 */
@inline
export function cbrt4x4(a: v128, b: v128, c: v128, d: v128): v128 {
  const low = v128.or(
    v128.or(f32x4.lt(a, MIN_NORMAL), f32x4.lt(b, MIN_NORMAL)),
    v128.or(f32x4.lt(c, MIN_NORMAL), f32x4.lt(d, MIN_NORMAL)),
  );
  if (v128.any_true(low)) {
    root2 = cbrt4(b);
    root3 = cbrt4(c);
    root4 = cbrt4(d);
    return cbrt4(a);
  }
  // cbrtNormal's steps, each for a, b, c, d in turn.
  let ra = guess(a);
  let rb = guess(b);
  let rc = guess(c);
  let rd = guess(d);
  ra = newtonStep(a, ra);
  rb = newtonStep(b, rb);
  rc = newtonStep(c, rc);
  rd = newtonStep(d, rd);
  const ya = roughRoot(a, ra);
  const yb = roughRoot(b, rb);
  const yc = roughRoot(c, rc);
  const yd = roughRoot(d, rd);
  const ea = residual(ya, ra);
  const eb = residual(yb, rb);
  const ec = residual(yc, rc);
  const ed = residual(yd, rd);
  root2 = refinedRoot(yb, eb);
  root3 = refinedRoot(yc, ec);
  root4 = refinedRoot(yd, ed);
  return refinedRoot(ya, ea);
}
