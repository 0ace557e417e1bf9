import * as tf from '@tensorflow/tfjs-core';
import type { FusedVariant } from './webgpu-fused-step.js';

/**
 * The step on the tfjs webgl backend fused as far as WebGL allows: a fragment program writes one
 * output texture, so each variable's step is one program per output buffer (MADGRAD: p, v, s;
 * MirrorMADGRAD: p, v, z), each computing the whole update from p, g, the state and `consts` =
 * [ok, scale, k] (see DeviceStep) and writing the old value where ok = 0. Three programs instead
 * of about twenty tfjs ops and selects.
 */
interface WebGlBackendInternals {
  compileAndRun(
    program: object,
    inputs: tf.TensorInfo[],
    outputDtype?: string,
    customUniformValues?: number[][],
  ): tf.TensorInfo;
}

/** Whether the active backend is webgl with `compileAndRun`. */
export function fusedWebGlAvailable(): boolean {
  if (tf.getBackend() !== 'webgl') return false;
  return (
    typeof (tf.backend() as unknown as Partial<WebGlBackendInternals>).compileAndRun === 'function'
  );
}

/** The cube root of x >= 0 (GLSL's pow refined by one Newton step; exact at 0). */
const CBRT_GLSL = `
float cbrt0(float x) {
  if (x == 0.0) { return 0.0; }
  float y = pow(x, 1.0 / 3.0);
  return y - (y - x / (y * y)) / 3.0;
}`;

function madgradCode(v: FusedVariant, output: 0 | 1 | 2): string {
  return `${CBRT_GLSL}
void main() {
  float x = getPAtOutCoords();
  float vOld = getVAtOutCoords();
  float sOld = getSAtOutCoords();
  float old = ${['x', 'vOld', 'sOld'][output]};
  if (getC(0) == 0.0) { setOutput(old); return; }
  float lamb = uC.x * sqrt(getC(2) + 1.0);
  float eps = uC.y;
  float momentum = uC.z;
  float gi = getGAtOutCoords() * getC(1);
  ${v.coupled ? 'gi = gi + uC.w * x;' : ''}
  ${
    v.hasX0
      ? 'float origin = getX0AtOutCoords();'
      : `float rms0 = cbrt0(vOld) + eps;
  float origin = ${v.guarded ? 'rms0 == 0.0 ? x : x + sOld / rms0' : 'x + sOld / rms0'};`
  }
  float vNew = vOld + lamb * gi * gi;
  float sNew = sOld + lamb * gi;
  ${
    output === 1
      ? 'setOutput(vNew);'
      : output === 2
        ? 'setOutput(sNew);'
        : `float rms = cbrt0(vNew) + eps;
  float z = ${v.guarded ? 'rms == 0.0 ? origin : origin - sNew / rms' : 'origin - sNew / rms'};
  float xNew = momentum * x + (1.0 - momentum) * z;
  ${v.decoupled ? 'xNew = xNew - uLrDecay * x;' : ''}
  setOutput(xNew);`
  }
}`;
}

function mirrorCode(v: FusedVariant, output: 0 | 1 | 2): string {
  return `${CBRT_GLSL}
void main() {
  float x = getPAtOutCoords();
  float vOld = getVAtOutCoords();
  float zOld = getSAtOutCoords();
  float old = ${['x', 'vOld', 'zOld'][output]};
  if (getC(0) == 0.0) { setOutput(old); return; }
  float k = getC(2);
  float gi = getGAtOutCoords() * getC(1);
  ${v.coupled ? 'gi = gi + uC.w * x;' : ''}
  float z = zOld;
  ${v.decoupled ? 'z = z - uLrDecay * z;' : ''}
  float vNew = vOld * sqrt(k / (k + 1.0)) + gi * gi;
  ${
    output === 1
      ? 'setOutput(vNew);'
      : `float rms = cbrt0(vNew) + uC.y;
  float stepSize = uC.x * cbrt0(k + 1.0);
  float zNew = ${v.guarded ? 'rms == 0.0 ? z : z - stepSize * gi / rms' : 'z - stepSize * gi / rms'};
  ${output === 2 ? 'setOutput(zNew);' : 'setOutput(uC.z * x + (1.0 - uC.z) * zNew);'}`
  }
}`;
}

/**
 * Runs the three programs of one variable's step and assigns their outputs to p, v and s
 * (MirrorMADGRAD: v and z). `scalars` = [lr', eps, momentum, weight decay, lr'·weight decay].
 */
export function runWebGlFusedStep(
  variant: FusedVariant,
  p: tf.Variable,
  v: tf.Variable,
  s: tf.Variable,
  x0: tf.Variable | null,
  g: tf.Tensor,
  consts: tf.Tensor,
  scalars: readonly [number, number, number, number, number],
): void {
  const backend = tf.backend() as unknown as WebGlBackendInternals;
  const names = ['P', 'G', 'V', 'S', 'C', ...(x0 ? ['X0'] : [])];
  const inputs = [p, g, v, s, consts, ...(x0 ? [x0] : [])];
  const [lr, eps, momentum, wd, lrDecay] = scalars;
  const outputs = ([0, 1, 2] as const).map((output) => {
    const program = {
      variableNames: names,
      outputShape: p.shape,
      userCode:
        variant.kind === 'madgrad' ? madgradCode(variant, output) : mirrorCode(variant, output),
      customUniforms: [
        { name: 'uC', type: 'vec4' },
        { name: 'uLrDecay', type: 'float' },
      ],
    };
    const info = backend.compileAndRun(program, inputs, 'float32', [
      [lr, eps, momentum, wd],
      [lrDecay],
    ]);
    return tf.engine().makeTensorFromTensorInfo(info);
  });
  // Every program has read the old values before any variable changes.
  [p, v, s].forEach((t, i) => {
    t.assign(outputs[i]!);
    outputs[i]!.dispose();
  });
}
