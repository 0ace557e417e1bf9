import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.Optimizer.minimize`, except that when `applyGradients` throws the cost and the gradients it
 * computed are disposed before the error goes on (tfjs's own `minimize` leaves them alive, two or
 * more tensors per failing call). The optimizers of `madgrad/tfjs` override `minimize` with it.
 */
export function minimizeOrDispose(
  optimizer: tf.Optimizer,
  f: () => tf.Scalar,
  returnCost = false,
  varList?: tf.Variable[],
): tf.Scalar | null {
  const { value, grads } = optimizer.computeGradients(f, varList);
  try {
    if (varList != null) {
      optimizer.applyGradients(varList.map((v) => ({ name: v.name, tensor: grads[v.name]! })));
    } else {
      optimizer.applyGradients(grads);
    }
  } catch (error) {
    value.dispose();
    throw error;
  } finally {
    tf.dispose(grads);
  }
  if (returnCost) return value;
  value.dispose();
  return null;
}
