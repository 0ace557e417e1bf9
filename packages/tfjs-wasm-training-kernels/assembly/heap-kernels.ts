// AssemblyScript: WebAssembly SIMD (f32x4) loops that run on the wasm backend's own heap (the
// module imports tfjs-backend-wasm's memory). Compiled by scripts/build-wasm.mjs into
// src/heap-kernels-binary.ts (not part of the tsc build). Pointers are byte offsets of float32
// (or int32) arrays; the caller checks shapes. The module has no data segment and allocates
// nothing, so it writes only where it is told to.

/**
 * MaxPoolGrad, NHWC: each window sends dy to the first position (row-major) holding its maximum;
 * strictly greater, so NaN never wins and a window of -Infinity sends nothing (as on the cpu
 * backend). dx must be zeroed by the caller. Channels in blocks of four lanes, the rest one by one.
 */
export function maxPoolGrad(
  x: usize,
  dy: usize,
  dx: usize,
  batch: i32,
  inHeight: i32,
  inWidth: i32,
  channels: i32,
  outHeight: i32,
  outWidth: i32,
  strideHeight: i32,
  strideWidth: i32,
  filterHeight: i32,
  filterWidth: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const minusInf = f32x4.splat(-Infinity);
  const none = i32x4.splat(-1);
  const rowBytes = <usize>channels << 2;
  const blocks = channels & ~3;
  let dyRow = dy;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < outHeight; i++) {
      const rowStart = i * strideHeight - padTop;
      const rowFrom = max(0, rowStart);
      const rowTo = min(inHeight, rowStart + filterHeight);
      for (let j = 0; j < outWidth; j++, dyRow += rowBytes) {
        const colStart = j * strideWidth - padLeft;
        const colFrom = max(0, colStart);
        const colTo = min(inWidth, colStart + filterWidth);
        for (let c = 0; c < blocks; c += 4) {
          let best = minusInf;
          let at = none;
          for (let h = rowFrom; h < rowTo; h++) {
            for (let w = colFrom; w < colTo; w++) {
              const index = ((b * inHeight + h) * inWidth + w) * channels + c;
              const v = v128.load(x + (<usize>index << 2));
              const greater = f32x4.gt(v, best);
              best = v128.bitselect(v, best, greater);
              const lanes = i32x4.add(i32x4.splat(index), i32x4(0, 1, 2, 3));
              at = v128.bitselect(lanes, at, greater);
            }
          }
          const g = v128.load(dyRow + (<usize>c << 2));
          addAt(dx, i32x4.extract_lane(at, 0), f32x4.extract_lane(g, 0));
          addAt(dx, i32x4.extract_lane(at, 1), f32x4.extract_lane(g, 1));
          addAt(dx, i32x4.extract_lane(at, 2), f32x4.extract_lane(g, 2));
          addAt(dx, i32x4.extract_lane(at, 3), f32x4.extract_lane(g, 3));
        }
        for (let c = blocks; c < channels; c++) {
          let best: f32 = -Infinity;
          let at = -1;
          for (let h = rowFrom; h < rowTo; h++) {
            for (let w = colFrom; w < colTo; w++) {
              const index = ((b * inHeight + h) * inWidth + w) * channels + c;
              const v = load<f32>(x + (<usize>index << 2));
              if (v > best) {
                best = v;
                at = index;
              }
            }
          }
          addAt(dx, at, load<f32>(dyRow + (<usize>c << 2)));
        }
      }
    }
  }
}

@inline
function addAt(base: usize, index: i32, value: f32): void {
  if (index >= 0) {
    const p = base + (<usize>index << 2);
    store<f32>(p, load<f32>(p) + value);
  }
}

/**
 * Conv2DBackpropFilter, NHWC, accumulated directly: dW[p,q,c,o] = the sum over dy positions
 * (b, i, j) whose tap (p, q) falls inside x of x[b, i·sh + p - pt, j·sw + q - pl, c] · dy[b,i,j,o],
 * in that order of positions. Tap by tap, a tile of four input channels by four output channels
 * stays in four f32x4 accumulators over every position, so dW is written once; a partial tile of
 * input channels runs them one at a time, and output channels beyond a multiple of four one by
 * one. dW must be zeroed by the caller (taps that never fall inside x stay zero).
 */
