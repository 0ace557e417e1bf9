import type { Command } from 'commander';
import { loadWithOptional } from '../../experiments/optional-packages.js';
import { fatal, QUEUE_URL_HELP } from './queue-options.js';

/** `madgrad-lab status`: what a shared queue holds, per plan and task. */
export function register(program: Command): void {
  program
    .command('status')
    .description(
      'runs on a shared queue: waiting, active (on which worker), done and failed, per plan and task',
    )
    .requiredOption('--queue <url>', QUEUE_URL_HELP)
    .option('--json', 'one JSON document')
    .action(async (flags: { queue: string; json?: boolean }) => {
      const { parseQueueUrl } = await import('../../queue/queue-url.js');
      const { formatStatus, queueStatus, redactStatus } = await loadWithOptional(
        'queue',
        () => import('../../queue/queue-status.js'),
      );
      let connection: ReturnType<typeof parseQueueUrl>;
      let status: Awaited<ReturnType<typeof queueStatus>>;
      try {
        connection = parseQueueUrl(flags.queue);
        status = await queueStatus(connection);
      } catch (e) {
        fatal(e);
      }
      const out = flags.json ? JSON.stringify(status, null, 2) : formatStatus(status);
      console.log(redactStatus(out, connection));
      process.exit(0);
    });
}
