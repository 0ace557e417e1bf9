// Builds dist/tfjs-gradients.js: tfjs-core's gradient registrations (its register_all_gradients
// module) as one ES module for Node. tfjs-core's Node entry registers no gradients, and its ES
// module files cannot be imported by Node directly (extensionless relative imports), so the lab
// bundles them here instead of depending on the `@tensorflow/tfjs` union package, which does the
// same and pulls in the converter, tfjs-data and WebGL (about 200 MB installed).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const core = dirname(require.resolve('@tensorflow/tfjs-core/package.json'));

await build({
  entryPoints: [join(core, 'dist', 'register_all_gradients.js')],
  outfile: join(here, '..', 'dist', 'tfjs-gradients.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The registrations go into tfjs-core's global registry (shared through globalThis), and the
  // gradient functions run on its global engine, so this copy of the ops works with the
  // application's tfjs-core of the same major version.
  legalComments: 'inline',
  logLevel: 'warning',
});
