import type { RedisOptions } from 'ioredis';

/** The environment variable a queue password may come from instead of the URL. */
export const QUEUE_PASSWORD_ENV = 'MADGRAD_QUEUE_PASSWORD';

/** Where the queue lives, parsed from `redis://[[user]:password@]host[:port][/db]` (or `rediss://`). */
export interface QueueAddress {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly tls: boolean;
  readonly username?: string;
  readonly password?: string;
  /** The URL without its password: the only form that is ever printed or stored. */
  readonly display: string;
}

/**
 * A queue connection resolved once from its URL: the address, the Redis client's options and the
 * redaction of its secrets. Everything that talks to the queue or logs takes this object.
 */
export interface QueueConnection extends QueueAddress {
  /** ioredis options for BullMQ (see redisOptions). */
  readonly redis: RedisOptions;
  /** The text with the password (plain or URL-encoded) replaced by `***`. */
  redact(text: string): string;
}

/**
 * Parses a queue URL into the connection every part of the queue uses. The password comes from the
 * URL, else from `MADGRAD_QUEUE_PASSWORD` (which keeps it out of the process list). Throws a clear
 * message, without the password, for bad input.
 */
export function parseQueueUrl(
  url: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): QueueConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(
      `--queue: "${redactUrl(url)}" is not a URL (expected redis://[:password@]host:port[/db] or rediss://...)`,
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`--queue: unsupported scheme "${u.protocol}" (use redis:// or rediss://)`);
  }
  if (!u.hostname) throw new Error('--queue: the URL names no host');
  const port = u.port ? Number(u.port) : 6379;
  const dbPath = u.pathname.replace(/^\//, '');
  const db = dbPath === '' ? 0 : Number(dbPath);
  if (!Number.isInteger(db) || db < 0 || db > 15 || !/^\d*$/.test(dbPath)) {
    throw new Error(`--queue: the database "/${dbPath}" must be a number from 0 to 15`);
  }
  const password = u.password
    ? decodeURIComponent(u.password)
    : env[QUEUE_PASSWORD_ENV] || undefined;
  const username = u.username ? decodeURIComponent(u.username) : undefined;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const userPart = username
    ? `${encodeURIComponent(username)}${password ? ':***' : ''}@`
    : password
      ? ':***@'
      : '';
  const address: QueueAddress = {
    host,
    port,
    db,
    tls: u.protocol === 'rediss:',
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    display: `${u.protocol}//${userPart}${u.host}/${db}`,
  };
  return {
    ...address,
    redis: redisOptions(address),
    redact: (text) => redactText(text, [password]),
  };
}

/**
 * ioredis options for BullMQ: retry forever, so that everyone reconnects after a Redis restart.
 * Built once, by parseQueueUrl (the connection's `redis`).
 */
export function redisOptions(c: QueueAddress): RedisOptions {
  return {
    host: c.host,
    port: c.port,
    db: c.db,
    ...(c.username ? { username: c.username } : {}),
    ...(c.password ? { password: c.password } : {}),
    ...(c.tls ? { tls: { servername: c.host } } : {}),
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  };
}

/** A URL with any password replaced by `***` (also for strings that do not parse as URLs). */
export function redactUrl(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i,
    (_all, scheme: string, cred: string) => {
      const colon = cred.indexOf(':');
      return colon < 0 ? `${scheme}***@` : `${scheme}${cred.slice(0, colon)}:***@`;
    },
  );
}

/** Removes every occurrence of the secrets from a log line or message. */
export function redactText(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length > 0) out = out.split(s).join('***');
    if (s && s.length > 0 && encodeURIComponent(s) !== s)
      out = out.split(encodeURIComponent(s)).join('***');
  }
  return out;
}
