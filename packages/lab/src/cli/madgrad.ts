#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OutDirError } from '../experiments/out-dir.js';
import { buildProgram } from './program.js';

export { buildProgram };

/**
 * Runs the CLI on `argv` (as in process.argv: node, script, arguments). Errors the user can fix
 * (an unusable --out) print one line and set exit code 1.
 */
export async function main(argv: readonly string[]): Promise<void> {
  process.on('SIGINT', () => {
    // Finished runs are already on disk (one file each, renamed into place): rerun to resume.
    console.error('\ninterrupted: every finished run is stored; rerun the same command to resume');
    process.exit(130);
  });
  try {
    await buildProgram().parseAsync([...argv]);
  } catch (e) {
    if (!(e instanceof OutDirError)) throw e;
    console.error(`error: ${e.message}`);
    process.exitCode = 1;
  }
}

/** True when this module is the script node was started with (not imported). */
function runAsBinary(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (runAsBinary()) await main(process.argv);
