import type { Command } from 'commander';
import { type ProtocolFlags, protocolOptions, sweep } from './protocol-command.js';

/** `madgrad-lab sweep`: the protocol's runs only, stored for a later `madgrad-lab report`. */
export function register(program: Command): void {
  protocolOptions(
    program
      .command('sweep')
      .description('run the protocol (sweep, then seeds), storing every run; resumes'),
  ).action(async (flags: ProtocolFlags) => {
    await sweep(flags);
  });
}
