import { crc32 } from '../src/optimizers/crc32.js';

/** The header of a checkpoint, as JSON. */
export interface StateHeader {
  kind: string;
  k: number;
  groups: { options: Record<string, unknown>; params: string[] }[];
  tensors: { param: string; buffer: string; offset: number; length: number }[];
}

/** Splits a checkpoint into its JSON header and its float data (an independent reader). */
export function parseState(bytes: Uint8Array): { header: StateHeader; floats: Float32Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + length)));
  const start = Math.ceil((16 + length) / 4) * 4;
  const floats = new Float32Array((bytes.length - 4 - start) / 4);
  for (let i = 0; i < floats.length; i++) floats[i] = view.getFloat32(start + 4 * i, true);
  return { header, floats };
}

/**
 * A checkpoint with this header and data, CRC correct. The data is padded with zeros up to the
 * table's end unless `pad` is false (a table describing more data than the file holds).
 */
export function craft(header: StateHeader, data?: Float32Array, pad = true): Uint8Array {
  const have = data?.length ?? 0;
  const end =
    pad && Array.isArray(header.tensors)
      ? header.tensors.reduce((n, t) => Math.max(n, t.offset + t.length), 0)
      : 0;
  // Tables edited to absurd values (NaN, 2^50 floats) describe data no test can hold: none added.
  const floats = new Float32Array(
    Number.isSafeInteger(end) && end < have + 2 ** 20 ? Math.max(end, have) : have,
  );
  if (data) floats.set(data);
  return rawHeader(JSON.stringify(header), floats);
}

/** A checkpoint with this header text (any text, JSON or not) and data, CRC correct. */
export function rawHeader(text: string, floats: Float32Array): Uint8Array {
  const json = new TextEncoder().encode(text);
  const start = Math.ceil((16 + json.length) / 4) * 4;
  const bytes = new Uint8Array(start + floats.length * 4 + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode('MADGRAD\n'));
  view.setUint32(8, 1, true);
  view.setUint32(12, json.length, true);
  bytes.set(json, 16);
  floats.forEach((f, i) => view.setFloat32(start + 4 * i, f, true));
  return reseal(bytes);
}

/** Recomputes the trailing CRC in place (so that only the edited content can be refused). */
export function reseal(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}
