import type { SparseRows } from '../gradients.js';

/** The dense gradient equal to validated row-sparse rows (rows are unique, others are zero). */
export function densify(g: SparseRows, size: number, rowLength: number): Float32Array {
  const out = new Float32Array(size);
  for (let r = 0; r < g.indices.length; r++) {
    out.set(g.values.subarray(r * rowLength, (r + 1) * rowLength), g.indices[r]! * rowLength);
  }
  return out;
}
