import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { wholeNumber } from './shared-options.js';

/** The largest parameter count benchmarked (each implementation holds a few arrays of it). */
const MAX_BENCH_SIZE = 1 << 26;

/** `--sizes`: comma-separated parameter counts, each a whole number from 1 to MAX_BENCH_SIZE. */
function benchSizes(value: string): string {
  const items = value.split(',');
  if (items.length > 32) throw new InvalidArgumentError('--sizes takes at most 32 counts');
  const parse = wholeNumber('--sizes', 1, MAX_BENCH_SIZE);
  return items.map((item) => String(parse(item))).join(',');
}

/** `madgrad-lab bench`: the optimizer step benchmarks, in a fresh process. */
export function register(program: Command): void {
  program
    .command('bench')
    .description(
      'optimizer step benchmarks: time per parameter of every implementation of each optimizer step',
    )
    .option('--json', 'print one JSON document instead of a table')
    .option(
      '--sizes <list>',
      `parameter counts, comma-separated, each at most ${MAX_BENCH_SIZE} (default 65536,1048576,4194304,16777216)`,
      benchSizes,
    )
    .option(
      '--training',
      "also training throughput: the benchmark CNN's (needs @tensorflow/tfjs-layers) and each task's",
    )
    .option('--training-tasks <list>', 'the tasks whose training step is measured (default: all)')
    .action(
      (flags: { json?: boolean; sizes?: string; training?: boolean; trainingTasks?: string }) => {
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
          ...(flags.training ? ['--training'] : []),
          ...(flags.trainingTasks ? ['--training-tasks', flags.trainingTasks] : []),
        ];
        const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
        process.exitCode = result.status ?? 1;
      },
    );
}
