// AssemblyScript: the fused MADGRAD and MirrorMADGRAD steps as WebAssembly SIMD (f32x4) loops.
// Compiled by scripts/build-wasm.mjs into src/kernels/wasm-binary.ts (not part of the tsc build).
//
// Every array is float32 in linear memory; pointers are byte offsets and [start, end) are element
// indices, so a caller (or a worker thread) can run any slice. Each element goes through exactly
// the same f32x4 operations whether it sits in the SIMD body or in the tail (the tail runs the
// same vector code on a splatted value), so results do not depend on how a tensor is split.

const THIRD = f32x4.splat(<f32>(1.0 / 3.0));
const FOUR_THIRDS = f32x4.splat(<f32>(4.0 / 3.0));
const ONE = f32x4.splat(1.0);
const C1 = f32x4.splat(<f32>(2.0 / 3.0));
const C2 = f32x4.splat(<f32>(5.0 / 9.0));
const C3 = f32x4.splat(<f32>(40.0 / 81.0));
const ZERO = f32x4.splat(0.0);
const INF = f32x4.splat(Infinity);
/** Clears the sign bit of each lane. */
const MAGNITUDE = i32x4.splat(0x7fffffff);
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
  const bits = f32x4.convert_i32x4_s(x);
  let r = i32x4.shl(f32x4.add(f32x4.mul(bits, MINUS_THIRD_256), GUESS_OFFSET), 8);
  const xr3 = f32x4.mul(f32x4.mul(f32x4.mul(x, THIRD), r), f32x4.mul(r, r));
  r = f32x4.mul(r, f32x4.sub(FOUR_THIRDS, xr3));
  const y0 = f32x4.mul(f32x4.mul(x, r), r);
  const e = f32x4.sub(ONE, f32x4.mul(y0, r));
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
function cbrt4(x: v128): v128 {
  if (v128.any_true(f32x4.lt(x, MIN_NORMAL))) return cbrt4Special(x);
  return cbrtNormal(x);
}

