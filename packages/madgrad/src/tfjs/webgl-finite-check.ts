import * as tf from '@tensorflow/tfjs-core';

/**
 * The NaN/Infinity check of the gradients on WebGL2 without a read-back, in one pass over each
 * gradient: a program reads the gradient as packed RGBA texels (2×2 blocks of its 2-D view) and
 * each of its PARTS fragments flags its share of rows; the flags of all gradients are summed
 * and compared with 0. tfjs's `all(isFinite(g))` would write a full-size boolean texture, then
 * reduce it in two more passes, and unpack a packed gradient first.
 */
interface WebGlBackendInternals {
  compileAndRun(program: object, inputs: tf.TensorInfo[], outputDtype?: string): tf.TensorInfo;
}

/** Fragments per gradient; each loops over its rows (enough to keep a real GPU busy). */
const PARTS = 1024;

/** Whether the check can run here: bit casts need GLSL ES 3.00 (WebGL2). */
export function webGlFiniteCheckAvailable(): boolean {
  return (
    tf.getBackend() === 'webgl' &&
    tf.env().getNumber('WEBGL_VERSION') === 2 &&
    typeof (tf.backend() as unknown as Partial<WebGlBackendInternals>).compileAndRun === 'function'
  );
}

/** The 2-D view [rows, columns] of a shape: every dimension but the last, by the last. */
function rowsColumns(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  const columns = shape[shape.length - 1]!;
  return [shape.slice(0, -1).reduce((a, b) => a * b, 1), columns];
}

/**
 * Fragment j flags (1) a NaN or ±Infinity (exponent bits all set: bits, not x != x, which a
 * compiler may fold) in row pairs j, j + PARTS, ... Lanes past the last row or column are
 * padding, whatever they hold, and are masked out.
 */
function checkCode(rows: number, columns: number): string {
  return `
void main() {
  int j = getOutputCoords();
  bool bad = false;
  for (int r = 2 * j; r < ${rows}; r += ${2 * PARTS}) {
    bool lowerRow = r + 1 < ${rows};
    for (int c = 0; c < ${columns}; c += 2) {
      bool rightColumn = c + 1 < ${columns};
      bvec4 valid = bvec4(true, rightColumn, lowerRow, rightColumn && lowerRow);
      vec4 t = mix(vec4(0.0), getG(r, c), valid);
      bad = bad || any(greaterThanEqual(floatBitsToUint(t) & 0x7fffffffu, uvec4(0x7f800000u)));
    }
  }
  setOutput(bad ? 1.0 : 0.0);
}`;
}

/**
 * A boolean scalar: true when every value of every gradient is finite. Gradients should be
 * packed already (see packedOnWebGl), else tfjs packs them for this program. Run inside `tidy`.
 */
export function allFiniteOnWebGl(grads: readonly tf.Tensor[]): tf.Tensor {
  const b = tf.backend() as unknown as WebGlBackendInternals;
  const flags = grads
    .filter((g) => g.size > 0)
    .map((g) => {
      const [rows, columns] = rowsColumns(g.shape);
      const program = {
        variableNames: ['G'],
        outputShape: [PARTS],
        packedInputs: true,
        userCode: checkCode(rows, columns),
      };
      const view = tf.reshape(g, [rows, columns]);
      return tf.engine().makeTensorFromTensorInfo(b.compileAndRun(program, [view], 'float32'));
    });
  if (flags.length === 0) return tf.scalar(true);
  return tf.equal(tf.max(flags.length === 1 ? flags[0]! : tf.addN(flags)), 0);
}
