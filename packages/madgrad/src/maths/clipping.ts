/**
 * Global-norm gradient clipping as in PyTorch's clip_grad_norm_: when the norm of all gradients
 * together exceeds `maxNorm`, every gradient is multiplied by maxNorm / (norm + 1e-6).
 * The tfjs optimizers' `clipNorm` and `clipByGlobalNorm` of `madgrad/tfjs` use it.
 */
export function clipScale(globalNorm: number, maxNorm: number): number {
  const coef = maxNorm / (globalNorm + 1e-6);
  return Math.min(coef, 1);
}

/** The Euclidean norm of several arrays taken together. */
export function globalNorm(arrays: readonly ArrayLike<number>[]): number {
  let sum = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) sum += a[i]! * a[i]!;
  return Math.sqrt(sum);
}
