import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { labFolder } from './lab-folder.js';

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
