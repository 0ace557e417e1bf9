// The ts/js code blocks of README.md and docs/*.md (installed-project.mjs's docBlocks), written
// into an installed project for the runtimes to run as written.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Blocks that a runtime cannot run, by `where` (file:line of the fence): the runtimes (names of
 * install-runtimes.mjs's RUNTIMES) and the reason, e.g.
 * `'docs/x.md:12': { runtimes: ['deno-2.9.6'], reason: 'needs indexeddb' }`. The line moves when
 * the file above the block changes; an entry that matches no block fails the test. Every block
 * runs on every runtime today.
 */
export const SKIPPED_BLOCKS = {};

/**
 * Writes each block into `project/docs-run/` as written (.ts or .mjs), and a JavaScript copy
 * of each TypeScript block (types removed by TypeScript's transpiler, nothing checked) into
 * `project/docs-js/` for runtimes that cannot run TypeScript. Returns, per block, both paths
 * relative to the project.
 */
export function writeBlocks(root, project, blocks) {
  const ts = createRequire(join(root, 'package.json'))('typescript');
  mkdirSync(join(project, 'docs-run'), { recursive: true });
  mkdirSync(join(project, 'docs-js'), { recursive: true });
  return blocks.map((block) => {
    const asWritten = `docs-run/${block.name}.${block.lang === 'ts' ? 'ts' : 'mjs'}`;
    writeFileSync(join(project, asWritten), block.source);
    if (block.lang !== 'ts') return { ...block, asWritten, javascript: asWritten };
    const javascript = `docs-js/${block.name}.mjs`;
    const { outputText } = ts.transpileModule(block.source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(project, javascript), outputText);
    return { ...block, asWritten, javascript };
  });
}
