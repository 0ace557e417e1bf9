import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { StoredRun } from './run-record.js';
import { RunStore } from './run-store.js';

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
 * Checks `path` as an output directory without touching it: throws `OutDirError` with a one-line
 * message when it is empty, is a file or lies under a file, or when its runs/ is not a directory.
 */
export function checkOutPath(path: string): void {
  if (path.trim() === '') throw new OutDirError('--out must name a directory, got an empty path');
  const file = fileOnTheWay(path);
  if (file !== undefined) {
    throw new OutDirError(
      file === resolve(path)
        ? `--out ${path} is a file, not a directory`
        : `--out ${path} lies under ${file}, which is a file, not a directory`,
    );
  }
  const runs = join(path, 'runs');
  let isDirectory = true;
  try {
    isDirectory = statSync(runs).isDirectory();
  } catch {
    // No runs/ yet: the run store creates it.
  }
  if (!isDirectory) throw new OutDirError(`${runs} is not a directory (it holds the stored runs)`);
}

/**
 * Creates the output directory (and its parents) and checks that files can be written in it.
 * Throws `OutDirError` with a one-line message when `path` is empty, is a file, lies under a
 * file, has a runs/ that is not a directory, or cannot be written (read-only directory or file
 * system, no permission).
 */
export function prepareOutDir(path: string): void {
  checkOutPath(path);
  const probe = join(path, `.write-check-${process.pid}`);
  try {
    mkdirSync(path, { recursive: true });
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    throw new OutDirError(`--out ${path} cannot be written: ${reasonOf(e)}`);
  }
}

function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  const reason =
    code === 'EROFS'
      ? 'it is on a read-only file system'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied (read-only directory?)'
        : (e as Error).message;
  return `${reason} (${code})`;
}

/**
 * The runs stored in an output directory checked by `prepareOutDir` (damaged run files are
 * reported and set aside by the store). Throws `OutDirError` when runs/ cannot be read.
 */
export function storedRuns(outDir: string): StoredRun[] {
  try {
    return new RunStore(outDir).all();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === undefined) throw e;
    throw new OutDirError(`${join(outDir, 'runs')} cannot be read: ${reasonOf(e)}`);
  }
}