/** Exported for tests: cbrt of `n` floats at `src` written to `dst`. */
export function cbrtArray(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(dst + o, cbrt4(v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    store<f32>(dst + o, f32x4.extract_lane(cbrt4(f32x4.splat(load<f32>(src + o))), 0));
  }
}

/**
 * s / rms, or 0 where rms = 0 (eps = 0 and v = 0: the reference divides by +inf there). With
 * eps > 0, rms >= eps > 0 and `guarded` is false: the plain quotient.
 */
@inline
function ratio(s: v128, rms: v128, guarded: bool): v128 {
  const q = f32x4.div(s, rms);
  return guarded ? v128.andnot(q, f32x4.eq(rms, ZERO)) : q;
}

// The lane functions are inlined with a constant `direct`: in the SIMD body they store their
// secondary results (v and s, or v and z) straight to `vp` and `sp`; in the tail they leave
// them in these globals (globals belong to an instance, hence to one thread). The loop-invariant
// constants are locals of the entry points, passed down.
let outV = ZERO;
let outS = ZERO;

/**
 * One MADGRAD update of four coordinates (see madgradRange in src/maths/step-kernels.ts):
 * g += wd·x (coupled); v += λg²; s += λg; z = x0 − s/(cbrt(v) + eps); x = βx + (1 − β)z;
 * x −= lr·wd·x_old (decoupled). Without x0 (momentum 0) the origin x + s/rms is recovered from
 * the state before the update. Returns the new x; writes the new v and s (see `direct`).
 */
@inline
function madgradLanes(
  p: v128,
  gIn: v128,
  vOld: v128,
  sOld: v128,
  x0: v128,
  hasX0: bool,
  lamb: v128,
  momentum: v128,
  average: v128,
  eps: v128,
  decay: v128,
  shrink: v128,
  coupled: bool,
  decoupled: bool,
  guarded: bool,
  direct: bool,
  vp: usize,
  sp: usize,
): v128 {
  let g = gIn;
  if (coupled) g = f32x4.add(g, f32x4.mul(decay, p));
  let origin = x0;
  if (!hasX0) origin = f32x4.add(p, ratio(sOld, f32x4.add(cbrt4(vOld), eps), guarded));
  const lg = f32x4.mul(lamb, g);
  const v = f32x4.add(vOld, f32x4.mul(lg, g));
  const s = f32x4.add(sOld, lg);
  if (direct) {
    v128.store(vp, v);
    v128.store(sp, s);
  } else {
    outV = v;
    outS = s;
  }
  const z = f32x4.sub(origin, ratio(s, f32x4.add(cbrt4(v), eps), guarded));
  let next = f32x4.add(f32x4.mul(momentum, p), f32x4.mul(average, z));
  if (decoupled) next = f32x4.sub(next, f32x4.mul(shrink, p));
  return next;
}

/**
 * Dense MADGRAD on elements [start, end) of p, g, v, s and x0 (x0 = 0: momentum 0, no buffer).
 * `lrDecay` is lr'·wd, applied to x_old when `decouple` is set.
 */
export function madgrad(
  p: usize,
  g: usize,
  v: usize,
  s: usize,
  x0: usize,
  start: i32,
  end: i32,
  lamb: f64,
  momentum: f64,
  eps: f64,
  weightDecay: f64,
  lrDecay: f64,
  decouple: bool,
): void {
  const cLamb = f32x4.splat(<f32>lamb);
  const cMomentum = f32x4.splat(<f32>momentum);
  const cAverage = f32x4.splat(<f32>(1.0 - momentum));
  const cEps = f32x4.splat(<f32>eps);
  const cDecay = f32x4.splat(<f32>weightDecay);
  const cShrink = f32x4.splat(<f32>lrDecay);
  const coupled = weightDecay != 0 && !decouple;
  const decoupled = weightDecay != 0 && decouple;
  const guarded = !(eps > 0);
  const hasX0 = x0 != 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = (<usize>i) << 2;
    const next = madgradLanes(
      v128.load(p + o),
      v128.load(g + o),
      v128.load(v + o),
      v128.load(s + o),
      hasX0 ? v128.load(x0 + o) : ZERO,
      hasX0,
      cLamb,
      cMomentum,
      cAverage,
      cEps,
      cDecay,
      cShrink,
      coupled,
      decoupled,
      guarded,
      true,
      v + o,
      s + o,
    );
    v128.store(p + o, next);
  }
  // The tail, one element at a time through the same vector code (lane 0 of splatted values).
  for (; i < end; i++) {
    const o = (<usize>i) << 2;
    const next = madgradLanes(
      f32x4.splat(load<f32>(p + o)),
      f32x4.splat(load<f32>(g + o)),
      f32x4.splat(load<f32>(v + o)),
      f32x4.splat(load<f32>(s + o)),
      hasX0 ? f32x4.splat(load<f32>(x0 + o)) : ZERO,
      hasX0,
      cLamb,
      cMomentum,
      cAverage,
      cEps,
      cDecay,
      cShrink,
      coupled,
      decoupled,
      guarded,
      false,
      0,
      0,
    );
    store<f32>(p + o, f32x4.extract_lane(next, 0));
    store<f32>(v + o, f32x4.extract_lane(outV, 0));
    store<f32>(s + o, f32x4.extract_lane(outS, 0));
  }
}

/**
 * One MirrorMADGRAD update of four coordinates (see mirrorRange in src/maths/step-kernels.ts):
 * z *= 1 − lr·wd (decoupled) or g += wd·x (coupled); v = v·sqrt(k/(k+1)) + g²;
 * z −= lr (k+1)^(1/3) g / (cbrt(v) + eps); x = βx + (1 − β)z. Returns x; writes the new v and
 * z (see `direct`).
 */
@inline
function mirrorLanes(
  p: v128,
  gIn: v128,
  vOld: v128,
  zOld: v128,
  rate: v128,
  rescale: v128,
  momentum: v128,
  average: v128,
  eps: v128,
  decay: v128,
  shrink: v128,
  coupled: bool,
  decoupled: bool,
  guarded: bool,
  direct: bool,
  vp: usize,
  sp: usize,
): v128 {
  let g = gIn;
  if (coupled) g = f32x4.add(g, f32x4.mul(decay, p));
  let z = zOld;
  if (decoupled) z = f32x4.sub(z, f32x4.mul(shrink, z));
  const v = f32x4.add(f32x4.mul(vOld, rescale), f32x4.mul(g, g));
  z = f32x4.sub(z, ratio(f32x4.mul(rate, g), f32x4.add(cbrt4(v), eps), guarded));
  if (direct) {
    v128.store(vp, v);
    v128.store(sp, z);
  } else {
    outV = v;
    outS = z;
  }
  return f32x4.add(f32x4.mul(momentum, p), f32x4.mul(average, z));
}

