import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Each stored run of a tune's output directory as [id, status, epochs], in id order. */
export function runsOf(out: string): unknown[][] {
  const dir = join(out, 'runs');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      return [r.id, r.status, r.epochs];
    });
}

/** tune.json without the file paths (which name the output directory). */
export function resultOf(out: string): Record<string, unknown> {
  const { files: _files, ...rest } = JSON.parse(readFileSync(join(out, 'tune.json'), 'utf8'));
  return rest;
}
