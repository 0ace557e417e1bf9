// Copies the repository's LICENSE into this package before it is packed, so that the tarball
// carries it; the copy is ignored by git. The package's README.md is its own.
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
copyFileSync(join(root, '../..', 'LICENSE'), join(root, 'LICENSE'));
