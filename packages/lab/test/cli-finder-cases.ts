import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { Command } from 'commander';
import { main } from '../src/cli/madgrad.js';
import { buildProgram } from '../src/cli/program.js';
import { MAX_EPOCHS, MAX_JOBS, MAX_SEED, MAX_SEEDS } from '../src/experiments/plan-schema.js';

/**
 * The finder's cases, run in a worker thread (cli-finder.test.ts watches its time and memory):
 * random hostile argument vectors given to main(argv) in-process, stopped just before the
 * command's action, and random mutations of plan.json, ablation.json and runs/ given to
 * `madgrad-lab report`. Each must succeed or fail with one bounded line, exit code 1, no stack
 * trace, and (report) write nothing when it fails.
 */

export interface FinderInput {
  readonly seed: number;
  readonly argvCases: number;
  readonly fileCases: number;
  readonly dir: string;
}

/** What the worker posts before and after each case. */
export type FinderMessage =
  | { readonly type: 'start'; readonly label: string }
  | { readonly type: 'problem'; readonly label: string; readonly problem: string }
  | {
      readonly type: 'done';
      readonly cases: number;
      /** Argument vectors accepted and report cases that wrote a report. */
      readonly accepted: number;
      readonly reported: number;
    };

/** A small seeded generator (mulberry32). */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof generator>;

const HOSTILE_TEXT = [
  '1e300',
  '1e8',
  '1000000',
  '1e9',
  '1001',
  '1000',
  '257',
  '-5',
  '-0',
  '0',
  '1',
  '2',
  '1.5',
  'NaN',
  'Infinity',
  '0x10',
  '99999999999999999999',
  '',
  ' ',
  'x',
  '\n',
  'a\nb',
  '\u001b[31m',
  '<script>',
  "'",
  '"',
  '%s',
  '$(id)',
  '__proto__',
  'constructor',
  ',,,',
  'sparse,sparse',
  'digits,cifar',
  'smoke',
  'huge',
  'sgd',
  'da',
  '--',
  '-h',
  '--help',
  'redis://127.0.0.1:9',
  'http://x',
  'A'.repeat(5000),
];

/** Plausible values per option, so that some vectors pass and their numbers are checked. */
const PLAUSIBLE: Record<string, readonly string[]> = {
  '--preset': ['smoke', 'quick', 'standard', 'full'],
  '--tasks': ['sparse', 'digits', 'digits,g2p'],
  '--task': ['sparse', 'digits'],
  '--methods': ['sgd', 'madgrad,adam'],
  '--method': ['sgd', 'madgrad'],
  '--backend': ['cpu', 'wasm'],
  '--queue': ['redis://127.0.0.1:9'],
};

function valueFor(rng: Rng, flag: string, dir: string): string {
  if (rng.next() < 0.4) {
    if (flag === '--out') return join(dir, `out-${rng.int(1000)}`);
    return rng.pick(PLAUSIBLE[flag] ?? ['1', '2', '3', '100', '1000', '0']);
  }
  return rng.pick(HOSTILE_TEXT);
}

/** A random argument vector: a command, some of its options (values mostly hostile), junk. */
function randomArgv(rng: Rng, program: Command, dir: string): string[] {
  const args: string[] = [];
  const roll = rng.next();
  if (roll < 0.05) return ['node', 'madgrad'];
  if (roll < 0.1) args.push(rng.pick(HOSTILE_TEXT));
  const command = rng.pick(program.commands);
  args.push(command.name());
  const options = command.options;
  for (const required of options.filter((o) => o.mandatory)) {
    if (rng.next() < 0.9) args.push(required.long!, valueFor(rng, required.long!, dir));
  }
  const count = rng.int(5);
  for (let i = 0; i < count; i++) {
    const o = rng.pick(options);
    args.push(o.long!);
    if (o.required || o.optional) args.push(valueFor(rng, o.long!, dir));
  }
  if (rng.next() < 0.1) args.push(rng.pick(HOSTILE_TEXT));
  if (rng.next() < 0.05) args.push(rng.pick(['--unknown', '-z', '--jobs']));
  return ['node', 'madgrad', ...args];
}

/** Thrown instead of running a command's action: the arguments were accepted. */
class Accepted extends Error {
  constructor(readonly options: Record<string, unknown>) {
    super('accepted');
  }
}
/** Thrown instead of exiting the thread. */
class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** The numbers of accepted options are finite, and the lab's counts within their bounds. */
function boundsProblem(options: Record<string, unknown>): string | undefined {
  const bounds: Record<string, [number, number]> = {
    seeds: [1, MAX_SEEDS],
    jobs: [0, MAX_JOBS],
    seed: [0, MAX_SEED],
    epochs: [1, MAX_EPOCHS],
  };
  for (const [key, value] of Object.entries(options)) {
    if (typeof value !== 'number') continue;
    if (!Number.isFinite(value)) return `--${key} accepted as ${value}`;
    const range = bounds[key];
    if (range && (value < range[0] || value > range[1])) return `--${key} accepted as ${value}`;
  }
  return undefined;
}

