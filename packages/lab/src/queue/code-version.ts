import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** Every `.js` / `.ts` source file under `dir` (not declarations), sorted, relative to `dir`. */
function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(js|ts|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(dir);
  return out.sort((a, b) => (relative(dir, a) < relative(dir, b) ? -1 : 1));
}

/** The version in the nearest package.json at or above `start`. */
function versionAbove(start: string): string {
  let dir = start;
  while (!readdirSync(dir).includes('package.json') && dirname(dir) !== dir) dir = dirname(dir);
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return '?';
  }
}

/** The directory of a package's entry point (its built code) and its version. */
function packageOf(specifier: string): { src: string; version: string } {
  let src: string;
  if (typeof import.meta.resolve === 'function') {
    src = dirname(fileURLToPath(import.meta.resolve(specifier)));
  } else {
    // Node before 20.6: look for node_modules/<specifier> above this file.
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'node_modules', specifier)) && dirname(dir) !== dir)
      dir = dirname(dir);
    src = join(dir, 'node_modules', specifier, 'dist', 'src');
  }
  return { src, version: versionAbove(src) };
}

/**
 * The version a job is stamped with: the lab's and the library's package versions plus a
 * fingerprint of their code as it runs here (the lab's and the library's built sources and the
 * tfjs version). Two checkouts of the same commit, built alike, agree; any change to the code that
 * trains, the presets or the task data differs, and workers then refuse the other's jobs.
 */
export function codeVersion(): string {
  if (cached) return cached;
  const labSrc = dirname(dirname(fileURLToPath(import.meta.url)));
  const library = packageOf('madgrad');
  const require = createRequire(import.meta.url);
  const tfjs = (require('@tensorflow/tfjs-core/package.json') as { version: string }).version;
  const hash = createHash('sha256');
  hash.update(`tfjs-core ${tfjs}\n`);
  for (const [name, dir] of [
    ['lab', labSrc],
    ['madgrad', library.src],
  ] as const) {
    for (const file of sourcesUnder(dir)) {
      hash.update(`${name}/${relative(dir, file)}\n`);
      hash.update(readFileSync(file));
    }
  }
  cached = `madgrad-lab@${versionAbove(labSrc)}+madgrad@${library.version}+${hash.digest('hex').slice(0, 16)}`;
  return cached;
}