export function conv2DBackpropFilter(
  x: usize,
  dy: usize,
  dw: usize,
  batch: i32,
  inHeight: i32,
  inWidth: i32,
  inChannels: i32,
  outHeight: i32,
  outWidth: i32,
  outChannels: i32,
  strideHeight: i32,
  strideWidth: i32,
  filterHeight: i32,
  filterWidth: i32,
  padTop: i32,
  padLeft: i32,
): void {
  const oBlocks = outChannels & ~3;
  for (let p = 0; p < filterHeight; p++) {
    // Rows i whose tap row h = i·sh + p - pt lies in [0, inHeight).
    const iLo = firstInside(p - padTop, strideHeight);
    const iHi = min(outHeight, lastInside(p - padTop, strideHeight, inHeight));
    for (let q = 0; q < filterWidth; q++) {
      const jLo = firstInside(q - padLeft, strideWidth);
      const jHi = min(outWidth, lastInside(q - padLeft, strideWidth, inWidth));
      if (iLo >= iHi || jLo >= jHi) continue;
      // Every tile's sums run over the same positions: rows i of every image, columns j.
      const h0 = p - padTop;
      const w0 = q - padLeft;
      const out = dw + ((<usize>((p * filterWidth + q) * inChannels) * outChannels) << 2);
      for (let c0 = 0; c0 < inChannels; c0 += 4) {
        const cn = min(4, inChannels - c0);
        for (let o0 = 0; o0 < oBlocks; o0 += 4) {
          if (cn == 4) {
            tile4x4(x, dy, batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, h0, w0, iLo, iHi, jLo, jHi, c0, o0, out);
          } else {
            for (let c = c0; c < c0 + cn; c++) {
              tile1x4(x, dy, batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, h0, w0, iLo, iHi, jLo, jHi, c, o0, out);
            }
          }
        }
        for (let o = oBlocks; o < outChannels; o++) {
          for (let c = c0; c < c0 + cn; c++) {
            tile1x1(x, dy, batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth, h0, w0, iLo, iHi, jLo, jHi, c, o, out);
          }
        }
      }
    }
  }
}

/** The first i >= 0 with offset + i·stride >= 0. */
@inline
function firstInside(offset: i32, stride: i32): i32 {
  return offset >= 0 ? 0 : (-offset + stride - 1) / stride;
}

/** One past the last i with offset + i·stride < size (0 when none). */
@inline
function lastInside(offset: i32, stride: i32, size: i32): i32 {
  return size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
}

/** dW[tap][c0..c0+4][o0..o0+4] over every position, in four accumulators. */
@inline
function tile4x4(
  x: usize,
  dy: usize,
  batch: i32,
  inHeight: i32,
  inWidth: i32,
  inChannels: i32,
  outHeight: i32,
  outWidth: i32,
  outChannels: i32,
  strideHeight: i32,
  strideWidth: i32,
  h0: i32,
  w0: i32,
  iLo: i32,
  iHi: i32,
  jLo: i32,
  jHi: i32,
  c0: i32,
  o0: i32,
  out: usize,
): void {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  const xStep = (<usize>(strideWidth * inChannels)) << 2;
  const dyStep = <usize>outChannels << 2;
  for (let b = 0; b < batch; b++) {
    for (let i = iLo; i < iHi; i++) {
      const h = i * strideHeight + h0;
      const w = jLo * strideWidth + w0;
      let xAt = x + ((<usize>(((b * inHeight + h) * inWidth + w) * inChannels + c0)) << 2);
      let dyAt = dy + ((<usize>(((b * outHeight + i) * outWidth + jLo) * outChannels + o0)) << 2);
      for (let j = jLo; j < jHi; j++, xAt += xStep, dyAt += dyStep) {
        const g = v128.load(dyAt);
        s0 = f32x4.add(s0, f32x4.mul(f32x4.splat(load<f32>(xAt)), g));
        s1 = f32x4.add(s1, f32x4.mul(f32x4.splat(load<f32>(xAt, 4)), g));
        s2 = f32x4.add(s2, f32x4.mul(f32x4.splat(load<f32>(xAt, 8)), g));
        s3 = f32x4.add(s3, f32x4.mul(f32x4.splat(load<f32>(xAt, 12)), g));
      }
    }
  }
  const rowBytes = <usize>outChannels << 2;
  const at = out + ((<usize>(c0 * outChannels + o0)) << 2);
  v128.store(at, s0);
  v128.store(at + rowBytes, s1);
  v128.store(at + 2 * rowBytes, s2);
  v128.store(at + 3 * rowBytes, s3);
}

