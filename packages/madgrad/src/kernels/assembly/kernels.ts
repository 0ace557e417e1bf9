// AssemblyScript: the fused MADGRAD and MirrorMADGRAD steps as WebAssembly SIMD (f32x4) loops.
// Compiled by scripts/build-wasm.mjs into src/kernels/wasm-binary.ts (not part of the tsc build).
//
// Every array is float32 in linear memory; pointers are byte offsets and [start, end) are element
// indices, so a caller (or a worker thread) can run any slice. Each element goes through exactly
// the same f32x4 operations whether it sits in the SIMD body or in the tail (the tail runs the
// same vector code on a splatted value), so results do not depend on how a tensor is split.

import { cbrt4, cbrt4x4, root2, root3, root4 } from './cube-root';

const ZERO = f32x4.splat(0.0);
/** Clears the sign bit of each lane. */
const MAGNITUDE = i32x4.splat(0x7fffffff);

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

// The update's pieces, one formula each (src/maths/step-kernels.ts has the same in TypeScript).
// The dense loops compose them sixteen coordinates at a time, in phases: the sums of four vectors
// first, then their four cube roots together (cbrt4x4), then the new parameters. The remainder
// composes them one vector at a time (madgradLanes, mirrorLanes), through the same operations.

/** The gradient, plus wd·x with coupled weight decay. */
@inline
function decayed(g: v128, p: v128, decay: v128, coupled: bool): v128 {
  if (coupled) return f32x4.add(g, f32x4.mul(decay, p));
  return g;
}

/** decayed for the vectors at gp and pp, reading x only when it is needed. */
@inline
function gradientAt(gp: usize, pp: usize, decay: v128, coupled: bool): v128 {
  const g = v128.load(gp);
  return coupled ? decayed(g, v128.load(pp), decay, true) : g;
}

/** MADGRAD's origin without x0: x + s/(cbrt(v) + eps) from the state before the update. */
@inline
function recoveredOrigin(p: v128, s: v128, root: v128, eps: v128, guarded: bool): v128 {
  return f32x4.add(p, ratio(s, f32x4.add(root, eps), guarded));
}

/** x = βx + (1 − β)z. */
@inline
function averaged(p: v128, z: v128, momentum: v128, average: v128): v128 {
  return f32x4.add(f32x4.mul(momentum, p), f32x4.mul(average, z));
}

/** MADGRAD's new x: z = origin − s/(cbrt(v) + eps), averaged, minus lr·wd·x_old (decoupled). */
@inline
function madgradNext(p: v128, origin: v128, s: v128, root: v128, momentum: v128, average: v128,
  eps: v128, shrink: v128, decoupled: bool, guarded: bool): v128 {
  const z = f32x4.sub(origin, ratio(s, f32x4.add(root, eps), guarded));
  const next = averaged(p, z, momentum, average);
  if (decoupled) return f32x4.sub(next, f32x4.mul(shrink, p));
  return next;
}

/** MADGRAD's sums at vp and sp: v += λg², s += λg, stored; returns the new v. */
@inline
function accumulate(vp: usize, sp: usize, g: v128, lamb: v128): v128 {
  const lg = f32x4.mul(lamb, g);
  const v = f32x4.add(v128.load(vp), f32x4.mul(lg, g));
  v128.store(vp, v);
  v128.store(sp, f32x4.add(v128.load(sp), lg));
  return v;
}

/** madgradNext for the vectors at pp and sp, stored at pp. */
@inline
function madgradFinish(pp: usize, sp: usize, origin: v128, root: v128, momentum: v128,
  average: v128, eps: v128, shrink: v128, decoupled: bool, guarded: bool): void {
  v128.store(pp, madgradNext(v128.load(pp), origin, v128.load(sp), root, momentum, average, eps,
    shrink, decoupled, guarded));
}

/** MirrorMADGRAD's sum: v·sqrt(k/(k+1)) + g². */
@inline
function rescaledSquares(v: v128, g: v128, rescale: v128): v128 {
  return f32x4.add(f32x4.mul(v, rescale), f32x4.mul(g, g));
}

/** MirrorMADGRAD's z: shrunk by lr·wd (decoupled), minus rate·g/(cbrt(v) + eps). */
@inline
function mirrorZ(zOld: v128, g: v128, root: v128, rate: v128, eps: v128, shrink: v128,
  decoupled: bool, guarded: bool): v128 {
  let z = zOld;
  if (decoupled) z = f32x4.sub(z, f32x4.mul(shrink, z));
  return f32x4.sub(z, ratio(f32x4.mul(rate, g), f32x4.add(root, eps), guarded));
}

