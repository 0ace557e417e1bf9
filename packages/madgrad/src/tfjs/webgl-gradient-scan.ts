import * as tf from '@tensorflow/tfjs-core';

/**
 * Passes over the gradients on WebGL2 without a read-back, one program per gradient: it reads the
 * gradient as packed RGBA texels (2×2 blocks of its 2-D view) and each of its PARTS fragments
 * scans its share of rows; the partial results of all gradients are then summed. For the
 * NaN/Infinity check and the clip norm's sum of squares, tfjs's `all(isFinite(g))` and
 * `sum(square(g))` would each write a full-size texture, reduce it in two more passes, and
 * unpack a packed gradient first.
 */
interface WebGlBackendInternals {
  compileAndRun(program: object, inputs: tf.TensorInfo[], outputDtype?: string): tf.TensorInfo;
}

/** Fragments per gradient; each loops over its rows (enough to keep a real GPU busy). */
const PARTS = 1024;

/** Whether the passes can run here: bit casts need GLSL ES 3.00 (WebGL2). */
export function webGlGradientScanAvailable(): boolean {
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

/** What a fragment accumulates over the texels `t` of its rows (lanes past the edge are 0). */
const SCANS = {
  /** 1 where a value is NaN or ±Infinity: exponent bits all set (bits, not x != x, which a
   * compiler may fold). */
  nonFinite: {
    init: 'bool acc = false;',
    step: 'acc = acc || any(greaterThanEqual(floatBitsToUint(t) & 0x7fffffffu, uvec4(0x7f800000u)));',
    out: 'acc ? 1.0 : 0.0',
  },
  /** The sum of squares, in float32. */
  squares: { init: 'float acc = 0.0;', step: 'acc += dot(t, t);', out: 'acc' },
} as const;

/**
 * Fragment j scans row pairs j, j + PARTS, ... Lanes past the last row or column are padding,
 * whatever they hold, and are masked out (bvec4 `mix` selects).
 */
function scanCode(rows: number, columns: number, scan: keyof typeof SCANS): string {
  const s = SCANS[scan];
  return `
void main() {
  int j = getOutputCoords();
  ${s.init}
  for (int r = 2 * j; r < ${rows}; r += ${2 * PARTS}) {
    bool lowerRow = r + 1 < ${rows};
    for (int c = 0; c < ${columns}; c += 2) {
      bool rightColumn = c + 1 < ${columns};
      bvec4 valid = bvec4(true, rightColumn, lowerRow, rightColumn && lowerRow);
      vec4 t = mix(vec4(0.0), getG(r, c), valid);
      ${s.step}
    }
  }
  setOutput(${s.out});
}`;
}

/** The [PARTS] partial results of every non-empty gradient, summed (a tensor of shape [PARTS]). */
function scan(grads: readonly tf.Tensor[], which: keyof typeof SCANS): tf.Tensor {
  const b = tf.backend() as unknown as WebGlBackendInternals;
  const parts = grads
    .filter((g) => g.size > 0)
    .map((g) => {
      const [rows, columns] = rowsColumns(g.shape);
      const program = {
        variableNames: ['G'],
        outputShape: [PARTS],
        packedInputs: true,
        userCode: scanCode(rows, columns, which),
      };
      const view = tf.reshape(g, [rows, columns]);
      return tf.engine().makeTensorFromTensorInfo(b.compileAndRun(program, [view], 'float32'));
    });
  if (parts.length === 0) return tf.zeros([PARTS]);
  return parts.length === 1 ? parts[0]! : tf.addN(parts);
}

/**
 * A boolean scalar: true when every value of every gradient is finite. Gradients should be
 * packed already (see packedOnWebGl), else tfjs packs them for each program. Run inside `tidy`.
 */
export function allFiniteOnWebGl(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.equal(tf.max(scan(grads, 'nonFinite')), 0) as tf.Scalar;
}

/** The sum of the squares of every gradient value, in float32 (see allFiniteOnWebGl). */
export function sumOfSquaresOnWebGl(grads: readonly tf.Tensor[]): tf.Scalar {
  return tf.sum(scan(grads, 'squares'));
}
