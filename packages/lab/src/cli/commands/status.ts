import type { Command } from 'commander';
import { loadWithOptional } from '../../experiments/optional-packages.js';
import { fatal, QUEUE_URL_HELP, queueConnection } from './queue-options.js';

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
      const { formatStatus, queueStatus } = await loadWithOptional(
        'queue',
        () => import('../../queue/queue-status.js'),
      );
      const connection = await queueConnection(flags.queue);
      let status: Awaited<ReturnType<typeof queueStatus>>;
      try {
        status = await queueStatus(connection);
      } catch (e) {
        fatal(e);
      }
      const out = flags.json ? JSON.stringify(status, null, 2) : formatStatus(status);
      // The password never reaches the status; this is belt and braces.
      console.log(connection.redact(out));
      process.exit(0);
    });
}
