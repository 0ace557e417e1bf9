// AssemblyScript: the fused MADGRAD and MirrorMADGRAD steps as WebAssembly SIMD (f32x4) loops.
// Compiled by scripts/build-wasm.mjs into src/kernels/wasm-binary.ts (not part of the tsc build).
//
// Every array is float32 in linear memory; pointers are byte offsets and [start, end) are element
// indices, so a caller (or a worker thread) can run any slice. Each element goes through exactly
// the same f32x4 operations whether it sits in the SIMD body or in the tail (the tail runs the
// same vector code on a splatted value), so results do not depend on how a tensor is split.

const ONE = f32x4.splat(1.0);
const THIRD = f32x4.splat(<f32>(1.0 / 3.0));
const ZERO = f32x4.splat(0.0);
const INF = f32x4.splat(Infinity);
/** Below this (subnormals and 0) the argument is scaled by 2^24 first, the result by 2^-8. */
const MIN_NORMAL = f32x4.splat(1.17549435e-38);
const UP = f32x4.splat(16777216.0);
const DOWN = f32x4.splat(0.00390625);
/** Initial guess of x^(-1/3) from the bits: MAGIC - bits(x)/3 (tuned for the largest error, 3.4%). */
const MAGIC = i32x4.splat(0x54a23000);

/**
 * cbrt(x) for x >= 0 in every lane, within 3 ulp of the correctly rounded float32 cube root.
 * It refines r ≈ x^(-1/3) with three division-free Newton steps r += r(1 − x r³)/3 (the relative
 * error goes 3.4% → 2.3e-3 → 1.1e-5 → 2.4e-10), then returns x r², so the only division of a
 * step is the one by the denominator cbrt(v) + eps. x r³ is evaluated as ((x r) r) r so that it
 * neither overflows nor underflows anywhere in the float32 range.
 */
@inline
function cbrt4(x: v128): v128 {
  const tiny = f32x4.lt(x, MIN_NORMAL);
  const xs = v128.bitselect(f32x4.mul(x, UP), x, tiny);
  const third = i32x4.trunc_sat_f32x4_u(f32x4.mul(f32x4.convert_i32x4_u(xs), THIRD));
  let r = i32x4.sub(MAGIC, third);
  for (let k = 0; k < 3; k++) {
    const xr3 = f32x4.mul(f32x4.mul(f32x4.mul(xs, r), r), r);
    r = f32x4.add(r, f32x4.mul(f32x4.mul(r, f32x4.sub(ONE, xr3)), THIRD));
  }
  let y = f32x4.mul(f32x4.mul(xs, r), r);
  y = v128.bitselect(f32x4.mul(y, DOWN), y, tiny);
  // cbrt(0) = 0 and cbrt(inf) = inf exactly.
  const exact = v128.or(f32x4.eq(x, ZERO), f32x4.eq(x, INF));
  return v128.bitselect(x, y, exact);
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

// Loop-invariant step constants, set by the exported entry points before a loop.
let mLamb = ZERO;
let mMomentum = ZERO;
let mAverage = ZERO;
let mEps = ZERO;
let mDecay = ZERO;
let mShrink = ZERO;
let mCoupled = false;
let mDecoupled = false;

/** s / rms, or 0 where rms = 0 (eps = 0 and v = 0: the reference divides by +inf there). */
@inline
function ratio(s: v128, rms: v128): v128 {
  return v128.bitselect(ZERO, f32x4.div(s, rms), f32x4.eq(rms, ZERO));
}

// Secondary results of the lane functions (globals are per instance, hence per thread).
let outV = ZERO;
let outS = ZERO;

/**
 * One MADGRAD update of four coordinates (see madgradRange in src/core/step-kernels.ts):
 * g += wd·x (coupled); v += λg²; s += λg; z = x0 − s/(cbrt(v) + eps); x = βx + (1 − β)z;
 * x −= lr·wd·x_old (decoupled). `x0` is the stored buffer, or without momentum x + s/rms
 * recovered from the state before the update. Returns the new x, the new v and s in outV, outS.
 */
@inline
function madgradLanes(p: v128, gIn: v128, vOld: v128, sOld: v128, x0: v128, hasX0: bool): v128 {
  let g = gIn;
  if (mCoupled) g = f32x4.add(g, f32x4.mul(mDecay, p));
  let origin = x0;
  if (!hasX0) origin = f32x4.add(p, ratio(sOld, f32x4.add(cbrt4(vOld), mEps)));
  const lg = f32x4.mul(mLamb, g);
  const v = f32x4.add(vOld, f32x4.mul(lg, g));
  const s = f32x4.add(sOld, lg);
  outV = v;
  outS = s;
  const z = f32x4.sub(origin, ratio(s, f32x4.add(cbrt4(v), mEps)));
  let next = f32x4.add(f32x4.mul(mMomentum, p), f32x4.mul(mAverage, z));
  if (mDecoupled) next = f32x4.sub(next, f32x4.mul(mShrink, p));
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
  mLamb = f32x4.splat(<f32>lamb);
  mMomentum = f32x4.splat(<f32>momentum);
  mAverage = f32x4.splat(<f32>(1.0 - momentum));
  mEps = f32x4.splat(<f32>eps);
  mDecay = f32x4.splat(<f32>weightDecay);
  mShrink = f32x4.splat(<f32>lrDecay);
  mCoupled = weightDecay != 0 && !decouple;
  mDecoupled = weightDecay != 0 && decouple;
  const hasX0 = x0 != 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = (<usize>i) << 2;
    const x0v = hasX0 ? v128.load(x0 + o) : ZERO;
    const next = madgradLanes(
      v128.load(p + o),
      v128.load(g + o),
      v128.load(v + o),
      v128.load(s + o),
      x0v,
      hasX0,
    );
    v128.store(p + o, next);
    v128.store(v + o, outV);
    v128.store(s + o, outS);
  }
  // The tail, one element at a time through the same vector code (lane 0 of splatted values).
  for (; i < end; i++) {
    const o = (<usize>i) << 2;
    const x0v = hasX0 ? f32x4.splat(load<f32>(x0 + o)) : ZERO;
    const next = madgradLanes(
      f32x4.splat(load<f32>(p + o)),
      f32x4.splat(load<f32>(g + o)),
      f32x4.splat(load<f32>(v + o)),
      f32x4.splat(load<f32>(s + o)),
      x0v,
      hasX0,
    );
    store<f32>(p + o, f32x4.extract_lane(next, 0));
    store<f32>(v + o, f32x4.extract_lane(outV, 0));
    store<f32>(s + o, f32x4.extract_lane(outS, 0));
  }
}

