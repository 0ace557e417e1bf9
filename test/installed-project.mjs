// Helpers of the installed-package tests: pack a workspace into a tarball, make a fresh project
// in a temporary folder, install tarballs and npm packages into it (from npm's cache when they
// are there), and run commands in it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const LIBRARY = join(ROOT, 'packages/madgrad');
export const LAB = join(ROOT, 'packages/lab');
export const TRAINING_KERNELS = join(ROOT, 'packages/tfjs-wasm-training-kernels');
export const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/** Runs a command and returns its stdout; a failure throws with the command's output. */
export function run(command, args, options = {}) {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
      ...options,
      env: { ...process.env, ...options.env },
    });
  } catch (e) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${e.status}) in ${options.cwd ?? process.cwd()}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`,
    );
  }
}

/**
 * Packs a built workspace (`npm test` builds first) without running its scripts, into `into`,
 * and returns the tarball's path. A workspace's scripts/copy-package-docs.mjs (the library's README
 * and LICENSE, the lab's LICENSE) runs first, as its prepack script does.
 */
export function pack(workspace, into) {
  const copyDocs = join(workspace, 'scripts/copy-package-docs.mjs');
  if (existsSync(copyDocs)) run('node', [copyDocs], { cwd: workspace });
  const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], {
    cwd: workspace,
  });
  return join(into, JSON.parse(out)[0].filename);
}

/** The exact version of a package that the repository's lockfile installs. */
export function lockedVersion(name) {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  return lock.packages[`node_modules/${name}`].version;
}

/** The lowest version the library's peer range of @tensorflow/tfjs-core admits (`^4.0.0` -> 4.0.0). */
export function lowestTfjs() {
  const manifest = JSON.parse(readFileSync(join(LIBRARY, 'package.json'), 'utf8'));
  const range = manifest.peerDependencies['@tensorflow/tfjs-core'];
  const match = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!match) throw new Error(`unexpected peer range ${range}: teach lowestTfjs to read it`);
  return match[1];
}

/** A fresh project folder with a package.json (an ES module project unless said otherwise). */
export function freshProject(prefix, type = 'module') {
  const dir = mkdtempSync(join(tmpdir(), `madgrad-${prefix}-`));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `${prefix}-consumer`, private: true, type }, null, 2)}\n`,
  );
  return dir;
}

/** npm install into `dir`, preferring npm's cache (the registry is asked only for what it lacks). */
export function install(dir, specs) {
  run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs],
    {
      cwd: dir,
    },
  );
}

export function remove(dir) {
  rmSync(dir, { recursive: true, force: true });
}

export function copyInto(dir, file, as) {
  copyFileSync(file, join(dir, as));
}

/** Every ```ts / ```js block of README.md and docs/*.md under `root`: { name, source, lang, where }. */
export function docBlocks(root) {
  const files = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => `docs/${f}`),
  ];
  const blocks = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const fence = /^```(\w*)[^\n]*\n([\s\S]*?)^```/gm;
    for (let m = fence.exec(text); m; m = fence.exec(text)) {
      const lang = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js' }[m[1]];
      if (!lang) continue;
      const line = text.slice(0, m.index).split('\n').length;
      const name = `doc-${file.replace(/\.md$/, '').replace(/[^\w]+/g, '-')}-line-${line}`;
      blocks.push({ name, source: m[2], lang, where: `${file}:${line}` });
    }
  }
  return blocks;
}

/**
 * Where Node.js cannot require ES modules, require(entry) in `project` fails with the package's
 * message: the Node.js versions that can, and `await import(entry)` instead.
 */
export function assertRequireNeedsImport(project, entry) {
  copyInto(project, join(ROOT, 'test/fixtures/require-only.cjs'), 'require-only.cjs');
  assert.throws(
    () =>
      run('node', ['--no-experimental-require-module', 'require-only.cjs', entry], {
        cwd: project,
      }),
    (e) =>
      e.message.includes(`require('${entry}') needs Node.js 20.19+ or 22.12+`) &&
      e.message.includes(`await import('${entry}')`),
  );
}
