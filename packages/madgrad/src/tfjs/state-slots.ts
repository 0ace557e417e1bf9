import * as tf from '@tensorflow/tfjs-core';
import type { StateBuffers } from '../maths/state-limits.js';
import type { LoadedBuffer } from './weights.js';

/**
 * The state variables of one tfjs variable, by buffer name: one `tf.Variable` per buffer of the
 * core's state type `B` (`MadgradState`: `grad_sum_sq`, `s`, and `x0` with momentum).
 */
export type Slot<B = StateBuffers> = { [K in keyof B]: tf.Variable };

/**
 * The optimizer state of the tfjs optimizers, keyed by variable name and created at a variable's
 * first gradient, as in the reference. State loaded by `setWeights` waits, "unclaimed", for its
 * variable; a variable named `N_<digits>` adopts the unclaimed state of `N` (see `claim`).
 */
export class StateSlots<B extends StateBuffers = StateBuffers> {
  private readonly slots = new Map<string, Slot<B>>();
  /** Names whose state came from `setWeights` and has not met its variable yet. */
  private readonly unclaimed = new Set<string>();

  /** The state of a variable, or undefined before its first step. */
  get(name: string): Slot<B> | undefined {
    return this.slots.get(name);
  }

  /** Names of the variables that have state, in insertion order. */
  names(): string[] {
    return [...this.slots.keys()];
  }

  entries(): IterableIterator<[string, Slot<B>]> {
    return this.slots.entries();
  }

  /** Shape of a variable's state (that of its first buffer), or undefined before its first step. */
  shapeOf(name: string, firstBuffer: string): readonly number[] | undefined {
    return this.buffersOf(name)?.[firstBuffer]?.shape;
  }

  /**
   * The state of `variable`, created with `initial(buffer)` at its first gradient. State loaded
   * under a name `N` is adopted by a variable named `N_<digits>` of the same shape: tfjs-layers
   * gives a model's variables such names when a model with the same layer names was built before
   * in the same process.
   */
  claim(
    name: string,
    variable: tf.Variable,
    buffers: readonly string[],
    initial: (buffer: string) => tf.Tensor,
  ): Slot<B> {
    const existing = this.slots.get(name);
    if (existing) {
      this.unclaimed.delete(name);
      return existing;
    }
    for (const candidate of this.unclaimed) {
      const slot = this.slots.get(candidate)!;
      if (
        name.startsWith(`${candidate}_`) &&
        /^\d+$/.test(name.slice(candidate.length + 1)) &&
        tf.util.arraysEqual(this.buffersOf(candidate)![buffers[0]!]!.shape, variable.shape)
      ) {
        this.slots.delete(candidate);
        this.unclaimed.delete(candidate);
        this.slots.set(name, slot);
        return slot;
      }
    }
    const slot: Record<string, tf.Variable> = {};
    for (const buffer of buffers) slot[buffer] = tf.tidy(() => tf.variable(initial(buffer), false));
    this.slots.set(name, slot as Slot<B>);
    return slot as Slot<B>;
  }

  /**
   * Replaces every slot with loaded state, in new variables, unclaimed until met. The new
   * variables are made before the old ones are disposed: if making one fails, the state is as it
   * was (and nothing is left behind).
   */
  replace(
    loaded: ReadonlyMap<string, Readonly<Record<string, LoadedBuffer>>>,
    buffers: readonly string[],
  ): void {
    const made = new Map<string, Record<string, tf.Variable>>();
    try {
      for (const [name, values] of loaded) {
        const slot: Record<string, tf.Variable> = {};
        made.set(name, slot);
        for (const b of buffers) {
          const { data, shape } = values[b]!;
          slot[b] = tf.tidy(() => tf.variable(tf.tensor(data, [...shape], 'float32'), false));
        }
      }
    } catch (e) {
      for (const slot of made.values()) for (const v of Object.values(slot)) v.dispose();
      throw e;
    }
    this.dispose();
    for (const [name, slot] of made) {
      this.slots.set(name, slot as Slot<B>);
      this.unclaimed.add(name);
    }
  }

  /** The state variables of a variable by any buffer name, or undefined before its first step. */
  buffersOf(name: string): Slot | undefined {
    return this.slots.get(name);
  }

  /** Disposes every state variable and forgets them. */
  dispose(): void {
    for (const slot of this.slots.values()) {
      for (const v of Object.values<tf.Variable>(slot)) v.dispose();
    }
    this.slots.clear();
    this.unclaimed.clear();
  }
}
