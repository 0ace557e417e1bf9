import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { StoredRun } from './run-record.js';

/**
 * Finished runs, one JSON file per run under `<dir>/runs/`. A file is written to a temporary name,
 * flushed to disk and renamed into place, so a crash or Ctrl-C leaves either the whole run or
 * nothing (never half a file); resuming skips every id already present.
 */
export class RunStore {
  readonly dir: string;

  constructor(outDir: string) {
    this.dir = join(outDir, 'runs');
    mkdirSync(this.dir, { recursive: true });
  }

  private path(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** Ids of the stored runs. */
  ids(): Set<string> {
    return new Set(
      readdirSync(this.dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => f.slice(0, -'.json'.length)),
    );
  }

  has(id: string): boolean {
    return this.ids().has(id);
  }

  save(run: StoredRun): void {
    const tmp = join(this.dir, `.${run.id}.${process.pid}.tmp`);
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, `${JSON.stringify(run, null, 1)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path(run.id));
  }

  get(id: string): StoredRun | undefined {
    try {
      return JSON.parse(readFileSync(this.path(id), 'utf8')) as StoredRun;
    } catch {
      return undefined;
    }
  }

  /** Every stored run (files that do not parse are skipped: they cannot exist after a rename). */
  all(): StoredRun[] {
    const out: StoredRun[] = [];
    for (const id of this.ids()) {
      const run = this.get(id);
      if (run) out.push(run);
    }
    return out;
  }
}
