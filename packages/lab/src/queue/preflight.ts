import { Redis } from 'ioredis';
import type { QueueConnection } from './queue-url.js';

/**
 * Connects once before anything starts, so that a wrong password or an unreachable server is a
 * clear error at once rather than a client retrying forever (after this check, the queue's clients
 * do retry forever: that is how they ride out a Redis restart).
 */
export async function checkQueueConnection(c: QueueConnection, timeoutMs = 10_000): Promise<void> {
  const client = new Redis({
    ...c.redis,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
  });
  let cause = '';
  client.on('error', (e: Error) => {
    cause = e.message;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    const message = c.redact(cause && /Connection is closed/.test(raw) ? cause : raw);
    const hint = /WRONGPASS|NOAUTH|invalid password/i.test(message)
      ? ' (check the password in the URL or MADGRAD_QUEUE_PASSWORD)'
      : '';
    throw new Error(`cannot use the queue at ${c.display}: ${message}${hint}`);
  } finally {
    client.disconnect();
  }
}
