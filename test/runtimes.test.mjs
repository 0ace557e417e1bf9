// The runtime matrix: Node.js 20.19.0 (the lowest supported) and the current 22, 24 and 26,
// Bun and Deno, all installed from npm by test/runtimes/install-runtimes.mjs into a git-ignored
// cache. On each: the golden conformance (golden/cases) of the core, kernel (on worker threads),
// tfjs-cpu and tfjs-wasm engines, straight and resumed (one process), and every ts/js code block
// of README.md and docs/*.md as written, with the packed library installed in a fresh project
// (one process).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  docBlocks,
  freshProject,
  install,
  LIBRARY,
  lockedVersion,
  pack,
  ROOT,
  remove,
  run,
} from './installed-project.mjs';
import { SKIPPED_BLOCKS, writeBlocks } from './runtimes/doc-blocks.mjs';
import { installRuntimes, RUNTIMES } from './runtimes/install-runtimes.mjs';

const GOLDEN_DIR = resolve(process.env.MADGRAD_GOLDEN_DIR ?? join(ROOT, 'golden', 'cases'));
const CHECK = join(ROOT, 'test/runtimes/check-runtime.mjs');
const TFJS = lockedVersion('@tensorflow/tfjs-core');
const ENGINES = ['core', 'kernel', 'tfjs-cpu', 'tfjs-wasm'];
const KERNEL_THREADS = 3;
const TIMEOUT = 180_000;
const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64';

let runtimes = [];
let work;
let project;
let blocks = [];

/** Runs check-runtime.mjs on a runtime and returns its RESULT lines, parsed. */
function check(runtime, args, cwd) {
  const [command, ...prefix] = runtime.command;
  const out = run(command, [...prefix, CHECK, ...args], {
    cwd,
    timeout: TIMEOUT,
    env: { ...runtime.env, NO_COLOR: '1' },
  });
  return out
    .split('\n')
    .filter((line) => line.startsWith('RESULT '))
    .map((line) => JSON.parse(line.slice('RESULT '.length)));
}

describe('runtime matrix', {
  skip: !onLinuxX64 && 'the runtimes come from npm packages for linux-x64',
  concurrency: 2,
}, () => {
  before(
    async () => {
      const started = Date.now();
      // The runtimes install in a child process while the project installs.
      const installing = installRuntimes();
      work = mkdtempSync(join(tmpdir(), 'madgrad-runtimes-'));
      project = freshProject('runtimes');
      install(project, [
        pack(LIBRARY, work),
        `@tensorflow/tfjs@${TFJS}`,
        `@tensorflow/tfjs-core@${TFJS}`,
        `@tensorflow/tfjs-backend-cpu@${TFJS}`,
        `@tensorflow/tfjs-backend-wasm@${TFJS}`,
        `@tensorflow/tfjs-layers@${TFJS}`,
      ]);
      blocks = writeBlocks(ROOT, project, docBlocks(ROOT));
      runtimes = await installing;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`# the runtimes and the project installed in ${seconds} s`);
    },
    { timeout: TIMEOUT },
  );

  after(() => {
    if (work) remove(work);
    if (project) remove(project);
  });

  it('skips only blocks that exist, each with a reason', () => {
    const where = new Set(blocks.map((b) => b.where));
    const names = new Set(RUNTIMES.map((r) => r.name));
    for (const [block, { runtimes: on, reason }] of Object.entries(SKIPPED_BLOCKS)) {
      assert.ok(where.has(block), `skipped block ${block} is not a code block any more`);
      assert.ok(on.length > 0 && on.every((n) => names.has(n)), `${block}: unknown runtimes`);
      assert.ok(reason.length > 0, `skipped block ${block} gives no reason`);
    }
  });

  for (const { name } of RUNTIMES) {
    const runtime = () => runtimes.find((r) => r.name === name);

    it(`${name}: golden conformance of ${ENGINES.join(', ')}, straight and resumed; kernel worker threads start`, {
      timeout: TIMEOUT,
    }, () => {
      const results = check(runtime(), ['conformance', GOLDEN_DIR], ROOT);
      const threads = results.find((r) => r.kind === 'threads');
      assert.deepEqual(threads, {
        kind: 'threads',
        wanted: KERNEL_THREADS,
        started: KERNEL_THREADS,
      });
      const runs = results.filter((r) => r.kind === 'conformance');
      assert.deepEqual(
        runs.map((r) => `${r.engine} ${r.resumeAt ?? 'straight'}`),
        ENGINES.flatMap((e) => [`${e} straight`, `${e} 7`]),
      );
      for (const r of runs) {
        assert.deepEqual(r.failures, [], `${r.engine} resumed at ${r.resumeAt}`);
        assert.ok(r.cases > 0 && r.passed === r.cases, `${r.engine} resumed at ${r.resumeAt}`);
      }
      const afterRuns = results.find((r) => r.kind === 'threads-after');
      assert.equal(afterRuns?.started, KERNEL_THREADS, 'the workers still run after the cases');
    });

    it(`${name}: the code blocks of README.md and docs/*.md run as written`, {
      timeout: TIMEOUT,
    }, (t) => {
      const r = runtime();
      const skipped = (b) => SKIPPED_BLOCKS[b.where]?.runtimes.includes(name);
      for (const b of blocks.filter(skipped)) {
        t.diagnostic(`skipped ${b.where}: ${SKIPPED_BLOCKS[b.where].reason}`);
      }
      const chosen = blocks.filter((b) => !skipped(b));
      const files = chosen.map((b) => (r.ts === 'strip' ? b.asWritten : b.javascript));
      let results;
      try {
        results = check(r, ['docs', ...files], project);
      } catch (e) {
        const started = [...e.message.matchAll(/^RESULT (\{"kind":"block-start".*)$/gm)];
        const file = started.length > 0 ? JSON.parse(started.at(-1)[1]).file : undefined;
        const block = chosen.find((b) => b.asWritten === file || b.javascript === file);
        throw new Error(`${name}: ${block?.where ?? 'a code block'} failed\n${e.message}`);
      }
      const done = results.filter((x) => x.kind === 'block-done').map((x) => x.file);
      assert.deepEqual(done, files);
    });
  }
});
