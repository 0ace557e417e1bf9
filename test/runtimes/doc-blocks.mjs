// The ts/js code blocks of README.md and docs/*.md, as test/installed-library.test.mjs collects
// them, written into an installed project for the runtimes to run as written.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Every ```ts / ```js block: { name, source, lang, where }. */
export function docBlocks(root) {
  const files = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => `docs/${f}`),
  ];
  const blocks = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const fence = /^```(\w*)[^\n]*\n([\s\S]*?)^```/gm;
    for (let m = fence.exec(text); m; m = fence.exec(text)) {
      const lang = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js' }[m[1]];
      if (!lang) continue;
      const line = text.slice(0, m.index).split('\n').length;
      const name = `doc-${file.replace(/\.md$/, '').replace(/[^\w]+/g, '-')}-line-${line}`;
      blocks.push({ name, source: m[2], lang, where: `${file}:${line}` });
    }
  }
  return blocks;
}

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
