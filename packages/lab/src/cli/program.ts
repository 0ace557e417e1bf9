import { Command } from 'commander';
import { labVersion } from '../experiments/lab-folder.js';
import { oneLine } from '../experiments/plan-schema.js';
import { register as ablation } from './commands/ablation.js';
import { register as bench } from './commands/bench.js';
import { register as report } from './commands/report.js';
import { register as reproduce } from './commands/reproduce.js';
import { register as status } from './commands/status.js';
import { register as sweep } from './commands/sweep.js';
import { register as train } from './commands/train.js';
import { register as tune } from './commands/tune.js';
import { register as worker } from './commands/worker.js';

/** The commands of the `madgrad-lab` CLI, each defined in its own module under commands/. */
export const COMMANDS: readonly ((program: Command) => void)[] = [
  reproduce,
  sweep,
  ablation,
  report,
  train,
  tune,
  bench,
  worker,
  status,
];

/** Where the program writes its help and its errors. */
export interface CliOutput {
  writeOut(text: string): void;
  writeErr(text: string): void;
}

const STDIO: CliOutput = {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
};

/**
 * The `madgrad` program, with every command registered (nothing parsed yet). A usage error is
 * written as one bounded line (see `oneLine`) and thrown as a `CommanderError` rather than exiting
 * the process: `main` turns it into the exit code.
 */
export function buildProgram(output: CliOutput = STDIO): Command {
  const program = new Command('madgrad-lab')
    .description(
      "Reproduce the MADGRAD paper's protocol on five laptop-sized problems, and report.",
    )
    .version(labVersion(), '-V, --version', 'print the version of madgrad-lab')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => output.writeOut(text),
      writeErr: (text) => output.writeErr(text),
      outputError: (text, write) => write(`${oneLine(text.trimEnd())}\n`),
    });
  // Subcommands copy these settings when created, so they come first.
  for (const register of COMMANDS) register(program);
  return program;
}
