import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { loadWithOptional } from '../../experiments/optional-packages.js';
import { MAX_JOBS } from '../../experiments/plan-schema.js';
import {
  fatal,
  lockOptions,
  MAX_TRIES,
  milliseconds,
  QUEUE_URL_HELP,
  type QueueFlags,
  queueConnection,
  timingOf,
} from './queue-options.js';
import { jobsOption, wholeNumber } from './shared-options.js';

/** `madgrad-lab worker`: trains runs from a shared queue until stopped. */
export function register(program: Command): void {
  const command = program
    .command('worker')
    .description(
      'train runs from a shared queue until stopped (SIGINT/SIGTERM: finish the runs in flight; a second signal hands them back)',
    )
    .requiredOption('--queue <url>', QUEUE_URL_HELP);
  lockOptions(
    jobsOption(command, `runs trained at once (child processes), at most ${MAX_JOBS}`, 1, 1)
      .option(
        '--exit-when-idle',
        'exit once nothing is waiting on the queue and no run is in flight here',
      )
      .option(
        '--idle <ms>',
        'how long the queue must stay idle for --exit-when-idle',
        milliseconds('--idle', 0),
        5000,
      )
      .option(
        '--task-modules <dir>',
        "import the task modules of tune's runs that lie under this directory (absent: such runs are refused; importing a module runs its code)",
      )
      .addOption(
        new Option(
          '--max-stalled <n>',
          'times a run may lose its worker before it is failed (default 2)',
        ).argParser(wholeNumber('--max-stalled', 0, MAX_TRIES)),
      ),
  ).action(
    async (
      flags: {
        queue: string;
        jobs: number;
        exitWhenIdle?: boolean;
        idle: number;
        maxStalled?: number;
        taskModules?: string;
      } & Partial<QueueFlags>,
    ) => {
      const { startQueueWorker } = await loadWithOptional(
        'queue',
        () => import('../../queue/queue-worker.js'),
      );
      const connection = await queueConnection(flags.queue);
      // This process owns its signals (from before the first job can arrive): the first finishes
      // the runs in flight, the second hands them back.
      process.removeAllListeners('SIGINT');
      let signals = 0;
      let worker: Awaited<ReturnType<typeof startQueueWorker>> | undefined;
      const act = () => {
        if (worker && signals > 0) void worker.stop(signals > 1);
      };
      const onSignal = (signal: string) => {
        signals += 1;
        if (signals > 2) process.exit(130); // a third signal: now (a lost run's lock expires)
        console.log(
          signals === 1
            ? `${signal}: finishing the runs in flight, then exiting (signal again to hand them back)`
            : `${signal}: handing the runs in flight back to the queue`,
        );
        act();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      worker = await startQueueWorker({
        connection,
        jobs: flags.jobs,
        exitWhenIdle: Boolean(flags.exitWhenIdle),
        idleMs: flags.idle,
        ...(flags.taskModules ? { taskModuleDirs: [resolve(flags.taskModules)] } : {}),
        timing: {
          ...timingOf(flags),
          ...(flags.maxStalled !== undefined ? { maxStalledCount: flags.maxStalled } : {}),
        },
        log: (line) => console.log(line),
      }).catch(fatal);
      act();
      const code = await worker.stopped;
      console.log(`worker stopped after ${worker.finished()} runs`);
      process.exit(code);
    },
  );
}
