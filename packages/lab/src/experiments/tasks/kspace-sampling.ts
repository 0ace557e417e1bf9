/**
 * 4x-undersampled k-space along one axis (the phase-encoding lines), as fastMRI's equispaced
 * masks: every 4th line starting at `offset`, plus the fully sampled centre lines. Lines are
 * indexed in centred (fft-shifted) order: line c is frequency c - side/2.
 */
export function equispacedMask(
  side: number,
  acceleration: number,
  centreLines: number,
  offset: number,
): Uint8Array {
  const mask = new Uint8Array(side);
  for (let c = offset % acceleration; c < side; c += acceleration) mask[c] = 1;
  const start = Math.floor(side / 2 - centreLines / 2);
  for (let c = start; c < start + centreLines; c++) mask[c] = 1;
  return mask;
}

/**
 * The operator image -> zero-filled reconstruction for a line mask. Masking whole k_y lines of
 * the 2-D DFT only acts on the y axis (the x transform and its inverse cancel), so the
 * reconstruction is A·image with A = F⁻¹ diag(mask) F (complex, side x side), and the network
 * input is its magnitude. Returns A's real and imaginary parts, row-major.
 */
export function zeroFilledOperator(mask: Uint8Array): { re: Float64Array; im: Float64Array } {
  const n = mask.length;
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let y2 = 0; y2 < n; y2++) {
      // A[y, y2] = (1/n) Σ_k mask[k] exp(2πi f_k (y - y2) / n), f_k the frequency of centred line k.
      let sr = 0;
      let si = 0;
      for (let c = 0; c < n; c++) {
        if (!mask[c]) continue;
        const f = c - n / 2;
        const angle = (2 * Math.PI * f * (y - y2)) / n;
        sr += Math.cos(angle);
        si += Math.sin(angle);
      }
      re[y * n + y2] = sr / n;
      im[y * n + y2] = si / n;
    }
  }
  return { re, im };
}

/** |A·image| for a side x side image. */
export function zeroFilledRecon(
  op: { re: Float64Array; im: Float64Array },
  image: ArrayLike<number>,
  side: number,
): Float32Array {
  const out = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      let sr = 0;
      let si = 0;
      for (let y2 = 0; y2 < side; y2++) {
        const v = image[y2 * side + x]!;
        sr += op.re[y * side + y2]! * v;
        si += op.im[y * side + y2]! * v;
      }
      out[y * side + x] = Math.hypot(sr, si);
    }
  }
  return out;
}
