import * as tf from '@tensorflow/tfjs-core';
import type { FusedVariant } from './webgpu-fused-step.js';

/**
 * The step on the tfjs webgl backend fused as far as WebGL allows: a fragment program writes one
 * output texture, so each variable's step is one program per output buffer (MADGRAD: p, v, s;
 * MirrorMADGRAD: p, v, z), each computing the whole update from p, g, the state and `consts` =
 * [ok, scale, k] (see DeviceStep) and writing the old value where ok = 0. Three programs instead
 * of about twenty tfjs ops and selects.
 *
 * The programs are packed, as tfjs's own element-wise ops are: each fragment steps the four
 * values of an RGBA texel (vec4 arithmetic, the same float operations per value), a quarter of
 * the fragments of an unpacked program; and each binds only the textures its output needs.
 */
interface WebGlBackendInternals {
  compileAndRun(
    program: object,
    inputs: tf.TensorInfo[],
    outputDtype?: string,
    customUniformValues?: number[][],
    preventEagerUnpackingOfOutput?: boolean,
  ): tf.TensorInfo;
  packTensor(input: tf.TensorInfo): tf.TensorInfo;
  texData: { get(dataId: object): { isPacked?: boolean } };
}

/** Whether the active backend is webgl with the internals the fused step uses. */
export function fusedWebGlAvailable(): boolean {
  if (tf.getBackend() !== 'webgl') return false;
  const b = tf.backend() as unknown as Partial<WebGlBackendInternals>;
  return (
    typeof b.compileAndRun === 'function' &&
    typeof b.packTensor === 'function' &&
    typeof b.texData?.get === 'function'
  );
}

/**
 * `t` as a packed texture, for several packed programs to read without each packing it again:
 * `t` itself when already packed, else a packed copy (`copied`: the caller disposes it).
 */
export function packedOnWebGl(t: tf.Tensor): { tensor: tf.Tensor; copied: boolean } {
  const b = tf.backend() as unknown as WebGlBackendInternals;
  if (b.texData.get(t.dataId).isPacked) return { tensor: t, copied: false };
  return { tensor: tf.engine().makeTensorFromTensorInfo(b.packTensor(t)), copied: true };
}

/**
 * The cube root of each x >= 0 (GLSL's pow refined by one Newton step; exactly 0 at 0, where
 * the Newton step would divide 0 by 0). `mix` with a bvec4 selects, so NaN never leaks across.
 */
const CBRT_GLSL = `
vec4 cbrt0(vec4 x) {
  vec4 y = pow(x, vec4(1.0 / 3.0));
  return mix(y - (y - x / (y * y)) / 3.0, vec4(0.0), equal(x, vec4(0.0)));
}`;

/** `a` where `when` is 0, else `b`, per value. */
const guard = (when: string, a: string, b: string) => `mix(${a}, ${b}, equal(${when}, vec4(0.0)))`;

/** Reads of the old values at this texel, only those the output needs. */
function reads(list: readonly (string | false)[]): string {
  return list.filter((line): line is string => line !== false).join('\n  ');
}

/**
 * The start of every program: `ok`, `scale` (getC(0).xy of the packed 1-D consts) and k
 * (getC(2).x); a refused step writes `old`.
 */
function prologue(old: string): string {
  return `vec4 c01 = getC(0);
  if (c01.x == 0.0) { setOutput(${old}); return; }
  float k = getC(2).x;`;
}

function madgradCode(v: FusedVariant, output: 0 | 1 | 2): string {
  const common = `${reads([
    (output === 0 || v.coupled) && 'vec4 x = getPAtOutCoords();',
    output !== 2 && 'vec4 vOld = getVAtOutCoords();',
    output !== 1 && 'vec4 sOld = getSAtOutCoords();',
  ])}
  ${prologue(['x', 'vOld', 'sOld'][output]!)}
  float lamb = uC.x * sqrt(k + 1.0);
  vec4 gi = getGAtOutCoords() * c01.y;
  ${v.coupled ? 'gi = gi + uC.w * x;' : ''}`;
  if (output === 1) return `void main() {\n  ${common}\n  setOutput(vOld + lamb * gi * gi);\n}`;
  if (output === 2) return `void main() {\n  ${common}\n  setOutput(sOld + lamb * gi);\n}`;
  return `${CBRT_GLSL}
void main() {
  ${common}
  float eps = uC.y;
  float momentum = uC.z;
  ${
    v.hasX0
      ? 'vec4 origin = getX0AtOutCoords();'
      : `vec4 rms0 = cbrt0(vOld) + eps;
  vec4 origin = ${v.guarded ? guard('rms0', 'x + sOld / rms0', 'x') : 'x + sOld / rms0'};`
  }
  vec4 vNew = vOld + lamb * gi * gi;
  vec4 sNew = sOld + lamb * gi;
  vec4 rms = cbrt0(vNew) + eps;
  vec4 z = ${v.guarded ? guard('rms', 'origin - sNew / rms', 'origin') : 'origin - sNew / rms'};
  vec4 xNew = momentum * x + (1.0 - momentum) * z;
  ${v.decoupled ? 'xNew = xNew - uLrDecay * x;' : ''}
  setOutput(xNew);
}`;
}

