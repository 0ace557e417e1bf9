import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  loadWithOptional,
  MissingPackageError,
  OPTIONAL_PACKAGES,
} from '../src/experiments/optional-packages.js';
import { ROOT } from './helpers.js';

const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
};

/** An error as Node's ESM loader throws it for a package that is not installed. */
function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /x/y.js`), {
    code: 'ERR_MODULE_NOT_FOUND',
  });
}

describe('the optional packages of the lab', () => {
  it('are its optional peer dependencies, with the same ranges, and dev dependencies here', () => {
    const table = Object.assign(
      {},
      ...Object.values(OPTIONAL_PACKAGES).map((f) => f.packages),
    ) as Record<string, string>;
    assert.deepEqual(table, MANIFEST.peerDependencies);
    for (const name of Object.keys(table)) {
      assert.equal(MANIFEST.peerDependenciesMeta[name]?.optional, true, name);
      assert.equal(MANIFEST.dependencies[name], undefined, `${name} is a dependency`);
      assert.ok(MANIFEST.devDependencies[name], `${name} is not a dev dependency`);
    }
  });

  it('a missing one becomes a one-line error naming what to install', async () => {
    const error = await loadWithOptional('queue', async () => {
      throw notFound('ioredis');
    }).catch((e: unknown) => e);
    assert.ok(error instanceof MissingPackageError);
    assert.equal(
      error.message,
      'the shared queue (--queue, worker, status) needs optional packages of madgrad-lab that are not installed (ioredis): npm install bullmq@^5.81.5 ioredis@^5.11.1',
    );
  });

  it('other failures pass through unchanged', async () => {
    const other = notFound('left-pad');
    await assert.rejects(
      loadWithOptional('browser', async () => {
        throw other;
      }),
      (e) => e === other,
    );
    await assert.rejects(
      loadWithOptional('queue', async () => {
        throw new TypeError("'bullmq' is broken");
      }),
      TypeError,
    );
  });
});