/** rescaledSquares for the vector at vp, stored there; returns it. */
@inline
function rescaleAccumulate(vp: usize, g: v128, rescale: v128): v128 {
  const v = rescaledSquares(v128.load(vp), g, rescale);
  v128.store(vp, v);
  return v;
}

/** mirrorZ for the vector at zp, stored there; stores x = βx + (1 − β)z at pp. */
@inline
function mirrorFinish(pp: usize, zp: usize, g: v128, root: v128, rate: v128, momentum: v128,
  average: v128, eps: v128, shrink: v128, decoupled: bool, guarded: bool): void {
  const z = mirrorZ(v128.load(zp), g, root, rate, eps, shrink, decoupled, guarded);
  v128.store(zp, z);
  v128.store(pp, averaged(v128.load(pp), z, momentum, average));
}

// madgradLanes and mirrorLanes leave their secondary results (v and s, or v and z) in these
// globals (globals belong to an instance, hence to one thread).
let outV = ZERO;
let outS = ZERO;

/**
 * One MADGRAD update of four coordinates (see madgradRange in src/maths/step-kernels.ts):
 * g += wd·x (coupled); v += λg²; s += λg; z = x0 − s/(cbrt(v) + eps); x = βx + (1 − β)z;
 * x −= lr·wd·x_old (decoupled). Without x0 (momentum 0) the origin x + s/rms is recovered from
 * the state before the update. Returns the new x; leaves the new v and s in outV and outS.
 */
@inline
function madgradLanes(p: v128, gIn: v128, vOld: v128, sOld: v128, x0: v128, hasX0: bool,
  lamb: v128, momentum: v128, average: v128, eps: v128, decay: v128, shrink: v128, coupled: bool,
  decoupled: bool, guarded: bool): v128 {
  const g = decayed(gIn, p, decay, coupled);
  const origin = hasX0 ? x0 : recoveredOrigin(p, sOld, cbrt4(vOld), eps, guarded);
  const lg = f32x4.mul(lamb, g);
  outV = f32x4.add(vOld, f32x4.mul(lg, g));
  outS = f32x4.add(sOld, lg);
  return madgradNext(p, origin, outS, cbrt4(outV), momentum, average, eps, shrink, decoupled,
    guarded);
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
  for (; i + 16 <= end; i += 16) {
    const o = (<usize>i) << 2;
    let oa = ZERO, ob = ZERO, oc = ZERO, od = ZERO;
    if (hasX0) {
      oa = v128.load(x0 + o);
      ob = v128.load(x0 + o + 16);
      oc = v128.load(x0 + o + 32);
      od = v128.load(x0 + o + 48);
    } else {
      const r = cbrt4x4(v128.load(v + o), v128.load(v + o + 16), v128.load(v + o + 32),
        v128.load(v + o + 48));
      oa = recoveredOrigin(v128.load(p + o), v128.load(s + o), r, cEps, guarded);
      ob = recoveredOrigin(v128.load(p + o + 16), v128.load(s + o + 16), root2, cEps, guarded);
      oc = recoveredOrigin(v128.load(p + o + 32), v128.load(s + o + 32), root3, cEps, guarded);
      od = recoveredOrigin(v128.load(p + o + 48), v128.load(s + o + 48), root4, cEps, guarded);
    }
    const va = accumulate(v + o, s + o, gradientAt(g + o, p + o, cDecay, coupled), cLamb);
    const vb = accumulate(v + o + 16, s + o + 16,
      gradientAt(g + o + 16, p + o + 16, cDecay, coupled), cLamb);
    const vc = accumulate(v + o + 32, s + o + 32,
      gradientAt(g + o + 32, p + o + 32, cDecay, coupled), cLamb);
    const vd = accumulate(v + o + 48, s + o + 48,
      gradientAt(g + o + 48, p + o + 48, cDecay, coupled), cLamb);
    const r = cbrt4x4(va, vb, vc, vd);
    madgradFinish(p + o, s + o, oa, r, cMomentum, cAverage, cEps, cShrink, decoupled, guarded);
    madgradFinish(p + o + 16, s + o + 16, ob, root2, cMomentum, cAverage, cEps,
      cShrink, decoupled, guarded);
    madgradFinish(p + o + 32, s + o + 32, oc, root3, cMomentum, cAverage, cEps,
      cShrink, decoupled, guarded);
    madgradFinish(p + o + 48, s + o + 48, od, root4, cMomentum, cAverage, cEps,
      cShrink, decoupled, guarded);
  }
  // The remainder: whole vectors, then one element at a time through the same vector code (lane
  // 0 of splatted values).
  for (; i + 4 <= end; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(p + o, madgradLanes(v128.load(p + o), v128.load(g + o), v128.load(v + o),
      v128.load(s + o), hasX0 ? v128.load(x0 + o) : ZERO, hasX0, cLamb, cMomentum, cAverage, cEps,
      cDecay, cShrink, coupled, decoupled, guarded));
    v128.store(v + o, outV);
    v128.store(s + o, outS);
  }
  for (; i < end; i++) {
    const o = (<usize>i) << 2;
    const next = madgradLanes(f32x4.splat(load<f32>(p + o)), f32x4.splat(load<f32>(g + o)),
      f32x4.splat(load<f32>(v + o)), f32x4.splat(load<f32>(s + o)),
      hasX0 ? f32x4.splat(load<f32>(x0 + o)) : ZERO, hasX0, cLamb, cMomentum, cAverage, cEps,
      cDecay, cShrink, coupled, decoupled, guarded);
    store<f32>(p + o, f32x4.extract_lane(next, 0));
    store<f32>(v + o, f32x4.extract_lane(outV, 0));
    store<f32>(s + o, f32x4.extract_lane(outS, 0));
  }
}

