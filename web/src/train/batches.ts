import { uniform } from '../surface/random.js';

/**
 * A seeded stream of mini-batches: a fresh permutation of the training set each epoch
 * (Fisher–Yates over a mulberry32 generator). Two runs with one seed see the same batches.
 */
export class BatchSchedule {
  private readonly random: () => number;
  private order: Uint32Array;
  private at: number;

  constructor(
    readonly size: number,
    readonly batchSize: number,
    seed: number,
  ) {
    if (!(batchSize >= 1 && batchSize <= size)) {
      throw new RangeError(`batch size must be in [1, ${size}], got ${batchSize}`);
    }
    this.random = uniform(seed);
    this.order = new Uint32Array(size);
    this.at = size;
  }

  /** The next batch's example indices. */
  next(): Uint32Array {
    if (this.at + this.batchSize > this.size) {
      for (let i = 0; i < this.size; i++) this.order[i] = i;
      for (let i = this.size - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        const t = this.order[i]!;
        this.order[i] = this.order[j]!;
        this.order[j] = t;
      }
      this.at = 0;
    }
    const batch = this.order.slice(this.at, this.at + this.batchSize);
    this.at += this.batchSize;
    return batch;
  }
}
