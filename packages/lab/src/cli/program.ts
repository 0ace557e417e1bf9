import { Command } from 'commander';
import { register as ablation } from './commands/ablation.js';
import { register as bench } from './commands/bench.js';
import { register as report } from './commands/report.js';
import { register as reproduce } from './commands/reproduce.js';
import { register as status } from './commands/status.js';
import { register as sweep } from './commands/sweep.js';
import { register as train } from './commands/train.js';
import { register as worker } from './commands/worker.js';

/** The commands of the `madgrad` CLI, each defined in its own module under commands/. */
export const COMMANDS: readonly ((program: Command) => void)[] = [
  reproduce,
  sweep,
  ablation,
  report,
  train,
  bench,
  worker,
  status,
];

/** The `madgrad` program, with every command registered (nothing parsed yet). */
export function buildProgram(): Command {
  const program = new Command('madgrad')
    .description(
      "Reproduce the MADGRAD paper's protocol on five laptop-sized problems, and report.",
    )
    .showHelpAfterError();
  for (const register of COMMANDS) register(program);
  return program;
}
