// The library as a user installs it: the packed tarball installed into a fresh project, with
// tfjs at the highest version of its peer range. Checks what the tarball holds, its source maps,
// the types under every moduleResolution, ESM and CommonJS, every ts/js code block of README.md
// and docs/*.md as written, the examples, and a browser bundle in Chromium.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  assertRequireNeedsImport,
  copyInto,
  docBlocks,
  freshProject,
  install,
  LIBRARY,
  lockedVersion,
  pack,
  ROOT,
  remove,
  run,
  TSC,
} from './installed-project.mjs';

const FIXTURES = join(ROOT, 'test/fixtures');
const CHROMIUM = process.env.MADGRAD_CHROMIUM ?? '/usr/bin/chromium';
const TFJS = lockedVersion('@tensorflow/tfjs-core');
/** Each entry point's exports: { [entry]: { file, values, types } } (packages/madgrad/test). */
const ENTRIES = JSON.parse(readFileSync(join(LIBRARY, 'test/entry-points.json'), 'utf8'));

const BLOCKS = docBlocks(ROOT);
const EXAMPLES = readdirSync(join(LIBRARY, 'examples')).filter((f) => f.endsWith('.ts'));

let work;
let project;
let tarball;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'madgrad-pack-'));
  tarball = pack(LIBRARY, work);
  project = freshProject('library');
  install(project, [
    tarball,
    `@tensorflow/tfjs@${TFJS}`,
    `@tensorflow/tfjs-core@${TFJS}`,
    `@tensorflow/tfjs-backend-cpu@${TFJS}`,
    `@tensorflow/tfjs-backend-wasm@${TFJS}`,
    `@tensorflow/tfjs-layers@${TFJS}`,
    `@types/node@${lockedVersion('@types/node')}`,
  ]);
});

after(() => {
  remove(work);
  remove(project);
});

describe('the tarball', () => {
  it('holds the library, its types, LICENSE and README, and nothing else', () => {
    const files = run('tar', ['-tzf', tarball])
      .trim()
      .split('\n')
      .map((f) => f.replace(/^package\//, ''));
    const allowed = [
      /^(package\.json|README\.md|LICENSE)$/,
      /^cjs\/[\w-]+\.(cjs|d\.cts)$/,
      /^dist\/src\/([\w-]+\/)*[\w-]+\.(js|d\.ts|js\.map)$/,
    ];
    const unexpected = files.filter((f) => !allowed.some((re) => re.test(f)));
    assert.deepEqual(unexpected, [], 'files that are not the library');
    for (const needed of [
      'LICENSE',
      'README.md',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/tfjs/index.js',
      'dist/src/tfjs/index.d.ts',
      'dist/src/experimental.js',
      'dist/src/experimental.d.ts',
      'dist/src/tfjs/experimental.js',
      'dist/src/tfjs/experimental.d.ts',
      'cjs/index.cjs',
      'cjs/tfjs.cjs',
      'cjs/experimental.cjs',
      'cjs/tfjs-experimental.cjs',
    ]) {
      assert.ok(files.includes(needed), `${needed} is missing`);
    }
    assert.ok(!files.some((f) => f.startsWith('dist/test') || f.includes('/assembly/')));
  });

  it('has no source map that points at a missing file', () => {
    const installed = join(project, 'node_modules/madgrad');
    const jsFiles = run('find', [installed, '-name', '*.js']).trim().split('\n');
    let maps = 0;
    for (const js of jsFiles) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(js, 'utf8'))?.[1];
      if (!url) continue;
      const mapFile = join(dirname(js), url);
      assert.ok(existsSync(mapFile), `${relative(installed, js)} points at a missing ${url}`);
      const map = JSON.parse(readFileSync(mapFile, 'utf8'));
      map.sources.forEach((source, i) => {
        const embedded = typeof map.sourcesContent?.[i] === 'string';
        assert.ok(
          embedded || existsSync(join(dirname(mapFile), source)),
          `${relative(installed, mapFile)}: ${source} is neither embedded nor shipped`,
        );
      });
      maps += 1;
    }
    assert.ok(maps > 10, `only ${maps} maps checked`);
  });
});

