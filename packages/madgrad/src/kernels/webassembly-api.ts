/**
 * The part of the WebAssembly JavaScript API the kernels use, typed locally: TypeScript declares
 * `WebAssembly` only in its DOM library, which this project (ES2022 + Node types) does not load,
 * and a global declaration here would clash with it in projects that do.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(delta: number): number;
}

/** An opaque compiled module (cloneable to worker threads). */
export type WasmModule = object;

export interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

/** The runtime's WebAssembly object, or undefined where there is none. */
export function webAssembly(): WebAssemblyApi | undefined {
  const wa = (globalThis as { WebAssembly?: unknown }).WebAssembly;
  return typeof wa === 'object' && wa !== null ? (wa as WebAssemblyApi) : undefined;
}
