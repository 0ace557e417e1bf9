import * as tf from '@tensorflow/tfjs-core';
import { TaskError } from './user-task-data.js';
import type { LossName, UserLoss, UserMetric } from './user-task-spec.js';

const shapeText = (t: tf.Tensor) => `[${t.shape.join(',')}]`;

/** Outputs of class scores [n, k] against class indices [n] or [n, 1]. */
function classTargets(at: string, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const n = yPred.shape[0];
  const flat = yTrue.rank === 2 && yTrue.shape[1] === 1 ? tf.reshape(yTrue, [-1]) : yTrue;
  if (yPred.rank !== 2 || flat.rank !== 1 || flat.shape[0] !== n) {
    throw new TaskError(
      `${at}: the model's outputs have shape ${shapeText(yPred)} and the targets ${shapeText(yTrue)}; a crossentropy loss takes outputs [n, classes] and class indices [n]`,
    );
  }
  return tf.cast(flat, 'int32');
}

function sameShape(at: string, loss: string, yTrue: tf.Tensor, yPred: tf.Tensor): void {
  if (yTrue.shape.join(',') !== yPred.shape.join(',')) {
    throw new TaskError(
      `${at}: the model's outputs have shape ${shapeText(yPred)} but the targets ${shapeText(yTrue)} (${loss} compares them element by element)`,
    );
  }
}

const BUILT_IN: Record<LossName, (at: string, yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar> = {
  mse(at, yTrue, yPred) {
    sameShape(at, 'mse', yTrue, yPred);
    return tf.mean(tf.squaredDifference(yPred, tf.cast(yTrue, 'float32'))) as tf.Scalar;
  },
  crossentropy(at, yTrue, yPred) {
    const labels = classTargets(at, yTrue, yPred);
    const picked = tf.sum(tf.mul(yPred, tf.oneHot(labels, yPred.shape[1]!)), 1);
    return tf.neg(tf.mean(tf.log(tf.clipByValue(picked, 1e-7, 1)))) as tf.Scalar;
  },
  'crossentropy-logits'(at, yTrue, yPred) {
    const labels = classTargets(at, yTrue, yPred);
    const logp = tf.logSoftmax(yPred);
    return tf.neg(
      tf.mean(tf.sum(tf.mul(logp, tf.oneHot(labels, yPred.shape[1]!)), 1)),
    ) as tf.Scalar;
  },
  'binary-crossentropy'(at, yTrue, yPred) {
    sameShape(at, 'binary-crossentropy', yTrue, yPred);
    const p = tf.clipByValue(yPred, 1e-7, 1 - 1e-7);
    const y = tf.cast(yTrue, 'float32');
    return tf.neg(
      tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p))))),
    ) as tf.Scalar;
  },
};

/** The loss of a batch as a scalar, checked to be one. */
export function lossFunction(
  at: string,
  loss: UserLoss,
): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar {
  if (typeof loss === 'string') return (yTrue, yPred) => BUILT_IN[loss](at, yTrue, yPred);
  return (yTrue, yPred) => {
    const value = loss(yTrue, yPred) as unknown;
    if (!(value instanceof tf.Tensor) || value.size !== 1) {
      throw new TaskError(
        `${at}: loss(yTrue, yPred) must return a scalar tensor, got ${value instanceof tf.Tensor ? `a tensor of shape ${shapeText(value)}` : typeof value}`,
      );
    }
    return tf.reshape(value, []) as tf.Scalar;
  };
}

/** % of examples whose largest output (or output above 0.5, for one output) is the target class. */
function accuracy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  const single = yPred.rank === 1 || (yPred.rank === 2 && yPred.shape[1] === 1);
  const predicted = single
    ? tf.cast(tf.greater(tf.reshape(yPred, [-1]), 0.5), 'int32')
    : tf.cast(tf.argMax(tf.reshape(yPred, [yPred.shape[0]!, -1]), 1), 'int32');
  const labels = tf.cast(tf.reshape(yTrue, [-1]), 'int32');
  return tf.mul(tf.mean(tf.cast(tf.equal(predicted, labels), 'float32')), 100) as tf.Scalar;
}

/** The metric of a whole split as a plain number; throws `TaskError` when it is not a number. */
export function metricFunction(
  at: string,
  metric: UserMetric,
  loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar,
): (yTrue: tf.Tensor, yPred: tf.Tensor) => number {
  const compute =
    metric.compute ??
    (metric.name === 'accuracy' ? accuracy : (y: tf.Tensor, p: tf.Tensor) => loss(y, p));
  return (yTrue, yPred) => {
    const value: unknown = compute(yTrue, yPred);
    if (typeof value === 'number') return value;
    if (value instanceof tf.Tensor && value.size === 1 && value.dtype !== 'string') {
      return value.dataSync()[0]!;
    }
    const got =
      value instanceof tf.Tensor
        ? `a tensor of shape ${shapeText(value)}`
        : value === null
          ? 'null'
          : typeof value;
    throw new TaskError(`${at}: metric "${metric.name}" must compute a number, got ${got}`);
  };
}
