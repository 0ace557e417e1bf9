import type { ConformanceEngine, EngineSession } from './engine.js';
import { type GoldenCase, loadGoldenDir, tolerance } from './golden-case.js';

export interface RunOptions {
  /** Save after this many steps, load into a freshly built optimizer, continue. */
  readonly resumeAt?: number;
}

export interface CaseResult {
  readonly name: string;
  readonly passed: boolean;
  /** Largest |a − b| / tolerance over every param after every step and every final buffer. */
  readonly worst: number;
  /** Where the worst error (or the failure) happened. */
  readonly detail: string;
}

class Worst {
  ratio = 0;
  detail = '';
  see(got: number, want: number, where: string): void {
    const ratio = Number.isNaN(got)
      ? Number.POSITIVE_INFINITY
      : Math.abs(got - want) / tolerance(want);
    if (ratio > this.ratio) {
      this.ratio = ratio;
      this.detail = `${where}: got ${got}, expected ${want}`;
    }
  }
  compare(got: Float32Array | undefined, want: readonly number[], where: string): void {
    if (!got || got.length !== want.length) {
      this.fail(`${where}: has ${got ? got.length : 'no'} values, expected ${want.length}`);
      return;
    }
    for (let i = 0; i < want.length; i++) this.see(got[i]!, want[i]!, `${where}[${i}]`);
  }
  fail(detail: string): void {
    this.ratio = Number.POSITIVE_INFINITY;
    this.detail = detail;
  }
}

/** Runs one golden case on an engine and compares every step and the final state. */
export async function runCase(
  engine: ConformanceEngine,
  c: GoldenCase,
  options: RunOptions = {},
): Promise<CaseResult> {
  const worst = new Worst();
  const fresh = (values: Record<string, ArrayLike<number>>) =>
    Object.fromEntries(Object.entries(values).map(([n, v]) => [n, Float32Array.from(v)]));
  const resumeAt = options.resumeAt === undefined ? -1 : Math.min(options.resumeAt, c.steps.length);
  let session: EngineSession | null = null;
  try {
    session = await engine.open(
      c,
      fresh(Object.fromEntries(c.params.map((p) => [p.name, p.init]))),
    );
    const resume = async () => {
      const bytes = await session!.save();
      const params = fresh(await session!.params());
      session!.dispose?.();
      session = null;
      session = await engine.restore(c, params, bytes);
    };
    for (let i = 0; i < c.steps.length; i++) {
      if (i === resumeAt) await resume();
      const step = c.steps[i]!;
      if (step.lr) session.setLearningRates(step.lr);
      await session.step(step.grads);
      const params = await session.params();
      for (const [name, want] of Object.entries(c.expected[i]!)) {
        worst.compare(params[name], want, `step ${i + 1} ${name}`);
      }
    }
    if (resumeAt === c.steps.length) await resume();
    const state = await session.state();
    if (state.k !== c.finalState.k) worst.fail(`final k is ${state.k}, expected ${c.finalState.k}`);
    for (const [name, buffers] of Object.entries(c.finalState.params)) {
      for (const [buffer, want] of Object.entries(buffers)) {
        worst.compare(state.params[name]?.[buffer], want, `final ${name}.${buffer}`);
      }
      const extra = Object.keys(state.params[name] ?? {}).filter((b) => !(b in buffers));
      if (extra.length > 0)
        worst.fail(`final ${name} keeps buffers the reference does not: ${extra.join(', ')}`);
    }
  } catch (e) {
    worst.fail(`threw ${(e as Error).stack ?? e}`);
  } finally {
    (session as EngineSession | null)?.dispose?.();
  }
  return { name: c.name, passed: worst.ratio <= 1, worst: worst.ratio, detail: worst.detail };
}

export interface ConformanceSummary {
  readonly results: CaseResult[];
  readonly passed: number;
  readonly failed: number;
}

/** Runs every case in every folder, printing one line per case and the closing tally. */
export async function runConformance(
  engine: ConformanceEngine,
  dirs: readonly string[],
  options: RunOptions = {},
  print: (line: string) => void = () => {},
): Promise<ConformanceSummary> {
  const results: CaseResult[] = [];
  for (const dir of dirs) {
    const cases = loadGoldenDir(dir);
    if (cases.length === 0) throw new Error(`${dir} holds no golden case (*.json)`);
    for (const c of cases) {
      const r = await runCase(engine, c, options);
      results.push(r);
      const ratio = Number.isFinite(r.worst) ? r.worst.toFixed(3) : 'inf';
      print(
        `${r.passed ? 'ok  ' : 'FAIL'} ${r.name.padEnd(40)} max error ${ratio} of tolerance${r.passed ? '' : `  (${r.detail})`}`,
      );
    }
  }
  const passed = results.filter((r) => r.passed).length;
  print(`${passed} passed, ${results.length - passed} failed`);
  return { results, passed, failed: results.length - passed };
}
