// Copies the repository's README.md and LICENSE into this package before it is packed, so that
// the tarball (and the npm page) carry them; both are ignored by git here.
import { copyFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const file of ['README.md', 'LICENSE'])
  copyFileSync(join(root, '../..', file), join(root, file));
