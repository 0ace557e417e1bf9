#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, CommanderError } from 'commander';
import { MissingPackageError } from '../experiments/optional-packages.js';
import { OutDirError } from '../experiments/out-dir.js';
import { InputFileError, oneLine } from '../experiments/plan-schema.js';
import { TaskError } from '../experiments/tasks/user-task-data.js';
import { buildProgram } from './program.js';

export { buildProgram };

let interruptHandled = false;

/** On Ctrl-C: say that finished runs are kept, and exit with 130 (once per process). */
function handleInterrupt(): void {
  if (interruptHandled) return;
  interruptHandled = true;
  process.on('SIGINT', () => {
    // Finished runs are already on disk (one file each, renamed into place): rerun to resume.
    console.error('\ninterrupted: every finished run is stored; rerun the same command to resume');
    process.exit(130);
  });
}

/**
 * Runs the CLI on `argv` (as in process.argv: node, script, arguments), with `program` (default:
 * the whole CLI writing to stdout and stderr). Errors the user can fix (a usage error, an option
 * out of range, an unusable --out, a damaged plan.json, ablation.json or runs/, an optional package
 * a command needs and does not find, a user's task that cannot run) print one bounded line on stderr and set exit code 1; nothing
 * is written.
 */
export async function main(
  argv: readonly string[],
  program: Command = buildProgram(),
): Promise<void> {
  handleInterrupt();
  const writeErr = program.configureOutput().writeErr ?? ((t: string) => process.stderr.write(t));
  if (argv.length <= 2) {
    // No command: the help, as for --help.
    (program.configureOutput().writeOut ?? ((t: string) => process.stdout.write(t)))(
      program.helpInformation(),
    );
    return;
  }
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    if (
      !(
        e instanceof OutDirError ||
        e instanceof InputFileError ||
        e instanceof MissingPackageError ||
        e instanceof TaskError
      )
    ) {
      throw e;
    }
    // A task spec's mistakes come one a line: each is printed as its own error line.
    const lines = e instanceof TaskError ? e.message.split('\n') : [e.message];
    for (const line of lines) writeErr(`error: ${oneLine(line)}\n`);
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