/** dW[tap][c][o0..o0+4] over every position. */
@inline
function tile1x4(
  x: usize,
  dy: usize,
  batch: i32,
  inHeight: i32,
  inWidth: i32,
  inChannels: i32,
  outHeight: i32,
  outWidth: i32,
  outChannels: i32,
  strideHeight: i32,
  strideWidth: i32,
  h0: i32,
  w0: i32,
  iLo: i32,
  iHi: i32,
  jLo: i32,
  jHi: i32,
  c: i32,
  o0: i32,
  out: usize,
): void {
  let s = f32x4.splat(0);
  const xStep = (<usize>(strideWidth * inChannels)) << 2;
  const dyStep = <usize>outChannels << 2;
  for (let b = 0; b < batch; b++) {
    for (let i = iLo; i < iHi; i++) {
      const h = i * strideHeight + h0;
      const w = jLo * strideWidth + w0;
      let xAt = x + ((<usize>(((b * inHeight + h) * inWidth + w) * inChannels + c)) << 2);
      let dyAt = dy + ((<usize>(((b * outHeight + i) * outWidth + jLo) * outChannels + o0)) << 2);
      for (let j = jLo; j < jHi; j++, xAt += xStep, dyAt += dyStep) {
        s = f32x4.add(s, f32x4.mul(f32x4.splat(load<f32>(xAt)), v128.load(dyAt)));
      }
    }
  }
  v128.store(out + ((<usize>(c * outChannels + o0)) << 2), s);
}

/** dW[tap][c][o] over every position. */
@inline
function tile1x1(
  x: usize,
  dy: usize,
  batch: i32,
  inHeight: i32,
  inWidth: i32,
  inChannels: i32,
  outHeight: i32,
  outWidth: i32,
  outChannels: i32,
  strideHeight: i32,
  strideWidth: i32,
  h0: i32,
  w0: i32,
  iLo: i32,
  iHi: i32,
  jLo: i32,
  jHi: i32,
  c: i32,
  o: i32,
  out: usize,
): void {
  let s: f32 = 0;
  const xStep = (<usize>(strideWidth * inChannels)) << 2;
  const dyStep = <usize>outChannels << 2;
  for (let b = 0; b < batch; b++) {
    for (let i = iLo; i < iHi; i++) {
      const h = i * strideHeight + h0;
      const w = jLo * strideWidth + w0;
      let xAt = x + ((<usize>(((b * inHeight + h) * inWidth + w) * inChannels + c)) << 2);
      let dyAt = dy + ((<usize>(((b * outHeight + i) * outWidth + jLo) * outChannels + o)) << 2);
      for (let j = jLo; j < jHi; j++, xAt += xStep, dyAt += dyStep) {
        s += load<f32>(xAt) * load<f32>(dyAt);
      }
    }
  }
  store<f32>(out + ((<usize>(c * outChannels + o)) << 2), s);
}

/**
 * out[k] = sum over r < rows of x[r * columns + k] (float32): a sum over the leading axes. Rows
 * are added in blocks of 256 into `partial` (columns floats), each block's sum then into out, so
 * the rounding error grows with 256 + rows/256 rather than with rows.
 */
export function sumRows(x: usize, out: usize, partial: usize, rows: i32, columns: i32): void {
  const rowBytes = <usize>columns << 2;
  fill(out, columns);
  for (let r = 0; r < rows; r += 256) {
    fill(partial, columns);
    const end = min(rows, r + 256);
    for (let row = x + <usize>r * rowBytes, k = r; k < end; k++, row += rowBytes) {
      addInto(partial, row, columns);
    }
    addInto(out, partial, columns);
  }
}