let mRate = ZERO;

/**
 * One MirrorMADGRAD update of four coordinates (see mirrorRange in src/core/step-kernels.ts):
 * z *= 1 − lr·wd (decoupled) or g += wd·x (coupled); v = v·sqrt(k/(k+1)) + g²;
 * z −= lr (k+1)^(1/3) g / (cbrt(v) + eps); x = βx + (1 − β)z. Returns x, the new v and z in
 * outV, outS.
 */
@inline
function mirrorLanes(p: v128, gIn: v128, vOld: v128, zOld: v128): v128 {
  let g = gIn;
  if (mCoupled) g = f32x4.add(g, f32x4.mul(mDecay, p));
  let z = zOld;
  if (mDecoupled) z = f32x4.sub(z, f32x4.mul(mShrink, z));
  const v = f32x4.add(f32x4.mul(vOld, mLamb), f32x4.mul(g, g));
  z = f32x4.sub(z, ratio(f32x4.mul(mRate, g), f32x4.add(cbrt4(v), mEps)));
  outV = v;
  outS = z;
  return f32x4.add(f32x4.mul(mMomentum, p), f32x4.mul(mAverage, z));
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
  mRate = f32x4.splat(<f32>stepSize);
  mLamb = f32x4.splat(<f32>rescale);
  mMomentum = f32x4.splat(<f32>momentum);
  mAverage = f32x4.splat(<f32>(1.0 - momentum));
  mEps = f32x4.splat(<f32>eps);
  mDecay = f32x4.splat(<f32>weightDecay);
  mShrink = f32x4.splat(<f32>lrDecay);
  mCoupled = weightDecay != 0 && !decouple;
  mDecoupled = weightDecay != 0 && decouple;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    const o = (<usize>i) << 2;
    const next = mirrorLanes(
      v128.load(p + o),
      v128.load(g + o),
      v128.load(v + o),
      v128.load(z + o),
    );
    v128.store(p + o, next);
    v128.store(v + o, outV);
    v128.store(z + o, outS);
  }
  for (; i < end; i++) {
    const o = (<usize>i) << 2;
    const next = mirrorLanes(
      f32x4.splat(load<f32>(p + o)),
      f32x4.splat(load<f32>(g + o)),
      f32x4.splat(load<f32>(v + o)),
      f32x4.splat(load<f32>(z + o)),
    );
    store<f32>(p + o, f32x4.extract_lane(next, 0));
    store<f32>(v + o, f32x4.extract_lane(outV, 0));
    store<f32>(z + o, f32x4.extract_lane(outS, 0));
  }
}
