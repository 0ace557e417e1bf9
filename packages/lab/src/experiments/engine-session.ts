import type { Rng } from './data/rng.js';
import type { EpochMetrics } from './tasks/task.js';

/** A model and its optimizer on one engine, as the training loop drives them. */
export interface EngineSession {
  /** One optimizer step on a batch (positions in the training subset) at learning rate `lr`; false when it diverged (a non-finite loss or gradient: nothing was applied). */
  step(batch: readonly number[], rng: Rng, lr: number): boolean;
  /** The record of an epoch that ended after `step` optimizer steps in all. */
  endEpoch(epoch: number, step: number): EpochMetrics;
  /** Frees what the session holds (tensors, variables). */
  dispose(): void;
}
