import * as tf from '@tensorflow/tfjs-core';

/**
 * The fused step on the tfjs webgpu backend: one WGSL compute dispatch per variable reads the
 * gradient and updates the parameter and state buffers in place, on the backend's own GPUBuffers
 * and GPUDevice, recorded into the backend's command stream (so it runs in order with tfjs's own
 * kernels), with no intermediate tensor. Every dispatch reads `consts` = [ok, scale, k] from the
 * device (see DeviceStep): a refused step (ok = 0) writes nothing.
 *
 * This reaches into the backend's internals (tfjs-backend-webgpu 4.x: tensorMap, uploadToGPU,
 * the command encoder and compute pass); `fusedWebGpuAvailable` checks that they are there.
 */

// Structural types: the project's TypeScript lib has no WebGPU declarations.
interface GpuBuffer {
  readonly size: number;
}
interface GpuPipeline {
  getBindGroupLayout(i: number): unknown;
}
interface GpuPass {
  setPipeline(p: GpuPipeline): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number): void;
}
interface GpuDevice {
  createShaderModule(d: { code: string }): unknown;
  createComputePipeline(d: {
    layout: 'auto';
    compute: { module: unknown; entryPoint: string };
  }): GpuPipeline;
  createBindGroup(d: {
    layout: unknown;
    entries: { binding: number; resource: unknown }[];
  }): unknown;
}
interface WebGpuBackendInternals {
  device: GpuDevice;
  tensorMap: { get(dataId: object): { resource: unknown; values: unknown; refCount: number } };
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder: { beginComputePass(d: object): GpuPass };
  computePassEncoder: GpuPass | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  makeUniforms(u: { type: string; data: number[] }[]): unknown;
}

const WORKGROUP = 256;
const MAX_GROUPS = 65535;
/**
 * Elements each thread steps (a grid-stride loop): fewer, longer-lived workgroups. On SwiftShader
 * (Chromium's CPU WebGPU) every workgroup costs a fixed overhead, and 16 elements per thread took
 * the step from about 0.6 to about 0.3 of tfjs's Adam; 16 still leaves a 1M-parameter variable
 * about 64K threads (245 workgroups) to fill a real GPU.
 */
const ELEMENTS_PER_THREAD = 16;

/** Workgroups for n elements: n / (WORKGROUP · ELEMENTS_PER_THREAD), within WebGPU's limit. */
function workgroupsFor(n: number): number {
  return Math.max(1, Math.min(MAX_GROUPS, Math.ceil(n / (WORKGROUP * ELEMENTS_PER_THREAD))));
}

/** Whether the active backend is webgpu with the internals the fused step uses. */
export function fusedWebGpuAvailable(): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const b = tf.backend() as unknown as Partial<WebGpuBackendInternals>;
  return (
    b.device !== undefined &&
    typeof b.tensorMap?.get === 'function' &&
    typeof b.uploadToGPU === 'function' &&
    typeof b.ensureCommandEncoderReady === 'function' &&
    typeof b.makeUniforms === 'function' &&
    'commandQueueOwnedIds' in b
  );
}

/** The cube root of x >= 0: pow refined by one Newton step (WGSL's pow is exp2(log2)). */
const CBRT_WGSL = `
fn cbrt0(x: f32) -> f32 {
  if (x == 0.0 || x > 3.4e38) { return x; }
  let y = pow(x, 1.0 / 3.0);
  return y - (y - x / (y * y)) / 3.0;
}`;

const HEADER = `
struct Uniforms { c: vec4<f32>, lrDecay: f32, n: u32 };
@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read_write> v: array<f32>;
@group(0) @binding(2) var<storage, read_write> s: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read> consts: array<f32>;
@group(0) @binding(5) var<uniform> u: Uniforms;
${CBRT_WGSL}`;

/** The options a variant is compiled for. */
export interface FusedVariant {
  readonly kind: 'madgrad' | 'mirror';
  readonly hasX0: boolean;
  readonly coupled: boolean;
  readonly decoupled: boolean;
  readonly guarded: boolean;
}

