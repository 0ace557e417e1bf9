import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import type { PresetName, TaskSize, TfjsTask } from './task.js';
import type { TfModel } from './tf-model.js';
import { type DataTensors, dataTensors, messageOf, TaskError } from './user-task-data.js';
import { lossFunction, metricFunction } from './user-task-loss.js';
import type { FunctionModel, LayersModelLike, UserModel, UserTaskSpec } from './user-task-spec.js';
import { specProblems } from './user-task-spec.js';

/** A task defined from its simple form: a tfjs task whose data `prepare()` loads. */
export interface UserTask extends TfjsTask<string, DataTensors> {
  /** The spec it was defined from. */
  readonly spec: UserTaskSpec;
  /** The sha256 of the data (each split's inputs and targets: type, shape, values), once loaded. */
  dataSha256(): string;
}

const isLayersModel = (m: unknown): m is LayersModelLike =>
  typeof m === 'object' &&
  m !== null &&
  Array.isArray((m as LayersModelLike).trainableWeights) &&
  typeof (m as LayersModelLike).apply === 'function';

const isVariable = (v: unknown): v is tf.Variable =>
  v instanceof tf.Tensor && typeof (v as tf.Variable).assign === 'function';

/**
 * The sizes of a user's task under each preset, from its training examples: smoke trains at most
 * 2 epochs on at most 4 batches; quick the spec's epochs and steps; standard and full twice the
 * epochs. Validation and test are whole splits.
 */
function sizesOf(spec: UserTaskSpec, data: DataTensors): Record<PresetName, TaskSize> {
  const train = spec.stepsPerEpoch ? spec.stepsPerEpoch * spec.batchSize : data.train.count;
  const base = {
    train,
    val: data.val.count,
    test: data.test.count,
    batchSize: spec.batchSize,
    width: 0,
  };
  return {
    smoke: {
      ...base,
      train: Math.min(train, 4 * spec.batchSize),
      epochs: Math.min(2, spec.epochs),
    },
    quick: { ...base, epochs: spec.epochs },
    standard: { ...base, epochs: 2 * spec.epochs },
    full: { ...base, epochs: 2 * spec.epochs },
  };
}

/** The trained and state variables of a model, its outputs for a batch. */
function modelParts(at: string, model: UserModel, sample: tf.Tensor) {
  if (isLayersModel(model)) {
    // A model without an input shape creates its weights on its first call.
    tf.tidy(() => void model.apply(sample, { training: false }));
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const state = model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
    const predict = (x: tf.Tensor, training: boolean) => {
      const out = model.apply(x, { training });
      if (!(out instanceof tf.Tensor)) {
        throw new TaskError(
          `${at}: the model must have one output tensor, got ${Array.isArray(out) ? `${out.length} outputs` : typeof out}`,
        );
      }
      return out;
    };
    return { variables, state, predict };
  }
  const fn = model as Partial<FunctionModel> | null;
  if (typeof fn !== 'object' || fn === null || typeof fn.predict !== 'function' || !fn.variables) {
    throw new TaskError(
      `${at}: model(seed) must return a tf.LayersModel or { variables, predict(x) }, got ${fn === null ? 'null' : typeof fn}`,
    );
  }
  const variables = Array.isArray(fn.variables) ? fn.variables : Object.values(fn.variables);
  const notVariable = variables.findIndex((v) => !isVariable(v));
  if (notVariable >= 0) {
    throw new TaskError(
      `${at}: model's variables[${notVariable}] is not a tf.Variable (create it with tf.variable)`,
    );
  }
  const predict = (x: tf.Tensor, _training: boolean) => {
    const out: unknown = fn.predict!(x);
    if (!(out instanceof tf.Tensor))
      throw new TaskError(`${at}: predict(x) must return a tensor, got ${typeof out}`);
    return out;
  };
  return { variables: variables as tf.Variable[], state: [] as tf.Variable[], predict };
}