/**
 * One MirrorMADGRAD update of four coordinates (see mirrorRange in src/maths/step-kernels.ts):
 * z *= 1 − lr·wd (decoupled) or g += wd·x (coupled); v = v·sqrt(k/(k+1)) + g²;
 * z −= lr (k+1)^(1/3) g / (cbrt(v) + eps); x = βx + (1 − β)z. Returns x; leaves the new v and
 * z in outV and outS.
 */
@inline
function mirrorLanes(p: v128, gIn: v128, vOld: v128, zOld: v128, rate: v128, rescale: v128,
  momentum: v128, average: v128, eps: v128, decay: v128, shrink: v128, coupled: bool,
  decoupled: bool, guarded: bool): v128 {
  const g = decayed(gIn, p, decay, coupled);
  outV = rescaledSquares(vOld, g, rescale);
  outS = mirrorZ(zOld, g, cbrt4(outV), rate, eps, shrink, decoupled, guarded);
  return averaged(p, outS, momentum, average);
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
  // Sixteen coordinates per iteration, in phases, as in madgrad.
  for (; i + 16 <= end; i += 16) {
    const o = (<usize>i) << 2;
    const ga = gradientAt(g + o, p + o, cDecay, coupled);
    const gb = gradientAt(g + o + 16, p + o + 16, cDecay, coupled);
    const gc = gradientAt(g + o + 32, p + o + 32, cDecay, coupled);
    const gd = gradientAt(g + o + 48, p + o + 48, cDecay, coupled);
    const r = cbrt4x4(rescaleAccumulate(v + o, ga, cRescale),
      rescaleAccumulate(v + o + 16, gb, cRescale), rescaleAccumulate(v + o + 32, gc, cRescale),
      rescaleAccumulate(v + o + 48, gd, cRescale));
    mirrorFinish(p + o, z + o, ga, r, cRate, cMomentum, cAverage, cEps, cShrink, decoupled,
      guarded);
    mirrorFinish(p + o + 16, z + o + 16, gb, root2, cRate, cMomentum, cAverage, cEps, cShrink,
      decoupled, guarded);
    mirrorFinish(p + o + 32, z + o + 32, gc, root3, cRate, cMomentum, cAverage, cEps, cShrink,
      decoupled, guarded);
    mirrorFinish(p + o + 48, z + o + 48, gd, root4, cRate, cMomentum, cAverage, cEps, cShrink,
      decoupled, guarded);
  }
  for (; i + 4 <= end; i += 4) {
    const o = (<usize>i) << 2;
    v128.store(p + o, mirrorLanes(v128.load(p + o), v128.load(g + o), v128.load(v + o),
      v128.load(z + o), cRate, cRescale, cMomentum, cAverage, cEps, cDecay, cShrink, coupled,
      decoupled, guarded));
    v128.store(v + o, outV);
    v128.store(z + o, outS);
  }
  for (; i < end; i++) {
    const o = (<usize>i) << 2;
    const next = mirrorLanes(f32x4.splat(load<f32>(p + o)), f32x4.splat(load<f32>(g + o)),
      f32x4.splat(load<f32>(v + o)), f32x4.splat(load<f32>(z + o)), cRate, cRescale, cMomentum,
      cAverage, cEps, cDecay, cShrink, coupled, decoupled, guarded);
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