@inline
function fill(at: usize, n: i32): void {
  for (let k = 0; k < n; k++) store<f32>(at + (<usize>k << 2), 0);
}

/** to[k] += from[k] for k < n. */
@inline
function addInto(to: usize, from: usize, n: i32): void {
  const blocks = n & ~3;
  let k = 0;
  for (; k < blocks; k += 4) {
    const at = to + (<usize>k << 2);
    v128.store(at, f32x4.add(v128.load(at), v128.load(from + (<usize>k << 2))));
  }
  for (; k < n; k++) {
    const at = to + (<usize>k << 2);
    store<f32>(at, load<f32>(at) + load<f32>(from + (<usize>k << 2)));
  }
}

/**
 * A batch of float32 matrix products c[i] = op(a[i]) · op(b[i]) for i < batch, where op transposes
 * a stored operand when its flag is set: a[i] is m x k (k x m when transposeA), b[i] is k x n
 * (n x k when transposeB), c[i] is m x n. An operand's batch stride is 0 when one matrix serves
 * the whole batch. A transposed operand is first copied into its scratch (m*k or k*n floats) as
 * the plain layout (once, when it serves the whole batch); productInto then sums each entry of c
 * over p in order.
 */
export function batchMatMul(
  a: usize,
  b: usize,
  c: usize,
  scratchA: usize,
  scratchB: usize,
  batch: i32,
  m: i32,
  k: i32,
  n: i32,
  aStride: i32,
  bStride: i32,
  transposeA: bool,
  transposeB: bool,
): void {
  const aBytes = <usize>aStride << 2;
  const bBytes = <usize>bStride << 2;
  const cBytes = (<usize>m * <usize>n) << 2;
  for (let i = 0; i < batch; i++) {
    const ai = a + <usize>i * aBytes;
    const bi = b + <usize>i * bBytes;
    let left = ai;
    let right = bi;
    if (transposeB) {
      if (i == 0 || bStride != 0) transposeInto(scratchB, bi, n, k);
      right = scratchB;
    }
    if (transposeA) {
      if (i == 0 || aStride != 0) transposeInto(scratchA, ai, k, m);
      left = scratchA;
    }
    productInto(c + <usize>i * cBytes, left, right, m, k, n);
  }
}

/**
 * to (columns x rows) = the transpose of from (rows x columns), eight rows of from at a time, so
 * that each write fills a run of eight floats instead of touching one float in each of many lines
 * (which, with rows a power of two apart, contend for the same cache sets).
 */
@inline
function transposeInto(to: usize, from: usize, rows: i32, columns: i32): void {
  const rowBytes = <usize>columns << 2;
  const toRowBytes = <usize>rows << 2;
  let r = 0;
  for (; r + 8 <= rows; r += 8) {
    const row = from + <usize>r * rowBytes;
    let at = to + (<usize>r << 2);
    for (let q = 0; q < columns; q++, at += toRowBytes) {
      const x = row + (<usize>q << 2);
      for (let i = 0; i < 8; i++) store<f32>(at + (<usize>i << 2), load<f32>(x + <usize>i * rowBytes));
    }
  }
  for (; r < rows; r++) {
    const row = from + <usize>r * rowBytes;
    for (let q = 0; q < columns; q++) {
      store<f32>(to + ((<usize>q * <usize>rows + <usize>r) << 2), load<f32>(row + (<usize>q << 2)));
    }
  }
}

/**
 * c (m x n) = a (m x k) · b (k x n), all row-major and contiguous. Column blocks outermost, so that
 * a block of b (k x 16 floats) stays in cache while every row of a passes over it; rows two at a
 * time, so that each load of b serves both. 16 columns in eight f32x4 accumulators, then 4 in
 * two, then one column at a time.
 */
