/**
 * The lab's optional peer dependencies: what only some commands need, installed by the user when
 * wanted. `reproduce`, `sweep`, `ablation`, `report`, `train`, `bench` without `--training` and the
 * Node conformance engines run without any of them. The ranges are the package.json's peerDependencies.
 */
export const OPTIONAL_PACKAGES = {
  /** The shared queue: `--queue`, `worker`, `status`. */
  queue: {
    what: 'the shared queue (--queue, worker, status)',
    packages: { bullmq: '^5.81.5', ioredis: '^5.11.1' },
  },
  /** The benchmark CNN of `bench --training`, a tfjs-layers model. */
  layers: {
    what: 'the training benchmark (bench --training)',
    packages: { '@tensorflow/tfjs-layers': '^4.22.0' },
  },
  /** Pages in headless Chromium: the browser conformance engines and the browser benchmark. */
  browser: {
    what: 'the browser engines and benchmark',
    packages: {
      'playwright-core': '^1.65.1',
      esbuild: '^0.28.2',
      '@tensorflow/tfjs-backend-webgl': '^4.22.0',
      '@tensorflow/tfjs-backend-webgpu': '^4.22.0',
    },
  },
} as const satisfies Record<string, { what: string; packages: Record<string, string> }>;

export type OptionalFeature = keyof typeof OPTIONAL_PACKAGES;

/** An optional package a command needs is not installed; the message says what to install. */
export class MissingPackageError extends Error {
  override readonly name = 'MissingPackageError';
}

/** The one-line message for `feature`: which packages to install, with their ranges. */
export function missingPackageMessage(feature: OptionalFeature, missing: string): string {
  const { what, packages } = OPTIONAL_PACKAGES[feature];
  const specs = Object.entries(packages).map(([name, range]) => `${name}@${range}`);
  return `${what} needs optional packages of madgrad-lab that are not installed (${missing}): npm install ${specs.join(' ')}`;
}

/** The package a "not found" error of `import()` or `require()` names, or undefined. */
function missingPackageOf(e: unknown, names: readonly string[]): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  const message = String((e as Error).message);
  return names.find((name) => message.includes(`'${name}'`) || message.includes(`"${name}"`));
}

/**
 * Loads a module of `feature` (one that imports the feature's optional packages); when one of
 * them is not installed, throws a `MissingPackageError` naming what to install.
 */
export async function loadWithOptional<T>(
  feature: OptionalFeature,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const missing = missingPackageOf(e, Object.keys(OPTIONAL_PACKAGES[feature].packages));
    if (missing === undefined) throw e;
    throw new MissingPackageError(missingPackageMessage(feature, missing));
  }
}

/**
 * Throws a `MissingPackageError` unless every package of `feature` resolves from this module.
 * Called before a feature's modules are imported where some of its packages are not imported by
 * them but used at run time (esbuild bundles webgl and webgpu into the browser's page).
 */
export function requireOptional(feature: OptionalFeature): void {
  for (const name of Object.keys(OPTIONAL_PACKAGES[feature].packages)) {
    try {
      import.meta.resolve(name);
    } catch {
      throw new MissingPackageError(missingPackageMessage(feature, name));
    }
  }
}
