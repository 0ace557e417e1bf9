import type { Command } from 'commander';
import { type ProtocolFlags, protocolOptions, report, sweep } from './protocol-command.js';

/** `madgrad-lab reproduce`: sweep, seeds, report. */
export function register(program: Command): void {
  protocolOptions(
    program
      .command('reproduce')
      .description('sweep, re-run the best settings over seeds, write the report'),
  ).action(async (flags: ProtocolFlags) => {
    const plan = await sweep(flags);
    await report(flags.out, plan);
  });
}