describe('types of the installed package', () => {
  const modes = {
    node10: { module: 'esnext', moduleResolution: 'node10' },
    node16: { module: 'node16', moduleResolution: 'node16' },
    nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
    bundler: { module: 'esnext', moduleResolution: 'bundler' },
  };
  for (const [mode, options] of Object.entries(modes)) {
    it(`type-check a consumer under moduleResolution ${mode}`, () => {
      copyInto(project, join(FIXTURES, 'consumer.ts'), 'consumer.ts');
      copyInto(project, join(FIXTURES, 'experimental-consumer.ts'), 'experimental-consumer.ts');
      const config = {
        // skipLibCheck: tfjs-core's own declarations do not check (they name an undeclared `Long`).
        compilerOptions: {
          ...options,
          target: 'es2022',
          strict: true,
          skipLibCheck: true,
          types: ['node'],
          ...(mode === 'nodenext' ? { outDir: 'esm' } : { noEmit: true }),
        },
        files: ['consumer.ts', 'experimental-consumer.ts'],
      };
      writeFileSync(join(project, `tsconfig.${mode}.json`), JSON.stringify(config));
      run('node', [TSC, '-p', `tsconfig.${mode}.json`], { cwd: project });
    });
  }
});

describe('types of the installed package, from CommonJS', () => {
  for (const mode of ['node16', 'nodenext']) {
    it(`type-check a require() consumer under moduleResolution ${mode}`, () => {
      copyInto(project, join(FIXTURES, 'consumer.cts'), 'consumer.cts');
      copyInto(project, join(FIXTURES, 'experimental-consumer.cts'), 'experimental-consumer.cts');
      const options = ['--module', mode, '--target', 'es2022', '--strict', '--skipLibCheck'];
      const files = ['consumer.cts', 'experimental-consumer.cts'];
      run('node', [TSC, ...options, '--types', 'node', '--noEmit', ...files], { cwd: project });
    });
  }
});

describe('the installed package runs', () => {
  it('as an ES module (the consumer, as compiled under nodenext above)', () => {
    assert.match(run('node', ['esm/consumer.js'], { cwd: project }), /consumer: core/);
    assert.match(
      run('node', ['esm/experimental-consumer.js'], { cwd: project }),
      /experimental consumer: ok/,
    );
  });

  it('each entry exports exactly its list of values, with import and with require()', () => {
    const script = [
      "import { createRequire } from 'node:module';",
      'const require = createRequire(import.meta.url);',
      'const found = {};',
      `for (const entry of ${JSON.stringify(Object.keys(ENTRIES))}) {`,
      '  const esm = Object.keys(await import(entry)).sort();',
      '  found[entry] = { esm, cjs: Object.keys(require(entry)).sort() };',
      '}',
      'console.log(JSON.stringify(found));',
    ].join('\n');
    writeFileSync(join(project, 'exports-check.mjs'), script);
    const found = JSON.parse(run('node', ['exports-check.mjs'], { cwd: project }));
    for (const [entry, { values }] of Object.entries(ENTRIES)) {
      const expected = [...values].sort();
      assert.deepEqual(found[entry], { esm: expected, cjs: expected }, entry);
    }
  });

  it('with require() where Node.js can require ES modules', () => {
    copyInto(project, join(FIXTURES, 'require.cjs'), 'require.cjs');
    assert.match(run('node', ['require.cjs'], { cwd: project }), /require: ok/);
    copyInto(project, join(FIXTURES, 'require-experimental.cjs'), 'require-experimental.cjs');
    assert.match(
      run('node', ['require-experimental.cjs'], { cwd: project }),
      /require experimental: ok/,
    );
  });

  it('and says what to do where Node.js cannot require ES modules', () => {
    for (const entry of Object.keys(ENTRIES)) assertRequireNeedsImport(project, entry);
  });

  it(`with @tensorflow/tfjs-core ${TFJS}, the top of the peer range: every step path, saved models`, () => {
    copyInto(project, join(FIXTURES, 'tfjs-check.mjs'), 'tfjs-check.mjs');
    assert.match(
      run('node', ['tfjs-check.mjs'], { cwd: project }),
      new RegExp(`tfjs ${TFJS.replace(/\./g, '\\.')}:`),
    );
  });
});