/** MADGRAD (eq. 6 of the paper) as in madgradRange of the core; u.c = [lr', eps, momentum, wd]. */
function madgradSource(v: FusedVariant): string {
  return `${HEADER}
${v.hasX0 ? '@group(0) @binding(6) var<storage, read> x0: array<f32>;' : ''}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  if (consts[0] == 0.0) { return; }
  let scale = consts[1];
  let lamb = u.c.x * sqrt(consts[2] + 1.0);
  let eps = u.c.y;
  let momentum = u.c.z;
  let stride = groups.x * ${WORKGROUP}u;
  for (var i = gid.x; i < u.n; i += stride) {
    let x = p[i];
    let vOld = v[i];
    let sOld = s[i];
    var gi = g[i] * scale;
    ${v.coupled ? 'gi = gi + u.c.w * x;' : ''}
    ${
      v.hasX0
        ? 'let origin = x0[i];'
        : `let rms0 = cbrt0(vOld) + eps;
    let origin = ${v.guarded ? 'select(x + sOld / rms0, x, rms0 == 0.0)' : 'x + sOld / rms0'};`
    }
    let vNew = vOld + lamb * gi * gi;
    let sNew = sOld + lamb * gi;
    let rms = cbrt0(vNew) + eps;
    let z = ${v.guarded ? 'select(origin - sNew / rms, origin, rms == 0.0)' : 'origin - sNew / rms'};
    var xNew = momentum * x + (1.0 - momentum) * z;
    ${v.decoupled ? 'xNew = xNew - u.lrDecay * x;' : ''}
    p[i] = xNew;
    v[i] = vNew;
    s[i] = sNew;
  }
}`;
}

/** MirrorMADGRAD as in mirrorRange of the core; the third buffer (s) holds z. */
function mirrorSource(v: FusedVariant): string {
  return `${HEADER}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  if (consts[0] == 0.0) { return; }
  let scale = consts[1];
  let k = consts[2];
  let stepSize = u.c.x * cbrt0(k + 1.0);
  let ratio = sqrt(k / (k + 1.0));
  let eps = u.c.y;
  let momentum = u.c.z;
  let stride = groups.x * ${WORKGROUP}u;
  for (var i = gid.x; i < u.n; i += stride) {
    let x = p[i];
    var gi = g[i] * scale;
    ${v.coupled ? 'gi = gi + u.c.w * x;' : ''}
    var z = s[i];
    ${v.decoupled ? 'z = z - u.lrDecay * z;' : ''}
    let vNew = v[i] * ratio + gi * gi;
    let rms = cbrt0(vNew) + eps;
    let zNew = ${v.guarded ? 'select(z - stepSize * gi / rms, z, rms == 0.0)' : 'z - stepSize * gi / rms'};
    p[i] = momentum * x + (1.0 - momentum) * zNew;
    v[i] = vNew;
    s[i] = zNew;
  }
}`;
}

/**
 * Clears flag[0] (the bits of 1.0f, set by the caller) where any of the n values is NaN or
 * ±Infinity (exponent bits all set). Only a failing thread writes, atomically.
 */
const FINITE_CHECK_SOURCE = `
struct Uniforms { n: u32 };
@group(0) @binding(0) var<storage, read_write> flag: array<atomic<u32>>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<uniform> u: Uniforms;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let stride = groups.x * ${WORKGROUP}u;
  var bad = false;
  for (var i = gid.x; i < u.n; i += stride) {
    // Bits, not x − x: WGSL may compile float comparisons assuming finite values.
    bad = bad || (bitcast<u32>(g[i]) & 0x7fffffffu) >= 0x7f800000u;
  }
  if (bad) { atomicStore(&flag[0], 0u); }
}`;

const pipelines = new WeakMap<object, Map<string, GpuPipeline>>();

function pipelineFor(device: GpuDevice, code: string): GpuPipeline {
  let cache = pipelines.get(device);
  if (!cache) {
    cache = new Map();
    pipelines.set(device, cache);
  }
  let pipeline = cache.get(code);
  if (!pipeline) {
    pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module: device.createShaderModule({ code }), entryPoint: 'main' },
    });
    cache.set(code, pipeline);
  }
  return pipeline;
}

