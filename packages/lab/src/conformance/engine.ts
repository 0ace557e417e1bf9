import type { GoldenCase, GoldenGradient } from './golden-case.js';

/**
 * An implementation under test. `open` builds an optimizer for a case's groups over parameters
 * holding `params` (flat float32 values by name); `restore` builds a fresh one over `params` and
 * loads a checkpoint saved by a session of the same engine.
 */
export interface ConformanceEngine {
  readonly name: string;
  readonly description: string;
  open(
    c: GoldenCase,
    params: Readonly<Record<string, Float32Array>>,
  ): Promise<EngineSession> | EngineSession;
  restore(
    c: GoldenCase,
    params: Readonly<Record<string, Float32Array>>,
    checkpoint: Uint8Array,
  ): Promise<EngineSession> | EngineSession;
  /** Releases what the engine holds between cases (a browser, a server), if anything. */
  close?(): Promise<void>;
}

export interface EngineSession {
  /** Sets one learning rate per group, in force from the next step on. */
  setLearningRates(lrs: readonly number[]): void;
  step(grads: Readonly<Record<string, GoldenGradient>>): Promise<void> | void;
  /** Current parameter values by name. */
  params(): Promise<Record<string, Float32Array>> | Record<string, Float32Array>;
  /** Step counter and every state buffer, with the reference's buffer names. */
  state():
    | Promise<{ k: number; params: Record<string, Record<string, Float32Array>> }>
    | { k: number; params: Record<string, Record<string, Float32Array>> };
  save(): Promise<Uint8Array> | Uint8Array;
  dispose?(): void;
}