@inline
function productInto(c: usize, a: usize, b: usize, m: i32, k: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  const aRowBytes = <usize>k << 2;
  const pairs = m & ~1;
  const wide = n & ~15;
  const narrow = n & ~3;
  let j = 0;
  for (; j < wide; j += 16) {
    const bj = b + (<usize>j << 2);
    const cj = c + (<usize>j << 2);
    for (let r = 0; r < pairs; r += 2) {
      const a0 = a + <usize>r * aRowBytes;
      block16(cj + <usize>r * rowBytes, a0, a0 + aRowBytes, bj, k, rowBytes, true);
    }
    if (pairs < m) block16(cj + <usize>pairs * rowBytes, a + <usize>pairs * aRowBytes, 0, bj, k, rowBytes, false);
  }
  for (; j < narrow; j += 4) {
    const bj = b + (<usize>j << 2);
    const cj = c + (<usize>j << 2);
    for (let r = 0; r < m; r++) {
      const aRow = a + <usize>r * aRowBytes;
      let s = f32x4.splat(0);
      let bAt = bj;
      for (let p = 0; p < k; p++, bAt += rowBytes) {
        s = f32x4.add(s, f32x4.mul(f32x4.splat(load<f32>(aRow + (<usize>p << 2))), v128.load(bAt)));
      }
      v128.store(cj + <usize>r * rowBytes, s);
    }
  }
  for (; j < n; j++) {
    const bj = b + (<usize>j << 2);
    const cj = c + (<usize>j << 2);
    for (let r = 0; r < m; r++) {
      const aRow = a + <usize>r * aRowBytes;
      let s: f32 = 0;
      let bAt = bj;
      for (let p = 0; p < k; p++, bAt += rowBytes) {
        s += load<f32>(aRow + (<usize>p << 2)) * load<f32>(bAt);
      }
      store<f32>(cj + <usize>r * rowBytes, s);
    }
  }
}

/**
 * 16 columns of one row of c at c0 from row a0 of a, and when `two`, of the next row of c from
 * row a1 (see productInto).
 */
@inline
function block16(c0: usize, a0: usize, a1: usize, b: usize, k: i32, rowBytes: usize, two: bool): void {
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  let t0 = f32x4.splat(0);
  let t1 = f32x4.splat(0);
  let t2 = f32x4.splat(0);
  let t3 = f32x4.splat(0);
  let bAt = b;
  if (two) {
    for (let p = 0; p < k; p++, bAt += rowBytes) {
      const x = f32x4.splat(load<f32>(a0 + (<usize>p << 2)));
      const y = f32x4.splat(load<f32>(a1 + (<usize>p << 2)));
      const b0 = v128.load(bAt);
      const b1 = v128.load(bAt, 16);
      const b2 = v128.load(bAt, 32);
      const b3 = v128.load(bAt, 48);
      s0 = f32x4.add(s0, f32x4.mul(x, b0));
      s1 = f32x4.add(s1, f32x4.mul(x, b1));
      s2 = f32x4.add(s2, f32x4.mul(x, b2));
      s3 = f32x4.add(s3, f32x4.mul(x, b3));
      t0 = f32x4.add(t0, f32x4.mul(y, b0));
      t1 = f32x4.add(t1, f32x4.mul(y, b1));
      t2 = f32x4.add(t2, f32x4.mul(y, b2));
      t3 = f32x4.add(t3, f32x4.mul(y, b3));
    }
    const c1 = c0 + rowBytes;
    v128.store(c1, t0);
    v128.store(c1, t1, 16);
    v128.store(c1, t2, 32);
    v128.store(c1, t3, 48);
  } else {
    for (let p = 0; p < k; p++, bAt += rowBytes) {
      const x = f32x4.splat(load<f32>(a0 + (<usize>p << 2)));
      s0 = f32x4.add(s0, f32x4.mul(x, v128.load(bAt)));
      s1 = f32x4.add(s1, f32x4.mul(x, v128.load(bAt, 16)));
      s2 = f32x4.add(s2, f32x4.mul(x, v128.load(bAt, 32)));
      s3 = f32x4.add(s3, f32x4.mul(x, v128.load(bAt, 48)));
    }
  }
  v128.store(c0, s0);
  v128.store(c0, s1, 16);
  v128.store(c0, s2, 32);
  v128.store(c0, s3, 48);
}

/** tanh for |x| below this: x·P(x²); above it, from exp(2|x|). */
const TANH_SMALL: f32 = 0.625;