interface Outcome {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly accepted?: Record<string, unknown>;
  readonly thrown?: unknown;
}

/** Runs main(argv) with the console, process.exit and the exit code captured. */
async function runMain(argv: string[], stopBeforeAction: boolean): Promise<Outcome> {
  let out = '';
  let err = '';
  const program = buildProgram({
    writeOut: (t) => {
      out += t;
    },
    writeErr: (t) => {
      err += t;
    },
  });
  if (stopBeforeAction) {
    for (const command of program.commands) {
      command.hook('preAction', (_this, action) => {
        throw new Accepted(action.opts());
      });
    }
  }
  const saved = { log: console.log, error: console.error, warn: console.warn, exit: process.exit };
  console.log = (...xs: unknown[]) => {
    out += `${xs.join(' ')}\n`;
  };
  console.error = console.warn = (...xs: unknown[]) => {
    err += `${xs.join(' ')}\n`;
  };
  process.exit = ((code?: number) => {
    throw new Exited(code ?? 0);
  }) as typeof process.exit;
  process.exitCode = undefined;
  try {
    await main(argv, program);
    return { code: Number(process.exitCode ?? 0), out, err };
  } catch (e) {
    if (e instanceof Accepted) return { code: 0, out, err, accepted: e.options };
    if (e instanceof Exited) return { code: e.code, out, err };
    return { code: -1, out, err, thrown: e };
  } finally {
    Object.assign(console, { log: saved.log, error: saved.error, warn: saved.warn });
    process.exit = saved.exit;
    process.exitCode = undefined;
  }
}

/** Why an outcome breaks the rules, if it does. */
function outcomeProblem(o: Outcome): string | undefined {
  if (o.thrown !== undefined) {
    return `threw ${o.thrown instanceof Error ? o.thrown.stack : String(o.thrown)}`.slice(0, 2000);
  }
  if (/\n\s+at /.test(o.err)) return `a stack trace on stderr: ${o.err.slice(0, 2000)}`;
  if (o.code === 0) return o.accepted ? boundsProblem(o.accepted) : undefined;
  if (o.code !== 1) return `exit code ${o.code}: ${o.err.slice(0, 500)}`;
  const lines = o.err.trimEnd().split('\n');
  if (lines.length !== 1 || lines[0] === '')
    return `${lines.length} lines on stderr: ${o.err.slice(0, 2000)}`;
  if (lines[0]!.length > 500) return `a line of ${lines[0]!.length} characters`;
  return undefined;
}

const BASE_PLAN = { preset: 'smoke', tasks: ['sparse'], methods: ['sgd'], seeds: 1 };
const BASE_ABLATION = { preset: 'smoke', tasks: ['digits'], methods: ['sgd'], seeds: 1 };
const HOSTILE_JSON: unknown[] = [
  null,
  true,
  1e300,
  -5,
  0,
  1.5,
  1e8,
  1001,
  1000,
  2 ** 53,
  -0,
  'x',
  '<script>alert(1)</script>',
  'A'.repeat(5000),
  [],
  {},
  ['sparse', 'sparse'],
  ['__proto__'],
  ['digits', 'g2p', 'kspace', 'mlm'],
  { sparse: { train: '<b>', val: 1, test: 1, epochs: 1, batchSize: 1, width: 0 } },
  { sparse: { train: 8, val: 4, test: 4, epochs: 1, batchSize: 4, width: 0 } },
  { kind: 'stepwise', milestones: [0.5], factor: 0.1 },
];

/** One random change to a JSON value: replace, delete or add a node. */
function mutateValue(rng: Rng, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || rng.next() < 0.15) {
    return rng.pick(HOSTILE_JSON);
  }
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const roll = rng.next();
  if (roll < 0.15 && keys.length > 0) {
    if (Array.isArray(copy)) copy.splice(rng.int(copy.length), 1);
    else delete copy[rng.pick(keys)];
  } else if (roll < 0.25 || keys.length === 0) {
    (copy as Record<string, unknown>)[rng.pick(['sizes', 'schedule', 'extra', '__proto__', '0'])] =
      rng.pick(HOSTILE_JSON);
  } else {
    const key = rng.pick(keys);
    (copy as Record<string, unknown>)[key] = mutateValue(
      rng,
      (copy as Record<string, unknown>)[key],
    );
  }
  return copy;
}

