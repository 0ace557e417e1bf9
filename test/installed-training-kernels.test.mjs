// tfjs-wasm-training-kernels as a user installs it: the packed tarball (what it holds, its
// package.json fields, its README's links) installed into fresh projects with tfjs at the top of
// its peer range (the locked version) and at the bottom. At both, a conv net and an embedding
// model train with model.fit on wasm; at the top, the package loads with require(), its types
// check from ES modules and CommonJS, and every code block of its README and the "Use" block of
// docs/training-kernels.md run as written.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  assertRequireNeedsImport,
  copyInto,
  freshProject,
  install,
  lockedVersion,
  pack,
  ROOT,
  remove,
  run,
  TRAINING_KERNELS,
  TSC,
} from './installed-project.mjs';

const FIXTURES = join(ROOT, 'test/fixtures');
const NAME = 'tfjs-wasm-training-kernels';
const REPOSITORY = 'https://github.com/madgrad-js/madgrad/';
const MANIFEST = JSON.parse(readFileSync(join(TRAINING_KERNELS, 'package.json'), 'utf8'));
const PEERS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm'];
const TOP = lockedVersion('@tensorflow/tfjs-core');

/** The lowest version the package's peer range of `name` admits (`^4.6.0` -> 4.6.0). */
function lowestPeer(name) {
  const range = MANIFEST.peerDependencies[name];
  const match = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!match) throw new Error(`unexpected peer range ${range} of ${name}: teach lowestPeer it`);
  return match[1];
}

const LOWEST = lowestPeer('@tensorflow/tfjs-core');

/** The fenced blocks of a Markdown file: { lang, source, line }. */
function fencedBlocks(file) {
  const text = readFileSync(file, 'utf8');
  const fence = /^```(\w*)[^\n]*\n([\s\S]*?)^```/gm;
  const blocks = [];
  for (let m = fence.exec(text); m; m = fence.exec(text)) {
    blocks.push({ lang: m[1], source: m[2], line: text.slice(0, m.index).split('\n').length });
  }
  return blocks;
}

/** The README's js blocks and the first block under "## Use" of docs/training-kernels.md. */
function runnableBlocks() {
  const readme = fencedBlocks(join(TRAINING_KERNELS, 'README.md'))
    .filter((b) => b.lang === 'js')
    .map((b) => ({ ...b, where: `packages/${NAME}/README.md:${b.line}` }));
  const docs = join(ROOT, 'docs/training-kernels.md');
  const useLine = readFileSync(docs, 'utf8').split('\n').indexOf('## Use') + 1;
  const use = fencedBlocks(docs).find((b) => useLine > 0 && b.line > useLine);
  return [...readme, { ...use, where: `docs/training-kernels.md:${use?.line} (Use)` }];
}

/** Links of a Markdown file outside code. */
function links(file) {
  const text = readFileSync(file, 'utf8')
    .replace(/^```[\s\S]*?^```/gm, '')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

let work;
let tarball;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'madgrad-pack-'));
  tarball = pack(TRAINING_KERNELS, work);
});

after(() => remove(work));

/** fit.mjs in `project` (tfjs at `version`): the models train on wasm as on cpu. */
function assertTrainsOnWasm(project, version) {
  copyInto(project, join(FIXTURES, 'training-kernels-fit.mjs'), 'fit.mjs');
  const out = run('node', ['fit.mjs'], { cwd: project, timeout: 60_000 });
  assert.match(out, new RegExp(`^tfjs ${version.replace(/\./g, '\\.')};`, 'm'));
  assert.match(out, /^conv net, faster kernels: .* agree$/m);
}

