import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { digitsAsset } from './plugins/digits-asset.js';
import { reportFolder } from './plugins/report-folder.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

// The playground: four static pages under web/, built to dist-web/ with relative URLs so the
// folder opens from any static file server at any path.
export default defineConfig({
  root: here,
  base: './',
  plugins: [digitsAsset(), reportFolder(root)],
  server: { host: '127.0.0.1' },
  build: {
    outDir: resolve(root, 'dist-web'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      input: {
        index: resolve(here, 'index.html'),
        race: resolve(here, 'race.html'),
        train: resolve(here, 'train.html'),
        results: resolve(here, 'results.html'),
      },
    },
  },
});