describe('code blocks of README.md and docs/*.md, and the examples, run as written', () => {
  let diagnostics = '';
  before(() => {
    mkdirSync(join(project, 'docs-run'), { recursive: true });
    const files = [];
    for (const block of BLOCKS) {
      const file = `docs-run/${block.name}.${block.lang === 'ts' ? 'ts' : 'mjs'}`;
      writeFileSync(join(project, file), block.source);
      if (block.lang === 'ts') files.push(file);
    }
    for (const example of EXAMPLES) {
      copyInto(project, join(LIBRARY, 'examples', example), `docs-run/example-${example}`);
      files.push(`docs-run/example-${example}`);
    }
    const config = {
      compilerOptions: {
        module: 'nodenext',
        target: 'es2022',
        strict: true,
        types: ['node'],
        outDir: 'docs-out',
        rootDir: 'docs-run',
        skipLibCheck: true,
      },
      files,
    };
    writeFileSync(join(project, 'tsconfig.docs.json'), JSON.stringify(config));
    try {
      run('node', [TSC, '-p', 'tsconfig.docs.json'], { cwd: project });
    } catch (e) {
      diagnostics = e.message; // reported per file below; tsc still emits
    }
  });

  const errorsOf = (file) =>
    diagnostics.split('\n').filter((l) => l.startsWith(`docs-run/${file}`));

  for (const block of BLOCKS) {
    it(`${block.where} (${block.lang})`, { timeout: 120_000 }, () => {
      const source = block.lang === 'ts' ? `${block.name}.ts` : `${block.name}.mjs`;
      assert.deepEqual(errorsOf(source), [], `${block.where} does not type-check`);
      const compiled = block.lang === 'ts' ? `docs-out/${block.name}.js` : `docs-run/${source}`;
      run('node', [compiled], { cwd: project, timeout: 120_000 });
    });
  }

  for (const example of EXAMPLES) {
    it(`examples/${example}`, { timeout: 120_000 }, () => {
      assert.deepEqual(
        errorsOf(`example-${example}`),
        [],
        `examples/${example} does not type-check`,
      );
      run('node', [`docs-out/example-${basename(example, '.ts')}.js`], {
        cwd: project,
        timeout: 120_000,
      });
    });
  }
});

describe('a browser bundle of the installed package', {
  skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}`,
}, () => {
  it('runs in Chromium: a core step, and models with every schedule saved to indexeddb:// load and keep training', {
    timeout: 120_000,
  }, async () => {
    const { build } = await import('esbuild');
    const { chromium } = await import('playwright-core');
    const site = join(project, 'site');
    mkdirSync(site, { recursive: true });
    copyInto(project, join(FIXTURES, 'browser-entry.mjs'), 'browser-entry.mjs');
    await build({
      absWorkingDir: project,
      entryPoints: ['browser-entry.mjs'],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      outfile: 'site/bundle.js',
      logLevel: 'error',
    });
    writeFileSync(
      join(site, 'index.html'),
      '<!doctype html><meta charset="utf-8"><script type="module" src="bundle.js"></script>',
    );
    const server = createServer((request, response) => {
      const file = join(site, request.url === '/' ? 'index.html' : basename(request.url));
      if (!existsSync(file)) return response.writeHead(404).end();
      response.writeHead(200, {
        'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html',
      });
      response.end(readFileSync(file));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const profile = mkdtempSync(join(tmpdir(), 'madgrad-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
    });
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${server.address().port}/`);
      await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 100_000 });
      const result = await page.evaluate(() => window.__result);
      assert.ok(result.ok, result.error);
      assert.equal(result.report.length, 13, result.report.join('\n'));
      assert.match(result.report[0], /core step on wasm kernels/);
    } finally {
      await context.close();
      server.close();
      remove(profile);
    }
  });
});
