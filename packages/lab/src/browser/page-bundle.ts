import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const require = createRequire(import.meta.url);

/** The tfjs wasm backend's binaries, which a page loads next to its script (setWasmPaths('./')). */
const TFJS_WASM_FILES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
];

/**
 * Bundles a page script (compiled JavaScript with its npm imports) for the browser into `outDir`:
 * `main.js`, an `index.html` that loads it, and the tfjs wasm binaries. Nothing is downloaded:
 * every import resolves to node_modules.
 */
export async function bundlePage(entry: string, outDir: string, title: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [entry],
    outfile: join(outDir, 'main.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'error',
    // The emscripten loader of tfjs-backend-wasm names Node modules on paths a browser never takes.
    external: ['fs', 'path', 'os', 'crypto', 'worker_threads', 'perf_hooks'],
  });
  const wasmDir = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '..');
  for (const file of TFJS_WASM_FILES) {
    copyFileSync(join(wasmDir, 'dist', file), join(outDir, file));
  }
  writeFileSync(
    join(outDir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>${title}</title><script type="module" src="./main.js"></script>\n`,
  );
}
