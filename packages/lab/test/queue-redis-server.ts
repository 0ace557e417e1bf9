import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (asked of the OS). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A private redis-server for one test file: 127.0.0.1, a random free port, a random password, no
 * persistence (`--save ''`), in a temporary directory. `restart` stops it and starts it again on
 * the same port (its data is lost, as with a crash of a Redis that keeps none).
 */
export class TestRedis {
  readonly password = `pw-${randomBytes(12).toString('hex')}`;
  readonly dir = mkdtempSync(join(tmpdir(), 'madgrad-redis-'));
  port = 0;
  private process: ChildProcess | null = null;

  /** The URL with the password in it. */
  get url(): string {
    return `redis://:${this.password}@127.0.0.1:${this.port}/0`;
  }

  /** The URL without a password (give the password through MADGRAD_QUEUE_PASSWORD). */
  get bareUrl(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn(
      '/usr/bin/redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--requirepass', this.password].concat([
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
      ]),
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start: ${out}`)),
        10_000,
      );
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (/Ready to accept connections/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}: ${out}`));
      });
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async restart(): Promise<void> {
    await this.stop('SIGKILL');
    await this.start();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
