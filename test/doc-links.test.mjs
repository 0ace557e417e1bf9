// Links of the READMEs, docs/*.md and docs/api/, checked without the network. A package's README
// (the repository's is the library's) ships in the npm tarball without the files it could link
// to, so it links into the repository by absolute URL (or to its own headings); docs/ pages use relative links. Either way the target
// must exist in this checkout, and a #fragment into a Markdown file must name one of its
// headings (or an `<a id>`).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './installed-project.mjs';

const REPOSITORY = 'https://github.com/madgrad-js/madgrad/';

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function withoutCode(markdown) {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** A Markdown file's anchors: its headings (a repeated one -1, -2, ... as on GitHub), `<a id>`s. */
function anchors(file) {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const found = new Set();
  const seen = new Map();
  for (const [, heading] of text.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const [, id] of text.matchAll(/<a (?:id|name)="([^"]+)"/g)) found.add(id);
  return found;
}

function links(file) {
  const text = withoutCode(readFileSync(file, 'utf8'));
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

/** Why `link` in `file` is broken, or null. */
function problem(file, link) {
  const fromReadme = PACKAGE_READMES.includes(file);
  let target;
  let fragment;
  if (link.startsWith(REPOSITORY)) {
    const path = /^(?:blob|tree)\/main\/([^#]*)(?:#(.*))?$/.exec(link.slice(REPOSITORY.length));
    if (!path) return link === `${REPOSITORY}issues` ? null : 'not a blob/main or tree/main link';
    target = join(ROOT, decodeURIComponent(path[1]));
    fragment = path[2];
  } else if (/^[a-z]+:/.test(link)) {
    return null; // another site: not checked offline
  } else if (link.startsWith('#')) {
    target = file;
    fragment = link.slice(1);
  } else {
    if (fromReadme)
      return 'relative link in a package README (it ships without the file): link to the repository';
    const [path, frag] = link.split('#');
    target = join(dirname(file), decodeURIComponent(path));
    fragment = frag;
  }
  const name = relative(ROOT, target);
  if (!existsSync(target)) return `${name} does not exist`;
  if (fragment && target.endsWith('.md') && statSync(target).isFile()) {
    if (!anchors(target).has(fragment)) return `${name} has no heading #${fragment}`;
  }
  return null;
}

/** The READMEs that are npm packages' front pages (the library's is the repository's own). */
const PACKAGE_READMES = [
  join(ROOT, 'README.md'),
  join(ROOT, 'packages/lab/README.md'),
  join(ROOT, 'packages/tfjs-wasm-training-kernels/README.md'),
];

// docs/api/ is the generated API reference (npm run docs:api), checked with the other pages.
const FILES = [
  ...PACKAGE_READMES,
  ...readdirSync(join(ROOT, 'docs'), { recursive: true })
    .filter((f) => f.endsWith('.md') && (!f.includes(sep) || f.startsWith(`api${sep}`)))
    .sort()
    .map((f) => join(ROOT, 'docs', f)),
];

describe('links of README.md, docs/*.md and docs/api/', () => {
  for (const file of FILES) {
    it(relative(ROOT, file), () => {
      const broken = links(file)
        .map((link) => [link, problem(file, link)])
        .filter(([, why]) => why !== null)
        .map(([link, why]) => `${link}: ${why}`);
      assert.deepEqual(broken, []);
    });
  }

  it('finds broken links (a bad path, a bad heading, a relative link in README.md)', () => {
    const readme = join(ROOT, 'README.md');
    const doc = join(ROOT, 'docs/design.md');
    assert.match(problem(doc, 'missing.md'), /does not exist/);
    assert.match(problem(doc, 'tfjs.md#no-such-heading'), /has no heading/);
    assert.match(problem(readme, 'docs/tfjs.md'), /relative link/);
    assert.match(
      problem(join(ROOT, 'packages/lab/README.md'), '../../docs/ablation.md'),
      /relative link/,
    );
    assert.match(problem(readme, `${REPOSITORY}blob/main/docs/none.md`), /does not exist/);
    assert.equal(problem(readme, `${REPOSITORY}blob/main/docs/tfjs.md#conformance`), null);
    const api = join(ROOT, 'docs/api/README.md');
    assert.equal(problem(api, 'madgrad.md#stepdecayoptions'), null);
    assert.match(problem(api, 'madgrad.md#no-such-option'), /has no heading/);
  });
});
