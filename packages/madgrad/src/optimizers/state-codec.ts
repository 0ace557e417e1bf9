import { StateFormatError } from '../maths/errors.js';
import type { OptimizerOptions } from '../maths/options.js';
import { crc32 } from './crc32.js';

/**
 * The checkpoint byte format, version 1 (all integers little-endian):
 *
 *   0   8 bytes  magic "MADGRAD\n"
 *   8   u32      format version (1)
 *   12  u32      header length H in bytes
 *   16  H bytes  UTF-8 JSON header: { kind, k, groups: [{ options, params }], tensors: [...] }
 *   ..  padding  zero bytes up to a multiple of 4
 *   ..  data     float32 tensors, back to back; tensor i starts at data + tensors[i].offset * 4
 *   end u32      CRC-32 of every byte before it
 *
 * The header makes the file self-describing (a reader needs no schema to list its contents),
 * and the CRC catches corruption anywhere, header or data.
 */
export const STATE_MAGIC = 'MADGRAD\n';
export const STATE_FORMAT_VERSION = 1;

export interface StateTensor {
  /** Parameter name. */
  readonly param: string;
  /** Buffer name, as in the reference: grad_sum_sq, s, x0 (MADGRAD); grad_sum_sq, z (Mirror). */
  readonly buffer: string;
  readonly data: Float32Array;
}

export interface OptimizerState {
  readonly kind: string;
  /** Steps taken so far (the reference's `state['k']`). */
  readonly k: number;
  readonly groups: readonly {
    readonly options: OptimizerOptions;
    readonly params: readonly string[];
  }[];
  readonly tensors: readonly StateTensor[];
}

interface HeaderTensor {
  param: string;
  buffer: string;
  offset: number;
  length: number;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeState(state: OptimizerState): Uint8Array {
  let offset = 0;
  const tensors: HeaderTensor[] = state.tensors.map((t) => {
    const entry = { param: t.param, buffer: t.buffer, offset, length: t.data.length };
    offset += t.data.length;
    return entry;
  });
  const header = new TextEncoder().encode(
    JSON.stringify({ kind: state.kind, k: state.k, groups: state.groups, tensors }),
  );
  const dataStart = align4(16 + header.length);
  const total = dataStart + offset * 4 + 4;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(STATE_MAGIC), 0);
  view.setUint32(8, STATE_FORMAT_VERSION, true);
  view.setUint32(12, header.length, true);
  bytes.set(header, 16);
  const data = LITTLE_ENDIAN ? new Float32Array(bytes.buffer, dataStart, offset) : null;
  tensors.forEach((entry, i) => {
    const values = state.tensors[i]!.data;
    if (data) data.set(values, entry.offset);
    else
      for (let j = 0; j < values.length; j++)
        view.setFloat32(dataStart + (entry.offset + j) * 4, values[j]!, true);
  });
  view.setUint32(total - 4, crc32(bytes.subarray(0, total - 4)), true);
  return bytes;
}

/** Parses and checks the byte form; the result's tensors are fresh copies. */
export function decodeState(bytes: Uint8Array): OptimizerState {
  if (!(bytes instanceof Uint8Array))
    throw new StateFormatError('optimizer state must be a Uint8Array');
  if (bytes.length < 20)
    throw new StateFormatError(`optimizer state is truncated: ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== STATE_MAGIC) {
    throw new StateFormatError('not a madgrad optimizer state (bad magic bytes)');
  }
  const version = view.getUint32(8, true);
  if (version !== STATE_FORMAT_VERSION) {
    throw new StateFormatError(
      `optimizer state format version ${version} is not supported (this library reads version ${STATE_FORMAT_VERSION})`,
    );
  }
  const headerLength = view.getUint32(12, true);
  const dataStart = align4(16 + headerLength);
  if (dataStart + 4 > bytes.length) {
    throw new StateFormatError(
      `optimizer state is truncated: header needs ${dataStart + 4} bytes, got ${bytes.length}`,
    );
  }
  let header: unknown;
  let headerError: StateFormatError | null = null;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + headerLength)),
    );
    checkHeader(header);
  } catch (e) {
    headerError =
      e instanceof StateFormatError
        ? e
        : new StateFormatError('optimizer state header is not valid JSON');
  }
  if (headerError === null) {
    const { tensors } = header as { tensors: HeaderTensor[] };
    const dataFloats = tensors.reduce((n, t) => Math.max(n, t.offset + t.length), 0);
    const expected = dataStart + dataFloats * 4 + 4;
    if (bytes.length !== expected) {
      throw new StateFormatError(
        `optimizer state is ${bytes.length < expected ? 'truncated' : 'too long'}: ${bytes.length} bytes, its header describes ${expected}`,
      );
    }
  }
  if (crc32(bytes.subarray(0, bytes.length - 4)) !== view.getUint32(bytes.length - 4, true)) {
    throw new StateFormatError('optimizer state is corrupted (checksum mismatch)');
  }
  if (headerError !== null) throw headerError;
  checkHeader(header);
  const tensors = header.tensors.map((t) => {
    const data = new Float32Array(t.length);
    const start = dataStart + t.offset * 4;
    if (LITTLE_ENDIAN) data.set(new Float32Array(bytes.slice(start, start + t.length * 4).buffer));
    else for (let j = 0; j < t.length; j++) data[j] = view.getFloat32(start + j * 4, true);
    return { param: t.param, buffer: t.buffer, data };
  });
  return { kind: header.kind, k: header.k, groups: header.groups, tensors };
}

function checkHeader(h: unknown): asserts h is {
  kind: string;
  k: number;
  groups: OptimizerState['groups'];
  tensors: HeaderTensor[];
} {
  const bad = (what: string) =>
    new StateFormatError(`optimizer state header is malformed: ${what}`);
  if (h === null || typeof h !== 'object') throw bad('not a JSON object');
  const o = h as Record<string, unknown>;
  if (typeof o.kind !== 'string') throw bad('kind');
  if (!Number.isSafeInteger(o.k) || (o.k as number) < 0) throw bad('k');
  if (!Array.isArray(o.groups)) throw bad('groups');
  for (const g of o.groups) {
    if (
      g === null ||
      typeof g !== 'object' ||
      typeof g.options !== 'object' ||
      !Array.isArray(g.params)
    ) {
      throw bad('group');
    }
    if (!g.params.every((n: unknown) => typeof n === 'string')) throw bad('group parameter names');
  }
  if (!Array.isArray(o.tensors)) throw bad('tensors');
  for (const t of o.tensors) {
    if (
      t === null ||
      typeof t !== 'object' ||
      typeof t.param !== 'string' ||
      typeof t.buffer !== 'string' ||
      !Number.isSafeInteger(t.offset) ||
      !Number.isSafeInteger(t.length) ||
      t.offset < 0 ||
      t.length < 0
    ) {
      throw bad('tensor entry');
    }
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