/**
 * Dense MirrorMADGRAD on elements [start, end) of p, g, v and z. `stepSize` = lr'(k+1)^(1/3),
 * `rescale` = sqrt(k/(k+1)), `lrDecay` = lr'·wd (shrinks z when `decouple` is set).
 */
export function mirror(
  p: usize,
  g: usize,
  v: usize,
  z: usize,
  start: i32,
  end: i32,
  stepSize: f64,
  rescale: f64,
  momentum: f64,
  eps: f64,
  weightDecay: f64,
  lrDecay: f64,
  decouple: bool,
): void {
  const cRate = f32x4.splat(<f32>stepSize);
  const cRescale = f32x4.splat(<f32>rescale);
  const cMomentum = f32x4.splat(<f32>momentum);
  const cAverage = f32x4.splat(<f32>(1.0 - momentum));
  const cEps = f32x4.splat(<f32>eps);
  const cDecay = f32x4.splat(<f32>weightDecay);
  const cShrink = f32x4.splat(<f32>lrDecay);
  const coupled = weightDecay != 0 && !decouple;
  const decoupled = weightDecay != 0 && decouple;
  const guarded = !(eps > 0);
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = (<usize>i) << 2;
    const next = mirrorLanes(
      v128.load(p + o),
      v128.load(g + o),
      v128.load(v + o),
      v128.load(z + o),
      cRate,
      cRescale,
      cMomentum,
      cAverage,
      cEps,
      cDecay,
      cShrink,
      coupled,
      decoupled,
      guarded,
      true,
      v + o,
      z + o,
    );
    v128.store(p + o, next);
  }
  for (; i < end; i++) {
    const o = (<usize>i) << 2;
    const next = mirrorLanes(
      f32x4.splat(load<f32>(p + o)),
      f32x4.splat(load<f32>(g + o)),
      f32x4.splat(load<f32>(v + o)),
      f32x4.splat(load<f32>(z + o)),
      cRate,
      cRescale,
      cMomentum,
      cAverage,
      cEps,
      cDecay,
      cShrink,
      coupled,
      decoupled,
      guarded,
      false,
      0,
      0,
    );
    store<f32>(p + o, f32x4.extract_lane(next, 0));
    store<f32>(v + o, f32x4.extract_lane(outV, 0));
    store<f32>(z + o, f32x4.extract_lane(outS, 0));
  }
}

/**
 * Index of the first value among `n` floats at `ptr` that is NaN, ±Infinity or larger in
 * magnitude than `limit` (where the gradient would overflow a float32 accumulator), or -1.
 * A limit that is NaN, infinite or above the largest float32 (a caller passing none) means the
 * largest float32: non-finite values only. The SIMD body compares bits: with the sign cleared,
 * the bits of a float32 order as (non-negative) integers the way |x| orders, and NaN's bits lie above
 * +Infinity's, above every finite bound's, so one integer compare per value finds all three.
 */
export function firstNonFinite(ptr: usize, n: i32, limit: f32): i32 {
  const bound: f32 = limit <= F32.MAX_VALUE ? limit : F32.MAX_VALUE;
  const l = i32x4.splat(reinterpret<i32>(bound));
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = ptr + ((<usize>i) << 2);
    const bad = v128.or(
      v128.or(
        i32x4.gt_s(v128.and(v128.load(o), MAGNITUDE), l),
        i32x4.gt_s(v128.and(v128.load(o, 16), MAGNITUDE), l),
      ),
      v128.or(
        i32x4.gt_s(v128.and(v128.load(o, 32), MAGNITUDE), l),
        i32x4.gt_s(v128.and(v128.load(o, 48), MAGNITUDE), l),
      ),
    );
    if (v128.any_true(bad)) break;
  }
  for (; i < n; i++) {
    // !(|x| <= bound) holds for NaN too: every comparison with NaN is false.
    const x = load<f32>(ptr + ((<usize>i) << 2));
    if (!(abs<f32>(x) <= bound)) return i;
  }
  return -1;
}
