import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The lab's package folder: the nearest folder above this module whose package.json is
 * madgrad-lab's (two folders up from src/experiments, three from dist/src/experiments).
 */
export function labFolder(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'madgrad-lab') {
      return folder;
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error('madgrad-lab: its package.json was not found');
    folder = parent;
  }
}

/** The lab's version, from its package.json ('unknown' where that is not found). */
export function labVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(join(labFolder(), 'package.json'), 'utf8'));
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
