import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'madgrad.js');

/** A running `madgrad` CLI: its process, its exit code, and its stdout and stderr so far. */
export interface Cli {
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;
  output(): string;
}

/**
 * The lab's CLI run as child processes; `killAll` ends those still running (a test's `after`).
 * By default the CLI is this checkout's; `cli` names another (an installed package's bin, with
 * `cwd` its project), and `start` runs any other command in the same way.
 */
export class CliProcesses {
  private readonly running = new Set<ChildProcess>();

  constructor(
    private readonly cli: readonly [string, ...string[]] = [process.execPath, CLI],
    private readonly cwd?: string,
  ) {}

  /** Starts `madgrad <args>` with `env` added to this process's environment. */
  run(args: readonly string[], env: Record<string, string> = {}): Cli {
    const [command, ...prefix] = this.cli;
    return this.start(command, [...prefix, ...args], env);
  }

  /** Starts `command <args>` with `env` added to this process's environment. */
  start(command: string, args: readonly string[], env: Record<string, string> = {}): Cli {
    const child = spawn(command, args, {
      cwd: this.cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.running.add(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const exit = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        this.running.delete(child);
        resolve(code);
      }),
    );
    return { child, exit, output: () => output };
  }

  killAll(): void {
    for (const child of this.running) child.kill('SIGKILL');
  }
}
