/**
 * Feature detection for the WebAssembly kernels, without side effects beyond tiny probes.
 */
import { webAssembly } from './webassembly-api.js';

/** A minimal module whose one function returns a v128 constant: valid only with SIMD. */
const SIMD_PROBE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // magic, version 1
  ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b], // types: () -> v128
  ...[0x03, 0x02, 0x01, 0x00], // functions: one of type 0
  ...[0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c], // code: one body, v128.const
  ...new Array<number>(16).fill(0), // its 16 bytes
  0x0b, // end
]);

let simd: boolean | undefined;
let shared: boolean | undefined;

/** True where WebAssembly with the 128-bit SIMD proposal is available. */
export function hasWasmSimd(): boolean {
  if (simd === undefined) {
    try {
      simd = webAssembly()?.validate(SIMD_PROBE) ?? false;
    } catch {
      simd = false;
    }
  }
  return simd;
}

/**
 * True where a shared WebAssembly.Memory can be made (Node; browsers only when cross-origin
 * isolated). Only shared memory keeps Float32Array views valid when the memory grows.
 */
export function hasSharedWasmMemory(): boolean {
  if (shared === undefined) {
    try {
      const wa = webAssembly();
      const m = wa && new wa.Memory({ initial: 1, maximum: 1, shared: true });
      shared =
        m !== undefined &&
        typeof SharedArrayBuffer === 'function' &&
        (m.buffer as unknown) instanceof SharedArrayBuffer;
    } catch {
      shared = false;
    }
  }
  return shared;
}
