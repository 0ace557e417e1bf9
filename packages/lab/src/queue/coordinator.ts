import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { QueueEvents } from 'bullmq';
import type { BackendName } from '../experiments/backend.js';
import type { RunExecutor, RunHooks } from '../experiments/run-executor.js';
import type { RunSpec } from '../experiments/run-record.js';
import { codeVersion } from './code-version.js';
import { type CollectContext, RunCollection } from './coordinator-collect.js';
import { enqueuer } from './coordinator-enqueue.js';
import type { PlanRef } from './plan-ref.js';
import { checkQueueConnection } from './preflight.js';
import { QUEUE_NAME, type QueueTiming, timingWith } from './queue-settings.js';
import type { QueueConnection } from './queue-url.js';
import { type QueueWorkerHandle, startQueueWorker, throttledLog } from './queue-worker.js';
import { SafeQueue } from './safe-job.js';

export interface QueueCoordinatorOptions {
  readonly connection: QueueConnection;
  /** The plans whose runs this coordinator enqueues (one per protocol, two for an ablation). */
  readonly plans: readonly PlanRef[];
  readonly backend: BackendName;
  /** Local workers (child processes) this coordinator runs besides coordinating; 0: none. */
  readonly jobs: number;
  readonly timing?: Partial<QueueTiming>;
  readonly log: (line: string) => void;
}

/** Milliseconds a run spent in the queue's hands, for the runs this coordinator collected. */
export interface QueueOverhead {
  readonly runs: number;
  /** From enqueueing a run to a worker starting it (includes waiting for a free worker). */
  readonly enqueueToStartMs: readonly number[];
  /** From a worker finishing a run to the coordinator having stored it. */
  readonly resultToStoredMs: readonly number[];
}

export interface QueueCoordinator {
  /** Runs specs on the queue; resolves once each has a result (pass as the runner's executor). */
  readonly executor: RunExecutor;
  overhead(): QueueOverhead;
  close(): Promise<void>;
}

/** The coordinator's Redis clients: the queue and its event stream. */
interface Clients {
  readonly queue: SafeQueue;
  readonly events: QueueEvents;
  /** Set on shutdown: the event stream is not restarted any more. */
  closing: boolean;
}

/**
 * The coordinator side of the queue: enqueues runs (coordinator-enqueue.ts), listens for results
 * and also polls their state (a restarted coordinator collects runs that finished meanwhile; a run
 * lost with Redis's data is enqueued again), and hands each result to the runner's store once
 * (coordinator-collect.ts).
 */
export async function openQueueCoordinator(
  options: QueueCoordinatorOptions,
): Promise<QueueCoordinator> {
  const timing = timingWith(options.timing);
  const { connection } = options;
  const version = codeVersion();
  const log = (line: string) => options.log(connection.redact(line));
  const logError = throttledLog(options.log, connection.redact);
  await checkQueueConnection(connection);
  const clients = await openClients(connection, timing.pollMs, logError);
  const context: CollectContext = {
    queue: clients.queue,
    enqueue: enqueuer(clients.queue, options.plans, options.backend, version, timing),
    backend: options.backend,
    version,
    attempts: timing.attempts,
    enqueueToStartMs: [],
    resultToStoredMs: [],
    log,
    logError,
  };
  let local: QueueWorkerHandle | null = null;
  if (options.jobs > 0) {
    local = await startQueueWorker({
      connection,
      jobs: options.jobs,
      timing,
      name: `coordinator@${hostname()}:${process.pid}`,
      // The coordinator's own workers import its plans' task modules, where they are.
      taskModuleDirs: options.plans.flatMap((p) =>
        p.kind === 'protocol' ? Object.values(p.modules ?? {}).map((m) => dirname(m.path)) : [],
      ),
      log: () => {},
    });
  }
  return {
    executor: (specs, hooks) => collectAll(context, clients.events, timing.pollMs, specs, hooks),
    overhead: () => ({
      runs: context.resultToStoredMs.length,
      enqueueToStartMs: context.enqueueToStartMs,
      resultToStoredMs: context.resultToStoredMs,
    }),
    close: () => shutdown(clients, local),
  };
}

/** Opens the queue and its event stream; the stream listens again after an event it cannot parse. */
async function openClients(
  connection: QueueConnection,
  pollMs: number,
  logError: (line: string) => void,
): Promise<Clients> {
  const clients: Clients = {
    queue: new SafeQueue(QUEUE_NAME, { connection: connection.redis }),
    events: new QueueEvents(QUEUE_NAME, { connection: connection.redis }),
    closing: false,
  };
  const { queue, events } = clients;
  queue.on('error', (e) => logError(`queue: ${e.message}`));
  events.on('error', (e) => {
    if (!(e instanceof SyntaxError)) {
      logError(`queue events: ${e.message}`);
      return;
    }
    // BullMQ stops listening at an event it cannot parse; the runs are still checked every pollMs.
    logError(
      `queue events: skipped an unreadable event (${e.message.slice(0, 100)}); listening again (the runs are also checked every ${pollMs} ms)`,
    );
    setTimeout(() => {
      if (!clients.closing) events.run().catch((err: Error) => events.emit('error', err));
    }, pollMs).unref();
  });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  return clients;
}

/** The executor: enqueues or collects every spec, then waits until each has a result. */
async function collectAll(
  context: CollectContext,
  events: QueueEvents,
  pollMs: number,
  specs: readonly RunSpec[],
  hooks: RunHooks,
): Promise<void> {
  const collection = new RunCollection(context, specs, hooks);
  if (collection.pending.size === 0) return;
  const stopListening = followProgress(collection, events, pollMs, hooks);
  try {
    await Promise.all(
      [...collection.pending.values()].map((s) => collection.collectLogged(s, true)),
    );
    const t = collection.tally;
    context.log(
      `queue: ${t.enqueued} runs enqueued, ${t.queued} already queued, ${t.finished} already finished there${t.retried ? `, ${t.retried} enqueued again (failed before, or from another version)` : ''}`,
    );
    await collection.finished;
  } finally {
    stopListening();
  }
}

/**
 * Follows the collection's runs: a finished run is collected at once, a run's optimizer steps go
 * to the progress hook, and every pending run is checked every pollMs. Returns the unsubscribe.
 */
function followProgress(
  collection: RunCollection,
  events: QueueEvents,
  pollMs: number,
  hooks: RunHooks,
): () => void {
  const onFinished = ({ jobId }: { jobId: string }) => {
    const spec = collection.pending.get(jobId);
    if (spec) void collection.collectLogged(spec);
  };
  const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
    const p = data as { step?: unknown; total?: unknown } | null;
    if (
      collection.pending.has(jobId) &&
      p &&
      typeof p.step === 'number' &&
      typeof p.total === 'number'
    )
      hooks.onProgress?.(jobId, p.step, p.total);
  };
  events.on('completed', onFinished);
  events.on('failed', onFinished);
  events.on('progress', onProgress);
  const poll = setInterval(() => {
    for (const spec of collection.pending.values()) void collection.collectLogged(spec);
  }, pollMs);
  return () => {
    clearInterval(poll);
    events.off('completed', onFinished);
    events.off('failed', onFinished);
    events.off('progress', onProgress);
  };
}

/** Stops the local workers (their runs in flight finish), then the event stream and the queue. */
async function shutdown(clients: Clients, local: QueueWorkerHandle | null): Promise<void> {
  clients.closing = true;
  await local?.stop(false);
  await clients.events.close();
  await clients.queue.close();
}