/**
 * Records one dispatch of `code` over n elements into the backend's command stream: bindings
 * 0.. are `writes` (read_write), then `reads`, then the uniforms; `extra` bindings follow.
 */
function record(
  b: WebGpuBackendInternals,
  code: string,
  n: number,
  writes: readonly tf.Tensor[],
  reads: readonly tf.Tensor[],
  uniforms: { type: string; data: number[] }[],
  extra: readonly tf.Tensor[] = [],
): void {
  const all = [...writes, ...reads, ...extra];
  for (const t of all) b.uploadToGPU(t.dataId);
  const buffer = (t: tf.Tensor) => ({ buffer: b.tensorMap.get(t.dataId).resource as GpuBuffer });
  const pipeline = pipelineFor(b.device, code);
  const entries: { binding: number; resource: unknown }[] = [...writes, ...reads].map((t, i) => ({
    binding: i,
    resource: buffer(t),
  }));
  entries.push({ binding: entries.length, resource: b.makeUniforms(uniforms) });
  for (const t of extra) entries.push({ binding: entries.length, resource: buffer(t) });
  const group = b.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  b.ensureCommandEncoderReady();
  b.computePassEncoder ??= b.commandEncoder.beginComputePass({});
  b.computePassEncoder.setPipeline(pipeline);
  b.computePassEncoder.setBindGroup(0, group);
  b.computePassEncoder.dispatchWorkgroups(workgroupsFor(n));
  b.dispatchCountInPass += 1;
  for (const t of all) b.commandQueueOwnedIds.add(t.dataId);
  // Values a read cached on the CPU are stale now.
  for (const t of writes) b.tensorMap.get(t.dataId).values = null;
  if (b.dispatchCountInPass >= (tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number)) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
}

/**
 * 1 when every value of every gradient is finite, else 0 (a float32 tensor of shape [1]), with
 * one parallel dispatch per gradient and nothing read back.
 */
export function allFiniteOnDevice(grads: readonly tf.Tensor[]): tf.Tensor {
  const b = tf.backend() as unknown as WebGpuBackendInternals;
  const flag = tf.ones([1], 'float32');
  for (const g of grads) {
    if (g.size > 0)
      record(b, FINITE_CHECK_SOURCE, g.size, [flag], [g], [{ type: 'uint32', data: [g.size] }]);
  }
  return flag;
}

/** Gives `t` storage of its own on the device (a copy when its data id is shared). */
function owned(b: WebGpuBackendInternals, t: tf.Variable): void {
  if (b.tensorMap.get(t.dataId).refCount <= 1) return;
  // x·1 keeps every bit (−0 and NaN included).
  tf.tidy(() => t.assign(tf.mul(t, tf.scalar(1))));
}

/**
 * Records one fused step of a variable: p, v and s (MADGRAD: grad_sum_sq and s; MirrorMADGRAD:
 * grad_sum_sq and z) updated in place, reading g, x0 (MADGRAD with momentum) and `consts`.
 * `scalars` = [lr', eps, momentum, weight decay, lr'·weight decay].
 */
export function recordFusedStep(
  variant: FusedVariant,
  p: tf.Variable,
  v: tf.Variable,
  s: tf.Variable,
  x0: tf.Variable | null,
  grad: tf.Tensor,
  consts: tf.Tensor,
  scalars: readonly [number, number, number, number, number],
): void {
  const b = tf.backend() as unknown as WebGpuBackendInternals;
  for (const t of [p, v, s]) owned(b, t);
  // A gradient sharing storage with what the step writes is read from a copy.
  const g = [p, v, s].some((t) => t.dataId === grad.dataId) ? tf.mul(grad, tf.scalar(1)) : grad;
  try {
    const [lr, eps, momentum, wd, lrDecay] = scalars;
    const code = variant.kind === 'madgrad' ? madgradSource(variant) : mirrorSource(variant);
    record(
      b,
      code,
      p.size,
      [p, v, s],
      [g, consts],
      [
        { type: 'float32', data: [lr, eps, momentum, wd] },
        { type: 'float32', data: [lrDecay] },
        { type: 'uint32', data: [p.size] },
      ],
      x0 ? [x0] : [],
    );
  } finally {
    if (g !== grad) g.dispose();
  }
}