/**
 * out[i] = tanh(x[i]) for i < n, float32, within a few units in the last place of the exact value.
 * Below |x| = 0.625, x·P(x²) with P of degree 5 (a least-squares fit of tanh(x)/x in relative error,
 * 4e-9 at most over [0, 0.625]); above, 1 - 2 / (exp(2|x|) + 1) with x's sign, where there is no
 * cancellation. NaN stays NaN; ±Infinity gives ±1.
 */
export function tanh(x: usize, out: usize, n: i32): void {
  const blocks = n & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    const at = <usize>i << 2;
    v128.store(out + at, tanh4(v128.load(x + at)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, f32x4.extract_lane(tanh4(f32x4.splat(load<f32>(x + at))), 0));
  }
}

@inline
function tanh4(v: v128): v128 {
  const a = f32x4.abs(v);
  const u = f32x4.mul(v, v);
  let p = f32x4.splat(-0.005659983114671132);
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.020590982526340573));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-0.05372106592849449));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.13331127502825907));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-0.33333260524661673));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.9999999960748281));
  const small = f32x4.mul(v, p);
  // 2|x| at most 88, where exp stays finite and 1 - 2 / (e + 1) is already 1.
  const e = exp4(f32x4.min(f32x4.add(a, a), f32x4.splat(88)));
  const one = f32x4.splat(1);
  const t = f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(e, one)));
  const sign = i32x4.splat(0x80000000);
  const large = v128.or(v128.andnot(t, sign), v128.and(v, sign));
  return v128.bitselect(small, large, f32x4.lt(a, f32x4.splat(TANH_SMALL)));
}

/**
 * exp(y) for y in [0, 88], float32: y = n·ln 2 + r with |r| <= ln 2 / 2 (ln 2 in two parts, so
 * that r is exact), exp(r) by the degree-7 polynomial of Cephes's expf, times 2^n built from the
 * exponent bits.
 */