/** Changes that keep a file valid, so that reports are written too (and their numbers bounded). */
const VALID_PATCHES: readonly Record<string, unknown>[] = [
  {},
  { seeds: 1000 },
  { seeds: 3, preset: 'full' },
  { sizes: { sparse: { train: 8, val: 4, test: 4, epochs: 10_000, batchSize: 4, width: 0 } } },
  { schedule: { kind: 'warmup-polynomial', warmup: 10, power: 1 } },
];

/** The text of a mutated file: a JSON mutation, sometimes damaged as text too. */
function mutatedText(rng: Rng, base: unknown): string {
  if (rng.next() < 0.3) return JSON.stringify({ ...(base as object), ...rng.pick(VALID_PATCHES) });
  let text = JSON.stringify(mutateValue(rng, base));
  const roll = rng.next();
  if (roll < 0.1) text = text.slice(0, rng.int(text.length));
  else if (roll < 0.2) {
    const at = rng.int(text.length + 1);
    text = `${text.slice(0, at)}${rng.pick(['{', '"', '\\', ',', '\u0000', '\ud800'])}${text.slice(at)}`;
  } else if (roll < 0.25) text = rng.pick(['', 'null', '[[[[[[[[', '{"a":1}{', '\ufeff{}']);
  return text;
}

/** An output directory holding mutated input files; returns its path and a label. */
function mutatedOutDir(rng: Rng, dir: string, index: number): { out: string; label: string } {
  const out = join(dir, `report-${index}`);
  mkdirSync(out, { recursive: true });
  const parts: string[] = [];
  const which = rng.int(3);
  if (which !== 1) {
    const text = mutatedText(rng, BASE_PLAN);
    writeFileSync(join(out, 'plan.json'), text);
    parts.push(`plan.json=${text.slice(0, 200)}`);
  }
  if (which !== 0) {
    const text = mutatedText(rng, BASE_ABLATION);
    writeFileSync(join(out, 'ablation.json'), text);
    parts.push(`ablation.json=${text.slice(0, 200)}`);
  }
  const runs = rng.int(6);
  if (runs === 0) {
    writeFileSync(join(out, 'runs'), 'not a directory');
    parts.push('runs is a file');
  } else if (runs === 1) {
    mkdirSync(join(out, 'runs', 'x.json'), { recursive: true });
    writeFileSync(join(out, 'runs', 'y.json'), mutatedText(rng, { id: 'y', status: 'ok' }));
    parts.push('runs/ holds a folder and a damaged file');
  }
  return { out, label: `report: ${parts.join('; ')}` };
}

const REPORT_FILES = ['README.md', 'index.html', 'results.json'];

/** `madgrad-lab report` on a mutated directory: whether it wrote a report, and any problem. */
async function reportCase(out: string): Promise<{ reported: boolean; problem?: string }> {
  const before = readdirSync(out).sort().join(',');
  const o = await runMain(['node', 'madgrad', 'report', '--out', out], false);
  const problem = outcomeProblem(o);
  if (problem) return { reported: false, problem };
  if (o.code === 1) {
    const after = readdirSync(out).sort().join(',');
    if (after === before) return { reported: false };
    return { reported: false, problem: `refused but wrote: ${before} -> ${after}` };
  }
  for (const name of REPORT_FILES) {
    if (!existsSync(join(out, name))) return { reported: true, problem: `no ${name}` };
  }
  for (const name of ['README.md', 'index.html']) {
    if (/<script/i.test(readFileSync(join(out, name), 'utf8'))) {
      return { reported: true, problem: `${name} holds <script` };
    }
  }
  return { reported: true };
}

async function runCases(input: FinderInput): Promise<void> {
  const post = (m: FinderMessage) => parentPort!.postMessage(m);
  const rng = generator(input.seed);
  const program = buildProgram();
  let accepted = 0;
  for (let i = 0; i < input.argvCases; i++) {
    const argv = randomArgv(rng, program, input.dir);
    const label = `argv ${JSON.stringify(argv.slice(2).map((a) => a.slice(0, 60)))}`;
    post({ type: 'start', label });
    const o = await runMain(argv, true);
    if (o.accepted) accepted += 1;
    const problem = outcomeProblem(o);
    if (problem) post({ type: 'problem', label, problem });
  }
  let reported = 0;
  for (let i = 0; i < input.fileCases; i++) {
    const { out, label } = mutatedOutDir(rng, input.dir, i);
    post({ type: 'start', label });
    const result = await reportCase(out);
    if (result.reported) reported += 1;
    if (result.problem) post({ type: 'problem', label, problem: result.problem });
  }
  post({ type: 'done', cases: input.argvCases + input.fileCases, accepted, reported });
}

if (parentPort && workerData) await runCases(workerData as FinderInput);
