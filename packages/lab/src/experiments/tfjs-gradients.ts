import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The lab's package folder: the nearest folder above this module whose package.json is
 * madgrad-lab's (two folders up from src/experiments, three from dist/src/experiments).
 */
function labFolder(): string {
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

/**
 * Registers the gradient of every tfjs-core op (what `tf.variableGrads` needs on the cpu and wasm
 * backends), from dist/tfjs-gradients.js, built by scripts/bundle-tfjs-gradients.mjs.
 */
export async function registerTfjsGradients(): Promise<void> {
  const bundle = join(labFolder(), 'dist', 'tfjs-gradients.js');
  if (!existsSync(bundle)) {
    throw new Error(`${bundle} is missing: build the lab (npm run build) first`);
  }
  await import(pathToFileURL(bundle).href);
}
