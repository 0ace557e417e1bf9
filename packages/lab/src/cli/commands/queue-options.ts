import type { Command } from 'commander';
import type { AblationConfig } from '../../experiments/ablation.js';
import type { BackendName } from '../../experiments/backend.js';
import { loadWithOptional } from '../../experiments/optional-packages.js';
import { oneLine } from '../../experiments/plan-schema.js';
import type { Plan } from '../../experiments/protocol.js';
import type { RunnerOptions } from '../../experiments/runner.js';
import type { QueueTiming } from '../../queue/queue-settings.js';
import type { QueueConnection } from '../../queue/queue-url.js';
import { wholeNumber } from './shared-options.js';

/** The flags the queue adds to reproduce, sweep and ablation. */
export interface QueueFlags {
  queue?: string;
  jobs: number;
  backend: BackendName;
  queueAttempts?: number;
  queueRetryDelay?: number;
  queuePoll?: number;
  lockDuration?: number;
  stalledInterval?: number;
}

/** The longest duration option, in ms: the longest delay a Node timer keeps (about 24.8 days). */
export const MAX_MS = 2 ** 31 - 1;
/** The most tries or stalls of a run. */
export const MAX_TRIES = 1000;

/** A duration option in ms, from `min` to MAX_MS. */
export function milliseconds(name: string, min: number) {
  return wholeNumber(name, min, MAX_MS);
}

export const QUEUE_URL_HELP =
  'redis://[:password@]host:port[/db] or rediss:// (TLS); the password may instead be in MADGRAD_QUEUE_PASSWORD';

export function lockOptions(cmd: Command): Command {
  return cmd
    .option(
      '--lock-duration <ms>',
      "a worker's lock on a run, renewed every half of it (default 60000)",
      milliseconds('--lock-duration', 100),
    )
    .option(
      '--stalled-interval <ms>',
      'how often workers look for runs whose worker died (default 30000)',
      milliseconds('--stalled-interval', 1),
    );
}

/** Adds `--queue` (and its timing knobs) to a command that runs a protocol. */
export function addQueueOptions(cmd: Command): Command {
  lockOptions(
    cmd
      .option(
        '--queue <url>',
        `coordinate the runs on a shared queue: ${QUEUE_URL_HELP}; --jobs is then the local workers (0: coordinate only)`,
      )
      .option(
        '--queue-attempts <n>',
        'tries of a run that throws before it is stored as failed (default 3)',
        wholeNumber('--queue-attempts', 1, MAX_TRIES),
      )
      .option(
        '--queue-retry-delay <ms>',
        'delay before retrying a run that threw (default 5000)',
        milliseconds('--queue-retry-delay', 0),
      )
      .option(
        '--queue-poll <ms>',
        'how often the coordinator checks its runs besides listening (default 5000)',
        milliseconds('--queue-poll', 10),
      ),
  );
  return cmd.hook('preAction', (_this, action) => {
    const o = action.opts() as QueueFlags;
    if (o.jobs === 0 && !o.queue)
      action.error(
        'error: --jobs must be a positive integer (0 only with --queue: coordinate without local workers)',
      );
  });
}

export function timingOf(flags: Partial<QueueFlags>): Partial<QueueTiming> {
  return {
    ...(flags.queueAttempts !== undefined ? { attempts: flags.queueAttempts } : {}),
    ...(flags.queueRetryDelay !== undefined ? { retryDelayMs: flags.queueRetryDelay } : {}),
    ...(flags.queuePoll !== undefined ? { pollMs: flags.queuePoll } : {}),
    ...(flags.lockDuration !== undefined ? { lockDurationMs: flags.lockDuration } : {}),
    ...(flags.stalledInterval !== undefined ? { stalledIntervalMs: flags.stalledInterval } : {}),
  };
}

/**
 * Runner options for a command: without `--queue`, nothing (the local pool); with it, a queue
 * coordinator as the executor. The queue's modules load only then, so a local run needs no server.
 */
export async function queueRunner(
  flags: QueueFlags,
  plans: { protocol: Plan } | { ablation: AblationConfig },
  log: (line: string) => void = (line) => console.log(line),
): Promise<{ runnerOptions: Pick<RunnerOptions, 'executor'>; close(): Promise<void> }> {
  if (!flags.queue) return { runnerOptions: {}, close: async () => {} };
  const [{ openQueueCoordinator }, refs] = await Promise.all([
    loadWithOptional('queue', () => import('../../queue/coordinator.js')),
    import('../../queue/plan-ref.js'),
  ]);
  const connection = await queueConnection(flags.queue);
  log(`coordinating on ${connection.display} with ${flags.jobs} local workers`);
  const coordinator = await openQueueCoordinator({
    connection,
    plans:
      'protocol' in plans ? [refs.protocolRef(plans.protocol)] : refs.ablationRefs(plans.ablation),
    backend: flags.backend,
    jobs: flags.jobs,
    timing: timingOf(flags),
    log,
  }).catch(fatal);
  return {
    runnerOptions: { executor: coordinator.executor },
    close: async () => {
      const o = coordinator.overhead();
      const median = (xs: readonly number[]) =>
        xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : Number.NaN;
      if (o.runs > 0)
        log(
          `queue: ${o.runs} runs collected; median enqueue→start ${median(o.enqueueToStartMs)} ms (includes waiting for a free worker), result→stored ${median(o.resultToStoredMs)} ms`,
        );
      await coordinator.close();
    },
  };
}

/**
 * The connection a command's `--queue` URL names, resolved once (its Redis options and the
 * redaction of its password) and passed to everything that talks to the queue; a bad URL is fatal.
 */
export async function queueConnection(url: string): Promise<QueueConnection> {
  const { parseQueueUrl } = await import('../../queue/queue-url.js');
  try {
    return parseQueueUrl(url);
  } catch (e) {
    fatal(e);
  }
}

/** Prints a queue error as the CLI's other errors are (no stack) and exits with status 1. */
export function fatal(e: unknown): never {
  console.error(`error: ${oneLine(e instanceof Error ? e.message : String(e))}`);
  process.exit(1);
}

/**
 * Runs `run` with the runner options a protocol command's flags ask for: `--jobs`, `--backend`,
 * a progress bar on a terminal, log lines on stdout, and the queue's executor with `--queue`
 * (closed once `run` has finished).
 */
export async function withRunnerOptions<T>(
  flags: QueueFlags & { readonly progress: boolean },
  plans: { protocol: Plan } | { ablation: AblationConfig },
  run: (options: RunnerOptions) => Promise<T>,
): Promise<T> {
  const queue = await queueRunner(flags, plans);
  const result = await run({
    jobs: flags.jobs,
    backend: flags.backend,
    progress: flags.progress && Boolean(process.stderr.isTTY),
    log: (line) => console.log(line),
    ...queue.runnerOptions,
  });
  await queue.close();
  return result;
}
