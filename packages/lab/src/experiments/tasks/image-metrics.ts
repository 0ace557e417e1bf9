/**
 * SSIM between two images (side x side), as scikit-image's structural_similarity used by fastMRI:
 * uniform 7x7 windows, K1 = 0.01, K2 = 0.03, sample covariances (n/(n-1)), `dataRange` the target's
 * maximum; the mean over the windows that fit inside the image.
 */
export function ssim(
  pred: ArrayLike<number>,
  target: ArrayLike<number>,
  side: number,
  dataRange: number,
  win = 7,
): number {
  const c1 = (0.01 * dataRange) ** 2;
  const c2 = (0.03 * dataRange) ** 2;
  const n = win * win;
  const covNorm = n / (n - 1);
  let total = 0;
  let count = 0;
  for (let y = 0; y + win <= side; y++) {
    for (let x = 0; x + win <= side; x++) {
      let sp = 0;
      let st = 0;
      let spp = 0;
      let stt = 0;
      let spt = 0;
      for (let dy = 0; dy < win; dy++) {
        for (let dx = 0; dx < win; dx++) {
          const i = (y + dy) * side + x + dx;
          const p = pred[i]!;
          const t = target[i]!;
          sp += p;
          st += t;
          spp += p * p;
          stt += t * t;
          spt += p * t;
        }
      }
      const mp = sp / n;
      const mt = st / n;
      const vp = covNorm * (spp / n - mp * mp);
      const vt = covNorm * (stt / n - mt * mt);
      const cov = covNorm * (spt / n - mp * mt);
      total += ((2 * mp * mt + c1) * (2 * cov + c2)) / ((mp * mp + mt * mt + c1) * (vp + vt + c2));
      count += 1;
    }
  }
  return total / count;
}

/** Normalised mean squared error ||pred - target||² / ||target||² (fastMRI's NMSE). */
export function nmse(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < target.length; i++) {
    num += (pred[i]! - target[i]!) ** 2;
    den += target[i]! ** 2;
  }
  return num / den;
}
