// Runs in a browser page (bundled by page-bundle.ts): replays golden cases through madgrad/tfjs
// on the active backend for browser-engine.ts, which drives it and compares the results in Node.
import * as tf from '@tensorflow/tfjs-core';
import { type BrowserBackend, startBackend } from '../../browser/page-backends.js';
import type { EngineSession } from '../engine.js';
import type { GoldenCase, GoldenGradient } from '../golden-case.js';
import { openTfjsSession, restoreTfjsSession, type TfjsStepPath } from '../tfjs-session.js';

type Flat = Record<string, number[]>;

const sessions = new Map<number, EngineSession>();
let nextId = 1;

const toFloat32 = (values: Flat) =>
  Object.fromEntries(Object.entries(values).map(([n, v]) => [n, Float32Array.from(v)]));
const toPlain = (values: Record<string, Float32Array>): Flat =>
  Object.fromEntries(Object.entries(values).map(([n, v]) => [n, Array.from(v)]));

function get(id: number): EngineSession {
  const s = sessions.get(id);
  if (!s) throw new Error(`no session ${id}`);
  return s;
}

/** What the driver calls through page.evaluate; plain JSON in and out. */
const api = {
  start: (backend: BrowserBackend) => startBackend(backend),
  /** Sets a tfjs flag; before `start` it governs how the backend starts (tests force flags). */
  setFlag: (name: string, value: boolean) => tf.env().set(name, value),
  open(c: GoldenCase, params: Flat, path: TfjsStepPath): number {
    sessions.set(nextId, openTfjsSession(c, toFloat32(params), path));
    return nextId++;
  },
  async restore(c: GoldenCase, params: Flat, checkpoint: number[], path: TfjsStepPath) {
    const s = await restoreTfjsSession(c, toFloat32(params), Uint8Array.from(checkpoint), path);
    sessions.set(nextId, s);
    return nextId++;
  },
  async step(id: number, lrs: number[] | null, grads: Record<string, GoldenGradient>) {
    const s = get(id);
    if (lrs) s.setLearningRates(lrs);
    await s.step(grads);
  },
  params: async (id: number) => toPlain(await get(id).params()),
  async state(id: number) {
    const { k, params } = await get(id).state();
    return {
      k,
      params: Object.fromEntries(Object.entries(params).map(([n, b]) => [n, toPlain(b)])),
    };
  },
  save: async (id: number) => Array.from(await get(id).save()),
  dispose(id: number): void {
    get(id).dispose?.();
    sessions.delete(id);
  },
};

export type ConformancePageApi = typeof api;
(globalThis as { madgradConformance?: ConformancePageApi }).madgradConformance = api;
