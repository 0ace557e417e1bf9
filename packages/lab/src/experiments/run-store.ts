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
import { storedRunProblem } from './run-schema.js';

/** A run file that could not be used: where it was, what is wrong, where it was moved. */
export interface DamagedRunFile {
  readonly path: string;
  readonly problem: string;
  readonly movedTo: string;
}

/** Reports a damaged run file on stderr, by name. */
function warnDamaged(d: DamagedRunFile): void {
  console.error(
    `skipped run file ${d.path}: ${d.problem} (moved to ${d.movedTo}; the run is redone)`,
  );
}

/**
 * Finished runs, one JSON file per run under `<dir>/runs/`. A file is written to a temporary name,
 * flushed to disk and renamed into place, so a crash or Ctrl-C leaves either the whole run or
 * nothing (never half a file); resuming skips every id already present. A file that does not hold
 * a complete run (see run-schema.ts), edited or damaged by hand or by the disk, is reported by name,
 * renamed to `<id>.json.damaged` and treated as missing, so that its run is redone.
 */
export class RunStore {
  readonly dir: string;
  private readonly onDamaged: (damaged: DamagedRunFile) => void;

  constructor(outDir: string, options: { onDamaged?: (damaged: DamagedRunFile) => void } = {}) {
    this.dir = join(outDir, 'runs');
    this.onDamaged = options.onDamaged ?? warnDamaged;
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

  /** The stored run of this id; undefined when absent or damaged (then set aside and reported). */
  get(id: string): StoredRun | undefined {
    const path = this.path(id);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    let problem: string | undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
      problem = storedRunProblem(value, id);
    } catch (e) {
      problem = `not valid JSON (${(e as Error).message})`;
    }
    if (problem === undefined) return value as StoredRun;
    const movedTo = `${path}.damaged`;
    renameSync(path, movedTo);
    this.onDamaged({ path, problem, movedTo });
    return undefined;
  }

  /** Every stored run; damaged files are reported, set aside and left out. */
  all(): StoredRun[] {
    const out: StoredRun[] = [];
    for (const id of this.ids()) {
      const run = this.get(id);
      if (run) out.push(run);
    }
    return out;
  }
}