describe('the tarball', () => {
  const files = () =>
    run('tar', ['-tzf', tarball])
      .trim()
      .split('\n')
      .map((f) => f.replace(/^package\//, ''));
  const packed = (file) => run('tar', ['-xzOf', tarball, `package/${file}`]);

  it('holds the ES module, the CommonJS entry, their types, README.md and LICENSE, and nothing else', () => {
    const allowed = [
      /^(package\.json|README\.md|LICENSE)$/,
      /^cjs\/[\w-]+\.(cjs|d\.cts)$/,
      /^dist\/src\/[\w-]+\.(js|d\.ts|js\.map)$/,
    ];
    const listed = files();
    assert.deepEqual(
      listed.filter((f) => !allowed.some((re) => re.test(f))),
      [],
      'files that are not the package',
    );
    const { exports } = MANIFEST;
    for (const needed of [
      'README.md',
      'LICENSE',
      exports['.'].import.default,
      exports['.'].import.types,
      exports['.'].require.default,
      exports['.'].require.types,
      MANIFEST.main,
      MANIFEST.types,
    ]) {
      assert.ok(listed.includes(needed.replace(/^\.\//, '')), `${needed} is missing`);
    }
    assert.equal(packed('LICENSE'), readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
  });

  it('carries the fields an npm user needs: repository, homepage, bugs, keywords, peers', () => {
    const manifest = JSON.parse(packed('package.json'));
    assert.deepEqual(manifest.repository, {
      type: 'git',
      url: 'git+https://github.com/madgrad-js/madgrad.git',
      directory: `packages/${NAME}`,
    });
    assert.equal(manifest.homepage, `${REPOSITORY}tree/main/packages/${NAME}#readme`);
    assert.equal(manifest.bugs.url, `${REPOSITORY}issues`);
    assert.equal(manifest.license, 'MIT');
    assert.ok(manifest.keywords.includes('tfjs') && manifest.keywords.includes('wasm'));
    for (const peer of PEERS) assert.equal(manifest.peerDependencies[peer], `^${LOWEST}`, peer);
  });

  it('has source maps that carry their sources', () => {
    const maps = files().filter((f) => f.endsWith('.js.map'));
    assert.ok(maps.length > 10, `only ${maps.length} maps`);
    for (const file of maps) {
      const map = JSON.parse(packed(file));
      assert.equal(map.sourcesContent?.length, map.sources.length, `${file} lacks its sources`);
    }
  });

  it('README.md links into the repository by absolute URL, to files that exist, and to the full docs', () => {
    const found = links(join(TRAINING_KERNELS, 'README.md'));
    assert.ok(found.includes(`${REPOSITORY}blob/main/docs/training-kernels.md`));
    assert.ok(found.includes(`${REPOSITORY}tree/main/docs/api`));
    for (const link of found) {
      assert.match(link, /^(https:|#)/, `${link}: README.md ships alone, link absolutely`);
      if (!link.startsWith(REPOSITORY) || link === `${REPOSITORY}issues`) continue;
      const path = /^(?:blob|tree)\/main\/([^#]*)/.exec(link.slice(REPOSITORY.length))?.[1];
      assert.ok(path !== undefined, `${link}: not a blob/main or tree/main link`);
      // docs/api is the generated API reference (`npm run docs`), not a file of this checkout.
      if (path === 'docs/api') continue;
      assert.ok(existsSync(join(ROOT, decodeURIComponent(path))), `${path} does not exist`);
    }
  });
});

describe(`installed with tfjs ${TOP}, the top of the peer range`, () => {
  let project;

  before(() => {
    project = freshProject('training-kernels');
    install(project, [
      tarball,
      ...['tfjs', 'tfjs-core', 'tfjs-backend-cpu', 'tfjs-backend-wasm', 'tfjs-layers'].map(
        (name) => `@tensorflow/${name}@${TOP}`,
      ),
    ]);
  });

  after(() => remove(project));

  it('model.fit trains a conv net and an embedding model on wasm, as on cpu', () => {
    assertTrainsOnWasm(project, TOP);
  });

  it('require() gives the module import() gives, registered in the same tfjs-core', () => {
    copyInto(project, join(FIXTURES, 'training-kernels-require.cjs'), 'require.cjs');
    assert.match(run('node', ['require.cjs'], { cwd: project }), /require: ok \(wasm\)/);
  });

  it('require() says what to do where Node.js cannot require ES modules', () => {
    assertRequireNeedsImport(project, NAME);
  });

  it('its types check from an ES module and from CommonJS (nodenext)', () => {
    copyInto(project, join(FIXTURES, 'training-kernels-consumer.ts'), 'consumer.ts');
    copyInto(project, join(FIXTURES, 'training-kernels-consumer.cts'), 'consumer.cts');
    const config = {
      // skipLibCheck: tfjs-core's own declarations do not check (they name an undeclared `Long`).
      compilerOptions: {
        module: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      files: ['consumer.ts', 'consumer.cts'],
    };
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(config));
    run('node', [TSC, '-p', 'tsconfig.json'], { cwd: project });
  });

  describe('code blocks run as written', () => {
    before(() => mkdirSync(join(project, 'blocks'), { recursive: true }));

    for (const block of runnableBlocks()) {
      it(block.where, { timeout: 60_000 }, () => {
        assert.ok(block.source, `${block.where}: no code block`);
        const commonJs = !/^import\s/m.test(block.source);
        const file = `blocks/line-${block.line}.${commonJs ? 'cjs' : 'mjs'}`;
        writeFileSync(join(project, file), block.source);
        run('node', [file], { cwd: project, timeout: 60_000 });
      });
    }
  });
});

describe(`installed with tfjs ${LOWEST}, the bottom of the peer range`, () => {
  let project;

  before(() => {
    project = freshProject('training-kernels-lowest');
    install(project, [
      tarball,
      ...['tfjs-core', 'tfjs-backend-cpu', 'tfjs-backend-wasm', 'tfjs-layers'].map(
        (name) => `@tensorflow/${name}@${LOWEST}`,
      ),
    ]);
  });

  after(() => remove(project));

  it('model.fit trains a conv net and an embedding model on wasm, as on cpu', () => {
    assertTrainsOnWasm(project, LOWEST);
  });
});