@inline
function exp4(y: v128): v128 {
  const n = f32x4.nearest(f32x4.mul(y, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(y, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(p, scale);
}

/**
 * out = a op b over rows x columns (float32), where a holds every element and b repeats: one
 * value per row (`perRow`) or one row of `columns` values for every row. op: 0 a + b, 1 a · b,
 * 2 a - b, 3 b - a. Each element is one IEEE operation, as on the cpu backend.
 */
export function broadcastBinary(
  a: usize,
  b: usize,
  out: usize,
  rows: i32,
  columns: i32,
  op: i32,
  perRow: bool,
): void {
  const rowBytes = <usize>columns << 2;
  const blocks = columns & ~3;
  for (let r = 0; r < rows; r++) {
    const aRow = a + <usize>r * rowBytes;
    const outRow = out + <usize>r * rowBytes;
    const single = perRow ? f32x4.splat(load<f32>(b + (<usize>r << 2))) : f32x4.splat(0);
    let j = 0;
    for (; j < blocks; j += 4) {
      const at = <usize>j << 2;
      const y = perRow ? single : v128.load(b + at);
      v128.store(outRow + at, binary4(v128.load(aRow + at), y, op));
    }
    for (; j < columns; j++) {
      const at = <usize>j << 2;
      const y = perRow ? single : f32x4.splat(load<f32>(b + at));
      const z = binary4(f32x4.splat(load<f32>(aRow + at)), y, op);
      store<f32>(outRow + at, f32x4.extract_lane(z, 0));
    }
  }
}

@inline
function binary4(x: v128, y: v128, op: i32): v128 {
  if (op == 0) return f32x4.add(x, y);
  if (op == 1) return f32x4.mul(x, y);
  if (op == 2) return f32x4.sub(x, y);
  return f32x4.sub(y, x);
}

/**
 * out[i] = exp(x[i]) for i < n, float32, within a few units in the last place over the whole
 * range: below about -87.3 the results are subnormal, below -104 zero, above 88.73 Infinity.
 * NaN stays NaN.
 */
export function exp(x: usize, out: usize, n: i32): void {
  const blocks = n & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    const at = <usize>i << 2;
    v128.store(out + at, expAll4(v128.load(x + at)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, f32x4.extract_lane(expAll4(f32x4.splat(load<f32>(x + at))), 0));
  }
}

/**
 * out[i] = 1 / (1 + exp(-x[i])) for i < n, float32: e / (1 + e) with e = exp(x) for negative x
 * (so that tiny results keep their digits), 1 / (1 + exp(-x)) otherwise.
 */
export function sigmoid(x: usize, out: usize, n: i32): void {
  const blocks = n & ~3;
  let i = 0;
  for (; i < blocks; i += 4) {
    const at = <usize>i << 2;
    v128.store(out + at, sigmoid4(v128.load(x + at)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, f32x4.extract_lane(sigmoid4(f32x4.splat(load<f32>(x + at))), 0));
  }
}

@inline
function sigmoid4(v: v128): v128 {
  const one = f32x4.splat(1);
  const e = expAll4(f32x4.neg(f32x4.abs(v)));
  const d = f32x4.add(one, e);
  const negative = f32x4.lt(v, f32x4.splat(0));
  return v128.bitselect(f32x4.div(e, d), f32x4.div(one, d), negative);
}

/**
 * exp over all of float32: x clamped to [-104, 89] (beyond, the result is 0 or Infinity either
 * way), x = n·ln 2 + r as in exp4, and 2^n applied as two powers of two, 2^(n >> 1) and
 * 2^(n - (n >> 1)), each a normal float, so that subnormal and overflowing results round once.
 */
@inline
function expAll4(v: v128): v128 {
  const y = f32x4.max(f32x4.min(v, f32x4.splat(89)), f32x4.splat(-104));
  const n = f32x4.nearest(f32x4.mul(y, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(y, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const k = i32x4.trunc_sat_f32x4_s(n);
  const half = i32x4.shr_s(k, 1);
  const bias = i32x4.splat(127);
  const first = i32x4.shl(i32x4.add(half, bias), 23);
  const second = i32x4.shl(i32x4.add(i32x4.sub(k, half), bias), 23);
  return f32x4.mul(f32x4.mul(p, first), second);
}

/**
 * out[r, c] = offset[c] + (x[r, c] - mean[c]) · k[c] over rows x columns (float32): a batch
 * normalization whose per-channel factor k = scale / sqrt(variance + ε) the caller computed.
 */
export function normalizeColumns(
  x: usize,
  mean: usize,
  k: usize,
  offset: usize,
  out: usize,
  rows: i32,
  columns: i32,
): void {
  const rowBytes = <usize>columns << 2;
  const blocks = columns & ~3;
  for (let r = 0; r < rows; r++) {
    const xRow = x + <usize>r * rowBytes;
    const outRow = out + <usize>r * rowBytes;
    let c = 0;
    for (; c < blocks; c += 4) {
      const at = <usize>c << 2;
      const centred = f32x4.sub(v128.load(xRow + at), v128.load(mean + at));
      v128.store(outRow + at, f32x4.add(v128.load(offset + at), f32x4.mul(centred, v128.load(k + at))));
    }
    for (; c < columns; c++) {
      const at = <usize>c << 2;
      const centred = load<f32>(xRow + at) - load<f32>(mean + at);
      store<f32>(outRow + at, load<f32>(offset + at) + centred * load<f32>(k + at));
    }
  }
}

/**
 * Copies `runs` runs of `length` 4-byte values (float32 or int32): run r from from + r·fromStride
 * to to + r·toStride (strides in values), four values at a time, then one by one.
 */
export function copyRuns(
  from: usize,
  fromStride: i32,
  to: usize,
  toStride: i32,
  runs: i32,
  length: i32,
): void {
  const blocks = length & ~3;
  const fromBytes = <usize>fromStride << 2;
  const toBytes = <usize>toStride << 2;
  for (let r = 0; r < runs; r++) {
    const source = from + <usize>r * fromBytes;
    const target = to + <usize>r * toBytes;
    let k = 0;
    for (; k < blocks; k += 4) {
      const at = <usize>k << 2;
      v128.store(target + at, v128.load(source + at));
    }
    for (; k < length; k++) {
      const at = <usize>k << 2;
      store<u32>(target + at, load<u32>(source + at));
    }
  }
}
