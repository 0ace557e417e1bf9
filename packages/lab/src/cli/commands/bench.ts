import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

/** `madgrad bench`: the optimizer step benchmarks, in a fresh process. */
export function register(program: Command): void {
  program
    .command('bench')
    .description(
      'optimizer step benchmarks: time per parameter of every implementation (src/bench/bench.ts)',
    )
    .option('--json', 'print one JSON document instead of a table')
    .option(
      '--sizes <list>',
      'parameter counts, comma-separated (default 65536,1048576,4194304,16777216)',
    )
    .action((flags: { json?: boolean; sizes?: string }) => {
      // The benchmark is its own script (it measures in a fresh process): src/bench/bench.ts
      // through tsx from a checkout, or the compiled bench.js from dist/.
      const here = fileURLToPath(import.meta.url);
      const compiled = here.endsWith('.js');
      const script = join(dirname(here), '..', '..', 'bench', compiled ? 'bench.js' : 'bench.ts');
      const args = [
        ...(compiled ? [] : ['--import', 'tsx']),
        script,
        ...(flags.json ? ['--json'] : []),
        ...(flags.sizes ? ['--sizes', flags.sizes] : []),
      ];
      const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
      process.exitCode = result.status ?? 1;
    });
}
