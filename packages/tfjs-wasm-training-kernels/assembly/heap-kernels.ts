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
 * Conv2DBackpropFilter, NHWC, accumulated directly: for each dy position and each tap inside x,
 * dW[p,q,c,:] += x[b,h,w,c] * dy[b,i,j,:], the output channels in blocks of four lanes. Meant for
 * few input channels, where the whole dW stays in cache. dW must be zeroed by the caller.
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
  const blocks = outChannels & ~3;
  const dyRowBytes = <usize>outChannels << 2;
  let dyRow = dy;
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j++, dyRow += dyRowBytes) {
        for (let p = 0; p < filterHeight; p++) {
          const h = i * strideHeight + p - padTop;
          if (h < 0 || h >= inHeight) continue;
          for (let q = 0; q < filterWidth; q++) {
            const w = j * strideWidth + q - padLeft;
            if (w < 0 || w >= inWidth) continue;
            const xRow = x + ((<usize>((b * inHeight + h) * inWidth + w) * inChannels) << 2);
            let out = dw + ((<usize>((p * filterWidth + q) * inChannels) * outChannels) << 2);
            for (let c = 0; c < inChannels; c++, out += dyRowBytes) {
              const xv = load<f32>(xRow + (<usize>c << 2));
              const xs = f32x4.splat(xv);
              let o = 0;
              for (; o < blocks; o += 4) {
                const at = out + (<usize>o << 2);
                const g = v128.load(dyRow + (<usize>o << 2));
                v128.store(at, f32x4.add(v128.load(at), f32x4.mul(xs, g)));
              }
              for (; o < outChannels; o++) {
                const at = out + (<usize>o << 2);
                store<f32>(at, load<f32>(at) + xv * load<f32>(dyRow + (<usize>o << 2)));
              }
            }
          }
        }
      }
    }
  }
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
