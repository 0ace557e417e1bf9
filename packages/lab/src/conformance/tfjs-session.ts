import * as tf from '@tensorflow/tfjs-core';
import type { MadgradFamilyOptimizer, NamedTensor } from 'madgrad/tfjs';
import { MadgradOptimizer, MirrorMadgradOptimizer } from 'madgrad/tfjs';
import type { EngineSession } from './engine.js';
import type { GoldenCase, GoldenGradient } from './golden-case.js';

/** Which step implementation the tfjs optimizers use ('auto': the backend's fastest). */
export type TfjsStepPath = 'auto' | 'ops' | 'device';

/**
 * A golden case replayed through the TensorFlow.js optimizers on whatever backend is active
 * (it imports no backend, so it runs in Node and, bundled, in a browser page).
 *
 * - Parameter groups: tfjs optimizers have one set of options, so a case with several groups runs
 *   one optimizer per group; every optimizer takes a step (possibly with no gradient) on every
 *   golden step, so they share the step counter k as the reference's groups do.
 * - Row-sparse gradients: tfjs has no row-sparse gradient for a dense variable, so they are
 *   densified with zero rows, which the golden format (golden/FORMAT.md) states gives
 *   the same result.
 * - Checkpoints: each optimizer's `getConfig()` and `getWeights()` (encoded with
 *   `tf.io.encodeWeights`), restored with `fromConfig` and `setWeights`, as a saved model does.
 */
export function openTfjsSession(
  c: GoldenCase,
  params: Readonly<Record<string, Float32Array>>,
  path: TfjsStepPath,
): EngineSession {
  const optimizers = c.groups.map((g) => build(c, { ...g.options }, path));
  return session(c, params, optimizers);
}

/** A session over `params` whose optimizers are restored from a checkpoint of `save()`. */
export async function restoreTfjsSession(
  c: GoldenCase,
  params: Readonly<Record<string, Float32Array>>,
  checkpoint: Uint8Array,
  path: TfjsStepPath,
): Promise<EngineSession> {
  const { groups } = decodeCheckpoint(checkpoint);
  const optimizers: MadgradFamilyOptimizer[] = [];
  for (const g of groups) {
    const cls = c.optimizer === 'madgrad' ? MadgradOptimizer : MirrorMadgradOptimizer;
    const opt = tf.serialization.SerializationMap.getMap().classNameMap[cls.className]!;
    const restored = opt[1](opt[0], { ...g.config, path }) as MadgradFamilyOptimizer;
    const weights = tf.io.decodeWeights(g.data, g.specs);
    const named = g.specs.map((s) => ({ name: s.name, tensor: weights[s.name]! }));
    await restored.setWeights(named);
    tf.dispose(Object.values(weights));
    optimizers.push(restored);
  }
  return session(c, params, optimizers);
}

function build(
  c: GoldenCase,
  options: GoldenCase['groups'][number]['options'],
  path: TfjsStepPath,
): MadgradFamilyOptimizer {
  const { lr, ...rest } = options;
  const config = { ...rest, learningRate: lr, path };
  return c.optimizer === 'madgrad'
    ? new MadgradOptimizer(config)
    : new MirrorMadgradOptimizer(config);
}

function densify(g: GoldenGradient, shape: readonly number[]): Float32Array | null {
  if (g === null) return null;
  if (Array.isArray(g)) return Float32Array.from(g);
  const size = shape.reduce((a, b) => a * b, 1);
  const row = size / shape[0]!;
  const dense = new Float32Array(size);
  g.indices.forEach((r, j) => dense.set(g.values.slice(j * row, (j + 1) * row), r * row));
  return dense;
}

function session(
  c: GoldenCase,
  params: Readonly<Record<string, Float32Array>>,
  optimizers: MadgradFamilyOptimizer[],
): EngineSession {
  const shapes = new Map(c.params.map((p) => [p.name, p.shape]));
  const variables = new Map<string, tf.Variable>();
  for (const [name, value] of Object.entries(params)) {
    const initial = tf.tensor(value, [...shapes.get(name)!]);
    variables.set(name, tf.variable(initial, true, name));
    initial.dispose();
  }
  return {
    setLearningRates: (lrs) => lrs.forEach((lr, i) => optimizers[i]!.setLearningRate(lr)),
    step: (grads) => {
      c.groups.forEach((group, i) => {
        const named: NamedTensor[] = [];
        for (const name of group.params) {
          const g = densify(grads[name] ?? null, shapes.get(name)!);
          if (g) named.push({ name, tensor: tf.tensor(g, [...shapes.get(name)!]) });
        }
        try {
          optimizers[i]!.applyGradients(named);
        } finally {
          tf.dispose(named.map((n) => n.tensor));
        }
      });
    },
    // Asynchronous reads (data(), not dataSync()): a GPU backend's synchronous read-back
    // stalls its queue, and WebGPU's may fail outright.
    params: async () => {
      const out: Record<string, Float32Array> = {};
      for (const [n, v] of variables) out[n] = Float32Array.from((await v.data()) as Float32Array);
      return out;
    },
    state: async () => {
      const out: Record<string, Record<string, Float32Array>> = {};
      for (const opt of optimizers) {
        for (const name of opt.stateNames) {
          const buffers: Record<string, Float32Array> = {};
          for (const [b, t] of Object.entries(opt.stateOf(name)!)) {
            buffers[b] = Float32Array.from((await t.data()) as Float32Array);
          }
          out[name] = buffers;
        }
      }
      return { k: optimizers[0]!.iterations, params: out };
    },
    save: async () => {
      const groups = [];
      for (const opt of optimizers) {
        const { data, specs } = await tf.io.encodeWeights(await opt.getWeights());
        groups.push({ config: opt.getConfig(), specs, data: new Uint8Array(data) });
      }
      return encodeCheckpoint(groups);
    },
    dispose: () => {
      for (const opt of optimizers) opt.dispose();
      for (const v of variables.values()) v.dispose();
    },
  };
}

interface CheckpointGroup {
  config: tf.serialization.ConfigDict;
  specs: tf.io.WeightsManifestEntry[];
  data: Uint8Array;
}

/** [u32 header length][JSON header: per group config, specs, byte length][data of each group]. */
function encodeCheckpoint(groups: CheckpointGroup[]): Uint8Array {
  const header = new TextEncoder().encode(
    JSON.stringify(groups.map((g) => ({ config: g.config, specs: g.specs, bytes: g.data.length }))),
  );
  const total = 4 + header.length + groups.reduce((a, g) => a + g.data.length, 0);
  const out = new Uint8Array(total);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  let at = 4 + header.length;
  for (const g of groups) {
    out.set(g.data, at);
    at += g.data.length;
  }
  return out;
}

function decodeCheckpoint(bytes: Uint8Array): {
  groups: {
    config: tf.serialization.ConfigDict;
    specs: tf.io.WeightsManifestEntry[];
    data: ArrayBuffer;
  }[];
} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  let at = 4 + headerLength;
  const groups = header.map(
    (g: {
      config: tf.serialization.ConfigDict;
      specs: tf.io.WeightsManifestEntry[];
      bytes: number;
    }) => {
      const data = bytes.slice(at, at + g.bytes).buffer;
      at += g.bytes;
      return { config: g.config, specs: g.specs, data };
    },
  );
  return { groups };
}