/** The sha256 of the data's tensors: each split's inputs and targets, type, shape and values. */
function sha256OfData(data: DataTensors): string {
  const hash = createHash('sha256');
  for (const split of [data.train, data.val, data.test]) {
    for (const t of [split.x, split.y]) {
      hash.update(`${t.dtype}[${t.shape.join(',')}]`);
      const values = t.dataSync();
      hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
  }
  return hash.digest('hex');
}

/**
 * Checks a task's simple form and adapts it to the lab's tfjs task (`defineTask` calls it).
 * Throws `TaskError` with every mistake, one line each, naming the field ("task:
 * metric.higherIsBetter must be a boolean, got 'yes'"). The data is loaded by `prepare()`, once
 * per process; the model is built for every run.
 */
export function taskOfSpec(spec: UserTaskSpec): UserTask {
  const problems = specProblems(spec);
  if (problems.length > 0) throw new TaskError(problems.join('\n'));
  const at = `task "${spec.name}"`;
  const loss = lossFunction(at, spec.loss);
  const metric = metricFunction(at, spec.metric, loss);
  let data: DataTensors | undefined;
  let dataHash: string | undefined;
  let loading: Promise<void> | undefined;
  const loaded = (): DataTensors => {
    if (!data)
      throw new TaskError(`${at}: its data is not loaded yet (await task.prepare() first)`);
    return data;
  };
  const extra =
    spec.metric.name === 'loss' ? [] : [{ key: 'loss', label: 'test loss', higherIsBetter: false }];
  const task: UserTask = {
    spec,
    name: spec.name,
    engine: 'tfjs',
    about: {
      mirrors: spec.description ?? "a user's task",
      data: "the task module's data()",
      model: "the task module's model(seed)",
    },
    metric: {
      key: spec.metric.name,
      label: `test ${spec.metric.name}`,
      higherIsBetter: spec.metric.higherIsBetter,
    },
    extraMetrics: extra,
    ...(spec.lrCentres ? { lrCentres: spec.lrCentres } : {}),
    ...(spec.weightDecayGrid ? { weightDecayGrid: spec.weightDecayGrid } : {}),
    get available() {
      const d = loaded();
      return { train: d.train.count, val: d.val.count, test: d.test.count };
    },
    get sizes() {
      return sizesOf(spec, loaded());
    },
    schedule: () => ({ kind: 'constant' }),
    prepare() {
      loading ??= (async () => {
        let raw: unknown;
        try {
          raw = await spec.data();
        } catch (e) {
          throw new TaskError(`${at}: data() threw: ${messageOf(e)}`);
        }
        const d = dataTensors(at, raw);
        const steps = spec.stepsPerEpoch;
        if (steps === undefined && spec.batchSize > d.train.count) {
          throw new TaskError(
            `${at}: batchSize ${spec.batchSize} is more than the ${d.train.count} training examples`,
          );
        }
        if (steps !== undefined && steps * spec.batchSize > d.train.count) {
          throw new TaskError(
            `${at}: stepsPerEpoch × batchSize = ${steps * spec.batchSize} is more than the ${d.train.count} training examples`,
          );
        }
        data = d;
        dataHash = sha256OfData(d);
      })();
      loading.catch(() => {
        loading = undefined;
      });
      return loading;
    },
    data: () => loaded(),
    dataSha256() {
      loaded();
      return dataHash!;
    },
    model(d, _size, seed): TfModel {
      let built: unknown;
      try {
        built = spec.model(seed);
      } catch (e) {
        throw new TaskError(`${at}: model(${seed}) threw: ${messageOf(e)}`);
      }
      if (built instanceof Promise)
        throw new TaskError(`${at}: model(seed) must return the model itself, not a promise`);
      const sample = tf.tidy(() => tf.slice(d.train.x, 0, 1));
      let parts: ReturnType<typeof modelParts>;
      try {
        parts = modelParts(at, built as UserModel, sample);
      } catch (e) {
        throw e instanceof TaskError
          ? e
          : new TaskError(
              `${at}: the model cannot take an input of data().train.x: ${messageOf(e)}`,
            );
      } finally {
        sample.dispose();
      }
      if (parts.variables.length === 0) {
        throw new TaskError(
          `${at}: the model has no trainable variables (the optimizer would have nothing to train)`,
        );
      }
      const frozen = parts.variables.find((v) => !v.trainable);
      if (frozen)
        throw new TaskError(
          `${at}: variable "${frozen.name}" is not trainable (tf.variable(value, true))`,
        );
      return {
        variables: parts.variables,
        state: parts.state,
        loss(batch) {
          const index = tf.tensor1d(batch as number[], 'int32');
          return loss(
            tf.gather(d.train.y, index),
            parts.predict(tf.gather(d.train.x, index), true),
          );
        },
        evaluate(split) {
          const s = d[split];
          const out = parts.predict(s.x, false);
          const value = metric(s.y, out);
          return spec.metric.name === 'loss'
            ? { loss: value }
            : { [spec.metric.name]: value, loss: loss(s.y, out).dataSync()[0]! };
        },
      };
    },
  };
  return task;
}
