import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Plan, seedSpecs, sweepSpecs } from '../src/experiments/protocol.js';
import { writeReport } from '../src/experiments/report/write-report.js';
import type { RunSpec, StoredRun } from '../src/experiments/run-record.js';

/** A written report read back: README.md, index.html, results.json parsed as `J`, any file by name. */
export interface ReportFiles<J> {
  readonly md: string;
  readonly html: string;
  readonly json: J;
  read(name: string): string;
}

/**
 * Stores every run the plan asks for, each written by hand by `runOf` (the sweep, then the seeds
 * of the settings it chose), writes the report into a new directory under `parent`, and reads its
 * files back. Nothing is trained.
 */
export async function writtenReport<J>(
  plan: Plan,
  runOf: (spec: RunSpec) => StoredRun,
  parent: string,
): Promise<ReportFiles<J>> {
  const runs = new Map<string, StoredRun>();
  const store = (specs: RunSpec[]) => {
    for (const s of specs) runs.set(s.id, runOf(s));
  };
  store(sweepSpecs(plan));
  store(seedSpecs(plan, runs));
  const out = mkdtempSync(join(parent, 'out-'));
  await writeReport(out, plan, [...runs.values()]);
  const read = (name: string) => readFileSync(join(out, name), 'utf8');
  return {
    md: read('README.md'),
    html: read('index.html'),
    json: JSON.parse(read('results.json')) as J,
    read,
  };
}
