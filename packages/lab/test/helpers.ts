import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder above this file that holds `marker`. */
function folderWith(marker: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, marker))) {
    if (dirname(dir) === dir) throw new Error(`no ${marker} in any folder above the tests`);
    dir = dirname(dir);
  }
  return dir;
}

/** The lab package's folder, whether the test runs from test/ (tsx) or dist/test/ (compiled). */
export const ROOT = folderWith('package.json');

/** The repository's golden trajectories, golden/cases (override with MADGRAD_GOLDEN_DIR). */
export const GOLDEN_DIR = resolve(
  process.env.MADGRAD_GOLDEN_DIR ?? join(folderWith('package-lock.json'), 'golden', 'cases'),
);
