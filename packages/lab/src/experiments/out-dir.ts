import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** An output directory that cannot be used, with a one-line reason naming it. */
export class OutDirError extends Error {
  override readonly name = 'OutDirError';
}

/** The nearest existing path at or above `path` that is not a directory, if any. */
function fileOnTheWay(path: string): string | undefined {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      return statSync(p).isDirectory() ? undefined : p;
    } catch {
      if (dirname(p) === p) return undefined;
    }
  }
}

/**
 * Creates the output directory (and its parents) and checks that files can be written in it.
 * Throws `OutDirError` with a one-line message when `path` is empty, is a file, lies under a
 * file, or cannot be written (read-only directory or file system, no permission).
 */
export function prepareOutDir(path: string): void {
  if (path.trim() === '') throw new OutDirError('--out must name a directory, got an empty path');
  const file = fileOnTheWay(path);
  if (file !== undefined) {
    throw new OutDirError(
      file === resolve(path)
        ? `--out ${path} is a file, not a directory`
        : `--out ${path} lies under ${file}, which is a file, not a directory`,
    );
  }
  const probe = join(path, `.write-check-${process.pid}`);
  try {
    mkdirSync(path, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    const reason =
      code === 'EROFS'
        ? 'it is on a read-only file system'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied (read-only directory?)'
          : (e as Error).message;
    throw new OutDirError(`--out ${path} cannot be written: ${reason} (${code})`);
  }
}
