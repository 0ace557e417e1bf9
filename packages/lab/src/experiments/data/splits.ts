import { permutation } from './rng.js';

/** Indices of the examples of each split. The three sets are disjoint. */
export interface Split {
  readonly train: readonly number[];
  readonly val: readonly number[];
  readonly test: readonly number[];
}

/** The seed every data split uses: splits are fixed, independent of the run seed. */
export const SPLIT_SEED = 20210;

/**
 * A fixed, seeded split of n examples: test and val take `test` and `val` examples from a seeded
 * permutation, train the rest. Presets take smaller subsets with `limitSplit`, so a smaller
 * train set is always a prefix of the larger one and never touches val or test.
 */
export function splitIndices(
  n: number,
  sizes: { val: number; test: number },
  seed = SPLIT_SEED,
): Split {
  if (sizes.val + sizes.test >= n) {
    throw new RangeError(
      `split of ${n} examples cannot hold val ${sizes.val} + test ${sizes.test}`,
    );
  }
  const order = permutation(n, seed);
  return {
    test: order.slice(0, sizes.test),
    val: order.slice(sizes.test, sizes.test + sizes.val),
    train: order.slice(sizes.test + sizes.val),
  };
}

/** The first `train`, `val`, `test` indices of each part (prefixes, so subsets stay disjoint). */
export function limitSplit(
  split: Split,
  sizes: { train: number; val: number; test: number },
): Split {
  for (const part of ['train', 'val', 'test'] as const) {
    if (sizes[part] > split[part].length) {
      throw new RangeError(
        `${part} subset of ${sizes[part]} exceeds the ${split[part].length} available`,
      );
    }
  }
  return {
    train: split.train.slice(0, sizes.train),
    val: split.val.slice(0, sizes.val),
    test: split.test.slice(0, sizes.test),
  };
}
