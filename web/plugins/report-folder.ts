import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';

const VIRTUAL_ID = 'virtual:report-info';
const RESOLVED_ID = `\0${VIRTUAL_ID}`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
};

/**
 * Brings the latest reproduction report (a folder with index.html, `report/` at the repository
 * root unless MADGRAD_REPORT_DIR says otherwise) into the app: copied to `report/` in the static
 * build, served at /report/ in development, and described to the Results page by the module
 * `virtual:report-info` (`{ available, builtAt }`).
 */
export function reportFolder(repositoryRoot: string): Plugin {
  const dir = resolve(process.env.MADGRAD_REPORT_DIR ?? join(repositoryRoot, 'report'));
  const index = join(dir, 'index.html');
  let outDir = '';
  return {
    name: 'madgrad-report-folder',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    resolveId: (id) => (id === VIRTUAL_ID ? RESOLVED_ID : null),
    load(id) {
      if (id !== RESOLVED_ID) return null;
      const available = existsSync(index);
      const builtAt = available ? statSync(index).mtime.toISOString() : null;
      return `export default ${JSON.stringify({ available, builtAt })};`;
    },
    configureServer(server) {
      server.middlewares.use('/report', (req, res, next) => {
        const path = normalize(join(dir, decodeURIComponent((req.url ?? '/').split('?')[0]!)));
        const file = path.endsWith(sep) ? join(path, 'index.html') : path;
        if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) return next();
        res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
        res.end(readFileSync(file));
      });
    },
    closeBundle() {
      if (existsSync(index)) cpSync(dir, join(outDir, 'report'), { recursive: true });
    },
  };
}
