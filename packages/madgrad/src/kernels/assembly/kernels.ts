// AssemblyScript: the fused MADGRAD and MirrorMADGRAD steps as WebAssembly SIMD (f32x4) loops.
// Compiled by scripts/build-wasm.mjs into src/kernels/wasm-binary.ts (not part of the tsc build).
//
// Every array is float32 in linear memory; pointers are byte offsets and [start, end) are element
// indices, so a caller (or a worker thread) can run any slice. Each element goes through exactly
// the same f32x4 operations whether it sits in the SIMD body or in the tail (the tail runs the
// same vector code on a splatted value), so results do not depend on how a tensor is split.

const ONE = f32x4.splat(1.0);
const THIRD = f32x4.splat(<f32>(1.0 / 3.0));
const FOUR_THIRDS = f32x4.splat(<f32>(4.0 / 3.0));
const ZERO = f32x4.splat(0.0);
const INF = f32x4.splat(Infinity);
/** Clears the sign bit of each lane. */
const MAGNITUDE = i32x4.splat(0x7fffffff);
/** Below this (subnormals and 0) the argument is scaled by 2^24 first, the result by 2^-8. */
const MIN_NORMAL = f32x4.splat(1.17549435e-38);
const UP = f32x4.splat(16777216.0);
const DOWN = f32x4.splat(0.00390625);
/** Initial guess of x^(-1/3) from the bits: MAGIC - bits(x)/3 (largest relative error 3.4%). */
const MAGIC = i32x4.splat(0x54a23000);

/**
 * x^(-1/3) for normal positive float32 lanes, to about 1e-9 relative before rounding.
 *
 * The guess comes from the float's bits: bits(x)/3 divides the exponent by 3, and
 * MAGIC − bits(x)/3 negates it and re-biases (the classic bit trick); bits/3 is the shift-and-add
 * series b/4 + b/16 + b/64 + ..., as SIMD has no integer division. Three division-free Newton
 * steps r ← r (4 − x r³)/3 (the last written as a correction, which rounds better) take the
 * relative error 3.4% → 2.3e-3 → 1.1e-5 → 2.4e-10. x r³ is evaluated as (x r)(r r), which
 * neither overflows nor underflows for any float32 (and keeps the dependency chain short).
 */
@inline
function invCbrtNormal(x: v128): v128 {
  let q = i32x4.add(i32x4.shr_u(x, 2), i32x4.shr_u(x, 4));
  q = i32x4.add(q, i32x4.shr_u(q, 4));
  q = i32x4.add(q, i32x4.shr_u(q, 8));
  let r = i32x4.sub(MAGIC, q);
  const x3 = f32x4.mul(x, THIRD);
  for (let k = 0; k < 2; k++) {
    r = f32x4.mul(r, f32x4.sub(FOUR_THIRDS, f32x4.mul(f32x4.mul(x3, r), f32x4.mul(r, r))));
  }
  const e = f32x4.sub(ONE, f32x4.mul(f32x4.mul(x, r), f32x4.mul(r, r)));
  return f32x4.add(r, f32x4.mul(f32x4.mul(r, THIRD), e));
}

/** cbrt for lanes that include 0, subnormals or inf: scale subnormals by 2^24 (result by 2^-8). */
function cbrt4Special(x: v128): v128 {
  const tiny = f32x4.lt(x, MIN_NORMAL);
  const xs = v128.bitselect(f32x4.mul(x, UP), x, tiny);
  const r = invCbrtNormal(xs);
  let y = f32x4.mul(f32x4.mul(xs, r), r);
  y = v128.bitselect(f32x4.mul(y, DOWN), y, tiny);
  // cbrt(0) = 0 and cbrt(inf) = inf exactly.
  return v128.bitselect(x, y, v128.or(f32x4.eq(x, ZERO), f32x4.eq(x, INF)));
}

/**
 * cbrt(x) for x >= 0 in every lane, within 4 ulp of the correctly rounded float32 cube root:
 * x · (x^(-1/3))², so that the only division of a step is the one by cbrt(v) + eps. Vectors with
 * a lane that is 0 or subnormal take a slower exact path (v = 0 is common early on); +inf needs
 * none: the Newton steps take r to −inf and x r² = +inf.
 */
@inline
function cbrt4(x: v128): v128 {
  if (v128.any_true(f32x4.lt(x, MIN_NORMAL))) return cbrt4Special(x);
  const r = invCbrtNormal(x);
  return f32x4.mul(f32x4.mul(x, r), r);
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

/** s / rms, or 0 where rms = 0 (eps = 0 and v = 0: the reference divides by +inf there). */
@inline
function ratio(s: v128, rms: v128): v128 {
  return v128.andnot(f32x4.div(s, rms), f32x4.eq(rms, ZERO));
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
  direct: bool,
  vp: usize,
  sp: usize,
): v128 {
  let g = gIn;
  if (coupled) g = f32x4.add(g, f32x4.mul(decay, p));
  let origin = x0;
  if (!hasX0) origin = f32x4.add(p, ratio(sOld, f32x4.add(cbrt4(vOld), eps)));
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
  const z = f32x4.sub(origin, ratio(s, f32x4.add(cbrt4(v), eps)));
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
  direct: bool,
  vp: usize,
  sp: usize,
): v128 {
  let g = gIn;
  if (coupled) g = f32x4.add(g, f32x4.mul(decay, p));
  let z = zOld;
  if (decoupled) z = f32x4.sub(z, f32x4.mul(shrink, z));
  const v = f32x4.add(f32x4.mul(vOld, rescale), f32x4.mul(g, g));
  z = f32x4.sub(z, ratio(f32x4.mul(rate, g), f32x4.add(cbrt4(v), eps)));
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
