import { InvalidGradientError, StateFormatError } from '../maths/errors.js';
import type { CommonOptions } from '../maths/options.js';
import { quote } from '../maths/quote.js';
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
    /** The group's options: the common ones and the optimizer's own (momentum, beta1, ...). */
    readonly options: CommonOptions;
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

/**
 * The largest step count a checkpoint may hold: 2^48 steps is about 9 years at one step per
 * microsecond, beyond any real run, and keeps k + 1 and every scalar formed from k exact.
 */
export const MAX_STEP_COUNT = 2 ** 48;

/**
 * Refuses step k when it is MAX_STEP_COUNT: the count after it could not be saved and loaded
 * again (`holder` names what holds the count: a checkpoint, saved weights). Core and tfjs alike.
 */
export function checkStepCount(k: number, holder: string): void {
  if (k < MAX_STEP_COUNT) return;
  throw new InvalidGradientError(
    `step k=${k}: the step counter is at its limit 2^48 (MAX_STEP_COUNT), which ${holder} can hold; nothing was changed`,
  );
}

/** A tensor entry of the header: where its floats lie in the data, without the floats. */
export interface StateTensorLayout {
  readonly param: string;
  readonly buffer: string;
  readonly length: number;
}

/** A checkpoint's header: everything but the tensors' values. */
export interface StateLayout extends Omit<OptimizerState, 'tensors'> {
  readonly tensors: readonly StateTensorLayout[];
}

/**
 * Parses and checks the byte form; the result's tensors are fresh copies. `checkLayout` sees
 * the header (tensor names and lengths, no values) before any tensor is allocated, so a caller
 * can refuse a checkpoint that does not fit it without allocating for it; the tensors, checked
 * to lie back to back within the data, never take more memory than the bytes themselves.
 */
export function decodeState(
  bytes: Uint8Array,
  checkLayout?: (layout: StateLayout) => void,
): OptimizerState {
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
  // Every offset below is a double computed from at most 2^32-sized parts: exact, never wrapping.
  const headerLength = view.getUint32(12, true);
  const dataStart = align4(16 + headerLength);
  if (dataStart + 4 > bytes.length) {
    throw new StateFormatError(
      `optimizer state is truncated: its header needs ${dataStart + 4} bytes, got ${bytes.length}`,
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
  checkTable(header.tensors, (bytes.length - 4 - dataStart) / 4);
  const layout: StateLayout = {
    kind: header.kind,
    k: header.k,
    groups: header.groups,
    tensors: header.tensors.map((t) => ({ param: t.param, buffer: t.buffer, length: t.length })),
  };
  checkLayout?.(layout);
  const tensors = header.tensors.map((t) => {
    const data = new Float32Array(t.length);
    const start = dataStart + t.offset * 4;
    // A byte copy into the new array's own buffer: right for any view at any byteOffset (a Node
    // Buffer from the shared pool included), aligned or not.
    if (LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(start, start + t.length * 4));
    else for (let j = 0; j < t.length; j++) data[j] = view.getFloat32(start + j * 4, true);
    return { param: t.param, buffer: t.buffer, data };
  });
  return { ...layout, tensors };
}

/**
 * What an encoder never writes: tensors out of order, overlapping or with gaps (each starts
 * where the previous ends, the first at 0, the last ending at the data's end), and a
 * (parameter, buffer) pair twice.
 */
function checkTable(tensors: readonly HeaderTensor[], dataFloats: number): void {
  const bad = (what: string) =>
    new StateFormatError(`optimizer state tensor table is malformed: ${what}`);
  const seen = new Set<string>();
  let next = 0;
  tensors.forEach((t, i) => {
    const name = `tensor ${i} (${quote(t.buffer)} of ${quote(t.param)})`;
    if (t.offset < next) throw bad(`${name} overlaps the one before it`);
    if (t.offset > next) throw bad(`${name} leaves a gap before it`);
    next = t.offset + t.length;
    const key = JSON.stringify([t.param, t.buffer]);
    if (seen.has(key)) throw bad(`${name} is listed twice`);
    seen.add(key);
  });
  if (next !== dataFloats) throw bad(`the tensors cover ${next} floats of ${dataFloats}`);
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
  if ((o.k as number) > MAX_STEP_COUNT) {
    throw bad(`step count k = ${o.k} is beyond any real run (at most 2^48)`);
  }
  if (!Array.isArray(o.groups)) throw bad('groups');
  for (const g of o.groups) {
    if (
      g === null ||
      typeof g !== 'object' ||
      g.options === null ||
      typeof g.options !== 'object' ||
      Array.isArray(g.options) ||
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
      t.length < 0 ||
      // Entries lie within a file of at most 2^53 bytes: offset + length stays exact.
      t.offset + t.length > 2 ** 51
    ) {
      throw bad('tensor entry');
    }
  }
}

/** n rounded up to a multiple of 4, in double arithmetic (exact for any safe integer). */
function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
