// The per-runtime check of the runtime matrix, one process per mode, written to run unchanged on
// Node.js, Bun and Deno. Each result is printed as one line `RESULT {json}`.
//
//   check-runtime.mjs conformance GOLDEN_DIR   (from the repository root) the golden conformance
//       of the engines core, kernel (on worker threads), tfjs-cpu and tfjs-wasm, each straight
//       through and resumed from a checkpoint after step 7
//   check-runtime.mjs docs FILE...             (from the installed project) imports the code
//       blocks one after another; an unhandled error ends the process with a non-zero status

const KERNEL_THREADS = 3;
const RESUME_AT = 7;

function report(result) {
  console.log(`RESULT ${JSON.stringify(result)}`);
}

async function conformance(goldenDir) {
  const lab = new URL('../../packages/lab/dist/src/conformance/', import.meta.url);
  const { createWasmKernels } = await import('madgrad');
  const { runConformance } = await import(new URL('runner.js', lab).href);
  const { coreEngine } = await import(new URL('core-engine.js', lab).href);
  const { getEngine } = await import(new URL('engines.js', lab).href);

  // minParallel 0: every step goes through the thread pool, however small the golden case.
  const kernels = createWasmKernels({ threads: KERNEL_THREADS, minParallel: 0 });
  await kernels.ready();
  report({ kind: 'threads', wanted: KERNEL_THREADS, started: kernels.threads });
  const engines = {
    core: () => getEngine('core'),
    kernel: () =>
      coreEngine('kernel', `the WebAssembly kernels on ${KERNEL_THREADS} threads`, () => kernels),
    'tfjs-cpu': () => getEngine('tfjs-cpu'),
    'tfjs-wasm': () => getEngine('tfjs-wasm'),
  };
  for (const [name, make] of Object.entries(engines)) {
    const engine = await make();
    for (const resumeAt of [undefined, RESUME_AT]) {
      const summary = await runConformance(engine, [goldenDir], { resumeAt });
      const failures = summary.results
        .filter((r) => !r.passed)
        .map((r) => `${r.name}: ${r.detail}`);
      report({
        kind: 'conformance',
        engine: name,
        resumeAt: resumeAt ?? null,
        cases: summary.results.length,
        passed: summary.passed,
        failures,
      });
    }
    await engine.close?.();
  }
  report({ kind: 'threads-after', started: kernels.threads });
  kernels.close();
}

async function docs(files) {
  const { pathToFileURL } = await import('node:url');
  const { resolve } = await import('node:path');
  for (const file of files) {
    report({ kind: 'block-start', file });
    await import(pathToFileURL(resolve(file)).href);
    report({ kind: 'block-done', file });
  }
}

const [mode, ...rest] = globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2);
if (mode === 'conformance') await conformance(rest[0]);
else if (mode === 'docs') await docs(rest);
else throw new Error(`unknown mode ${mode}: conformance GOLDEN_DIR | docs FILE...`);