function mirrorCode(v: FusedVariant, output: 0 | 1 | 2): string {
  return `${output === 1 ? '' : CBRT_GLSL}
void main() {
  ${reads([
    (output === 0 || v.coupled) && 'vec4 x = getPAtOutCoords();',
    'vec4 vOld = getVAtOutCoords();',
    output !== 1 && 'vec4 zOld = getSAtOutCoords();',
  ])}
  ${prologue(['x', 'vOld', 'zOld'][output]!)}
  vec4 gi = getGAtOutCoords() * c01.y;
  ${v.coupled ? 'gi = gi + uC.w * x;' : ''}
  vec4 vNew = vOld * sqrt(k / (k + 1.0)) + gi * gi;
  ${
    output === 1
      ? 'setOutput(vNew);'
      : `vec4 z = zOld;
  ${v.decoupled ? 'z = z - uLrDecay * z;' : ''}
  vec4 rms = cbrt0(vNew) + uC.y;
  float stepSize = uC.x * cbrt0(vec4(k + 1.0)).x;
  vec4 zNew = ${v.guarded ? guard('rms', 'z - stepSize * gi / rms', 'z') : 'z - stepSize * gi / rms'};
  ${output === 2 ? 'setOutput(zNew);' : 'setOutput(uC.z * x + (1.0 - uC.z) * zNew);'}`
  }
}`;
}

const SAMPLES = new Map<string, RegExp>();

/** Whether `code` samples the input `name` (getName(...) or getNameAtOutCoords()). */
function samples(code: string, name: string): boolean {
  let re = SAMPLES.get(name);
  if (!re) {
    re = new RegExp(`\\bget${name}(AtOutCoords)?\\(`);
    SAMPLES.set(name, re);
  }
  return re.test(code);
}

/**
 * Runs the three programs of one variable's step and assigns their outputs to p, v and s
 * (MirrorMADGRAD: v and z). `consts` should be packed already (`packedOnWebGl`): else each
 * program packs it again. `scalars` = [lr', eps, momentum, weight decay, lr'·weight decay].
 */
export function runWebGlFusedStep(
  variant: FusedVariant,
  p: tf.Variable,
  v: tf.Variable,
  s: tf.Variable,
  x0: tf.Variable | null,
  grad: tf.Tensor,
  consts: tf.Tensor,
  scalars: readonly [number, number, number, number, number],
): void {
  const backend = tf.backend() as unknown as WebGlBackendInternals;
  // Every program reads the gradient: pack it once.
  const g = packedOnWebGl(grad);
  const outputs: tf.Tensor[] = [];
  try {
    const all: [string, tf.Tensor | null][] = [
      ['P', p],
      ['G', g.tensor],
      ['V', v],
      ['S', s],
      ['C', consts],
      ['X0', x0],
    ];
    const [lr, eps, momentum, wd, lrDecay] = scalars;
    for (const output of [0, 1, 2] as const) {
      const userCode =
        variant.kind === 'madgrad' ? madgradCode(variant, output) : mirrorCode(variant, output);
      const used = all.filter(([name, t]) => t !== null && samples(userCode, name));
      const program = {
        variableNames: used.map(([name]) => name),
        outputShape: p.shape,
        userCode,
        packedInputs: true,
        packedOutput: true,
        customUniforms: [
          { name: 'uC', type: 'vec4' },
          { name: 'uLrDecay', type: 'float' },
        ],
      };
      const info = backend.compileAndRun(
        program,
        used.map(([, t]) => t!),
        'float32',
        [[lr, eps, momentum, wd], [lrDecay]],
        true,
      );
      outputs.push(tf.engine().makeTensorFromTensorInfo(info));
    }
    // Every program has read the old values before any variable changes.
    [p, v, s].forEach((t, i) => {
      t.assign(outputs[i]!);
    });
  } finally {
    tf.dispose(outputs);
    if (g.copied) g.tensor.dispose();
  }
}
