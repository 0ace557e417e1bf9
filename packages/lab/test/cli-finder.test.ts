import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { FinderInput, FinderMessage } from './cli-finder-cases.js';

const temp = mkdtempSync(join(tmpdir(), 'madgrad-cli-finder-'));
after(() => rmSync(temp, { recursive: true, force: true }));

/** The longest one case may take (a report renders its charts; the machine may be busy). */
const CASE_MS = 20_000;
/** The heap a worker may grow to: the lab, its report and one case. */
const HEAP_MB = 1024;

/**
 * Runs the finder's cases (cli-finder-cases.ts) in a worker thread with a memory limit, and stops
 * it when one case runs past CASE_MS: resolves with the problems found, naming each case.
 */
function find(
  input: FinderInput,
): Promise<{ problems: string[]; cases: number; accepted: number; reported: number }> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./cli-finder-cases.js', import.meta.url), {
      workerData: input,
      resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
      stdout: true,
      stderr: true,
    });
    worker.stdout.resume();
    worker.stderr.resume();
    const problems: string[] = [];
    let current = '(starting)';
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (result: { cases: number; accepted: number; reported: number }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve({ problems, ...result });
    };
    worker.on('message', (m: FinderMessage) => {
      if (m.type === 'start') {
        current = m.label;
        clearTimeout(timer);
        timer = setTimeout(() => {
          problems.push(`${current}: still running after ${CASE_MS} ms`);
          finish({ cases: -1, accepted: -1, reported: -1 });
        }, CASE_MS);
      } else if (m.type === 'problem') {
        problems.push(`${m.label}: ${m.problem}`);
      } else {
        finish(m);
      }
    });
    worker.on('error', (e) => {
      problems.push(`${current}: the worker died: ${e.message}`);
      finish({ cases: -1, accepted: -1, reported: -1 });
    });
    worker.on('exit', (code) => {
      if (settled) return;
      problems.push(`${current}: the worker exited with ${code}`);
      finish({ cases: -1, accepted: -1, reported: -1 });
    });
  });
}

describe('finder: hostile CLI arguments and damaged report files', () => {
  it('every case succeeds or fails in one line, exit 1, no stack, in bounded time and memory', async () => {
    const result = await find({ seed: 20, argvCases: 400, fileCases: 40, dir: temp });
    assert.deepEqual(result.problems, []);
    assert.equal(result.cases, 440);
    assert.ok(result.accepted > 0, 'some argument vectors are accepted (their numbers checked)');
    assert.ok(result.reported > 0, 'some mutated directories get a report');
    console.log(`${result.accepted} argument vectors accepted, ${result.reported} reports written`);
  });
});
