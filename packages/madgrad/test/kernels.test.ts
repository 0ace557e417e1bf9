import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  allocateKernelArray,
  createWasmKernels,
  hasSharedWasmMemory,
  hasWasmSimd,
  InvalidGradientError,
  InvalidOptionError,
  jsKernels,
  Madgrad,
  MirrorMadgrad,
  type StatefulOptimizer,
  type StepKernels,
  type WasmKernels,
} from '../src/index.js';
import { KernelMemory } from '../src/kernels/kernel-memory.js';
import { chunkSize } from '../src/kernels/thread-pool.js';
import { bitwiseEqual, param, ROOT, randomArray, rng } from './helpers.js';

/** The golden tolerance (golden/FORMAT.md), between the kernels and the core. */
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 + 1e-4 * Math.abs(b);

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!close(got[i]!, want[i]!)) {
      assert.fail(`${what}[${i}]: kernel ${got[i]}, core ${want[i]}`);
    }
  }
}

describe('WebAssembly SIMD kernels', () => {
  it('are available here (Node 20 has WebAssembly SIMD and shared memory)', () => {
    assert.equal(hasWasmSimd(), true);
    assert.equal(hasSharedWasmMemory(), true);
    assert.equal(new Madgrad([param('w', [1], new Float32Array(1))]).kernelName, 'wasm');
  });

  describe('against the plain TypeScript core', () => {
    const sizes = [1, 3, 4, 5, 17, 64, 1023, 10007, 40001];
    const madgradOptions = [0, 0.9].flatMap((momentum) =>
      [0, 1e-3].flatMap((weightDecay) =>
        [false, true].flatMap((decoupleDecay) =>
          [1e-6, 0].map((eps) => ({ lr: 1e-2, momentum, weightDecay, decoupleDecay, eps })),
        ),
      ),
    );

    function trajectory(
      make: (params: ReturnType<typeof param>[], kernels: StepKernels) => StatefulOptimizer,
      kernels: StepKernels,
      shapes: number[][],
      seed: number,
      steps: number,
      inMemory = false,
    ) {
      const random = rng(seed);
      const alloc = (n: number) =>
        inMemory ? (kernels as WasmKernels).allocate(n) : new Float32Array(n);
      const params = shapes.map((shape, i) => {
        const value = alloc(shape.reduce((a, b) => a * b, 1));
        value.set(randomArray(value.length, random));
        return param(`p${i}`, shape, value);
      });
      const opt = make(params, kernels);
      for (let k = 0; k < steps; k++) {
        const grads: Record<string, Float32Array | null> = {};
        for (const p of params) {
          const g = alloc(p.value.length);
          // Mostly moderate gradients, some zero (v = 0 lanes), a few large.
          g.set(
            randomArray(p.value.length, random, k % 3 === 2 ? 10 : 1).map((x, i) =>
              i % 7 === 3 ? 0 : x,
            ),
          );
          grads[p.name] = k === 1 && p.name === 'p1' ? null : g;
        }
        opt.step(grads);
      }
      return { opt, params };
    }

    const wasm = createWasmKernels({ threads: 1 });
    for (const [name, make, optionSets] of [
      [
        'Madgrad',
        (ps: ReturnType<typeof param>[], kernels: StepKernels, o: object) =>
          new Madgrad(ps, { ...o, kernels }),
        madgradOptions,
      ],
      [
        'MirrorMadgrad',
        (ps: ReturnType<typeof param>[], kernels: StepKernels, o: object) =>
          new MirrorMadgrad(ps, { ...o, kernels }),
        madgradOptions,
      ],
    ] as const) {
      it(`${name}: every option combination, sizes not multiples of 4, within tolerance`, () => {
        let seed = 1;
        for (const options of optionSets) {
          for (const n of sizes) {
            const shapes = [[n], [2, 3], [n % 5, 3]];
            seed++;
            const mk = (ps: ReturnType<typeof param>[], k: StepKernels) => make(ps, k, options);
            const core = trajectory(mk, jsKernels, shapes, seed, 5);
            const kern = trajectory(mk, wasm, shapes, seed, 5);
            const what = `${name} ${JSON.stringify(options)} n=${n}`;
            for (let i = 0; i < shapes.length; i++) {
              assertClose(kern.params[i]!.value, core.params[i]!.value, `${what} p${i}`);
              const ks = kern.opt.stateOf(`p${i}`)!;
              const cs = core.opt.stateOf(`p${i}`)!;
              assert.deepEqual(Object.keys(ks).sort(), Object.keys(cs).sort());
              for (const b of Object.keys(cs)) assertClose(ks[b]!, cs[b]!, `${what} p${i}.${b}`);
            }
          }
        }
      });

      it(`${name}: a coordinate's bits do not depend on the loop (16-wide, 4-wide, tail) that steps it`, () => {
        // The same 29 coordinates as one parameter (16 in the 16-wide body, 12 in the 4-wide
        // loop, 1 in the tail) and as parameters of 1, 3, 4, 5, 7 and 9 coordinates (other loops);
        // some gradients 0, so that some vectors hold v = 0 lanes (the cube root's exact path).
        const lengths = [1, 3, 4, 5, 7, 9];
        const total = lengths.reduce((a, b) => a + b, 0);
        for (const options of optionSets) {
          const random = rng(7);
          const start = randomArray(total, random);
          const grads = [0, 1, 2].map((k) =>
            randomArray(total, random, k === 2 ? 10 : 1).map((x, i) => (i % 5 === k ? 0 : x)),
          );
          const whole = param('w', [total], start.slice());
          let at = 0;
          const parts = lengths.map((n, i) => {
            const p = param(`p${i}`, [n], start.slice(at, at + n));
            at += n;
            return p;
          });
          const one = make([whole], wasm, options);
          const many = make(parts, wasm, options);
          for (const g of grads) {
            one.step({ w: g });
            let from = 0;
            many.step(
              Object.fromEntries(
                parts.map((p) => {
                  const slice = g.slice(from, from + p.value.length);
                  from += p.value.length;
                  return [p.name, slice];
                }),
              ),
            );
          }
          const joined = new Float32Array(total);
          let to = 0;
          for (const p of parts) {
            joined.set(p.value, to);
            to += p.value.length;
          }
          assert.ok(bitwiseEqual(whole.value, joined), JSON.stringify(options));
        }
      });

      it(`${name}: arrays inside and outside the kernel memory give the same bits`, () => {
        for (const options of optionSets.filter((_, i) => i % 3 === 0)) {
          const mk = (ps: ReturnType<typeof param>[], k: StepKernels) => make(ps, k, options);
          const shapes = [[20011], [7]];
          const staged = trajectory(mk, wasm, shapes, 99, 4, false);
          const inPlace = trajectory(mk, wasm, shapes, 99, 4, true);
          for (let i = 0; i < shapes.length; i++) {
            assert.ok(wasm.holds(inPlace.params[i]!.value));
            assert.ok(!wasm.holds(staged.params[i]!.value));
            assert.ok(bitwiseEqual(staged.params[i]!.value, inPlace.params[i]!.value));
          }
        }
      });
    }
  });

  it('give the same bits over ordinary memory (browsers without cross-origin isolation)', () => {
    const plain = new KernelMemory(false);
    assert.equal(plain.shared, false);
    assert.equal(plain.allocate(10), null);
    const sets = [createWasmKernels({ threads: 1 }), createWasmKernels({ memory: plain })];
    const results = sets.map((kernels, i) => {
      const random = rng(21);
      const p = param('w', [30011], randomArray(30011, random));
      const opt = new Madgrad([p], { kernels, momentum: 0, eps: 0 });
      for (let k = 0; k < 3; k++) opt.step({ w: randomArray(30011, random) });
      // State lives in shared kernel memory; over ordinary memory everything is staged.
      assert.equal(kernels.holds(opt.stateOf('w')!.s!), i === 0);
      return [p.value, ...Object.values(opt.stateOf('w')!)];
    });
    results[1]!.forEach((a, i) => assert.ok(bitwiseEqual(a, results[0]![i]!), `buffer ${i}`));
  });

  describe('threads', () => {
    const pools: WasmKernels[] = [];
    before(async () => {
      for (const threads of [2, 3]) {
        const k = createWasmKernels({ threads, minParallel: 0 });
        await k.ready();
        pools.push(k);
      }
    });
    after(() => {
      for (const k of pools) k.close();
    });

    it('hand out chunks of whole 64-byte lines, about eight per thread', () => {
      for (const n of [1, 100003, 1 << 22]) {
        for (const t of [1, 2, 3, 8]) {
          const c = chunkSize(n, t);
          assert.equal(c % 16, 0);
          assert.ok(c >= 16384 && (c === 16384 || Math.ceil(n / c) <= 8 * t));
        }
      }
    });

    it('give bitwise identical results whatever the thread count', () => {
      const one = createWasmKernels({ threads: 1 });
      // In kernel memory (split in place), and ordinary arrays over more than one 2^20-float
      // block (copied in block by block, each block split across the threads).
      for (const [kind, n, inMemory] of [
        ['madgrad', 100003, true],
        ['madgrad-m0', 100003, true],
        ['mirror', 100003, true],
        ['madgrad', 1100003, false],
        ['mirror', 1100003, false],
      ] as const) {
        const results = [one, ...pools].map((kernels) => {
          assert.ok(kernels === one || kernels.threads > 1, 'the workers run');
          const random = rng(5);
          const alloc = (len: number) => (inMemory ? kernels.allocate(len) : new Float32Array(len));
          const value = alloc(n);
          value.set(randomArray(n, random));
          const p = param('w', [n], value);
          const opt =
            kind === 'mirror'
              ? new MirrorMadgrad([p], { kernels, weightDecay: 1e-3, decoupleDecay: true })
              : new Madgrad([p], { kernels, momentum: kind === 'madgrad' ? 0.9 : 0 });
          const g = alloc(n);
          for (let k = 0; k < 3; k++) {
            g.set(randomArray(n, random));
            opt.step({ w: g });
          }
          assert.equal(kernels.holds(value), inMemory);
          return [value, ...Object.values(opt.stateOf('w')!)];
        });
        for (const r of results.slice(1)) {
          r.forEach((a, i) =>
            assert.ok(bitwiseEqual(a, results[0]![i]!), `${kind} n=${n} buffer ${i}`),
          );
        }
      }
    });
  });

  describe('state and checkpoints', () => {
    it('keep state buffers in the kernel memory and resume bitwise identically', () => {
      const n = 1001;
      const make = () => {
        const random = rng(11);
        return [param('a', [n], randomArray(n, random)), param('b', [3], randomArray(3, random))];
      };
      const grads = (k: number) => {
        const random = rng(100 + k);
        return { a: randomArray(n, random), b: randomArray(3, random) };
      };
      const straight = make();
      const opt = new Madgrad(straight, { kernels: 'wasm' });
      for (let k = 0; k < 6; k++) opt.step(grads(k));
      const wasm = createWasmKernels({ threads: 1 });
      assert.ok(wasm.holds(opt.stateOf('a')!.x0!));

      const first = make();
      const before = new Madgrad(first, { kernels: 'wasm' });
      for (let k = 0; k < 3; k++) before.step(grads(k));
      const bytes = before.saveState();
      const after = new Madgrad(first, { kernels: 'wasm' });
      after.loadState(bytes);
      assert.ok(wasm.holds(after.stateOf('a')!.s!));
      for (let k = 3; k < 6; k++) after.step(grads(k));
      assert.ok(bitwiseEqual(first[0]!.value, straight[0]!.value));
      assert.deepEqual(after.saveState(), opt.saveState());
    });

    it('rejects a non-finite gradient before anything changes, in or out of kernel memory', () => {
      for (const inMemory of [false, true]) {
        for (const at of [0, 5, 16, 9999]) {
          const p = param('w', [10000], new Float32Array(10000).fill(1));
          const opt = new Madgrad([p], { kernels: 'wasm' });
          const g = inMemory ? allocateKernelArray(10000) : new Float32Array(10000);
          g.fill(0.5);
          opt.step({ w: g });
          const saved = opt.saveState();
          const value = p.value.slice();
          g[at] = at % 2 ? Number.NaN : Number.NEGATIVE_INFINITY;
          assert.throws(
            () => opt.step({ w: g }),
            (e: unknown) => e instanceof InvalidGradientError && e.message.includes(`index ${at}`),
          );
          assert.deepEqual(opt.saveState(), saved);
          assert.ok(bitwiseEqual(p.value, value));
        }
      }
    });

    it('reuse the memory of arrays that were garbage collected', () => {
      const script = `
        const m = await import(${JSON.stringify(join(ROOT, 'dist/src/kernels/kernel-memory.js'))});
        const memory = new m.KernelMemory();
        let peak = 0;
        for (let i = 0; i < 40; i++) {
          memory.allocate(1 << 20).fill(i); // 4 MiB, dropped at once
          if (i % 4 === 3) { gc(); await new Promise((r) => setTimeout(r, 0)); }
          peak = Math.max(peak, memory.memory.buffer.byteLength);
        }
        gc(); await new Promise((r) => setTimeout(r, 0));
        console.log(JSON.stringify({ peak, live: memory.allocatedBytes }));
      `;
      const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      const { peak, live } = JSON.parse(r.stdout);
      assert.ok(peak < 40 * 2 ** 20, `the memory grew to ${peak} bytes for 160 MiB of garbage`);
      assert.equal(live, 0);
    });

    it('allocate zeroed, disjoint, cache-line aligned arrays', () => {
      const arrays = [5, 16, 1, 1000].map((n) => allocateKernelArray(n));
      for (const a of arrays) {
        assert.ok(a.every((x) => x === 0));
        assert.equal(a.byteOffset % 64, 0);
        a.fill(1);
      }
      const ranges = arrays
        .map((a) => [a.byteOffset, a.byteOffset + a.byteLength])
        .sort((x, y) => x[0]! - y[0]!);
      for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i]![0]! >= ranges[i - 1]![1]!);
      assert.throws(() => allocateKernelArray(-1), InvalidOptionError);
    });
  });

  describe('fallback', () => {
    it("uses the TypeScript kernels where WebAssembly is missing; 'wasm' then fails clearly", () => {
      const script = `
        delete globalThis.WebAssembly;
        const m = await import(${JSON.stringify(join(ROOT, 'dist/src/index.js'))});
        const w = { name: 'w', shape: [5], value: new Float32Array([1, 2, 3, 4, 5]) };
        const opt = new m.Madgrad([w]);
        opt.step({ w: new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5]) });
        let error = '';
        try { new m.Madgrad([w], { kernels: 'wasm' }); } catch (e) { error = e.message; }
        console.log(JSON.stringify({ name: opt.kernelName, simd: m.hasWasmSimd(), w: Array.from(w.value), error, plain: m.allocateKernelArray(3).length }));
      `;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.name, 'js');
      assert.equal(out.simd, false);
      assert.match(out.error, /WebAssembly SIMD is not available/);
      assert.equal(out.plain, 3);
      // The same step with the plain kernels in this process.
      const w = param('w', [5], new Float32Array([1, 2, 3, 4, 5]));
      new Madgrad([w], { kernels: 'js' }).step({ w: new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5]) });
      assert.deepEqual(out.w, Array.from(w.value));
    });

    it("takes 'js', 'wasm', 'auto' or a kernel object, and rejects anything else", () => {
      const w = () => [param('w', [2], new Float32Array(2))];
      assert.equal(new Madgrad(w(), { kernels: 'js' }).kernelName, 'js');
      assert.equal(new Madgrad(w(), { kernels: 'wasm' }).kernelName, 'wasm');
      assert.equal(new MirrorMadgrad(w(), { kernels: 'auto' }).kernelName, 'wasm');
      assert.equal(new Madgrad(w(), { kernels: jsKernels }).kernelName, 'js');
      assert.throws(() => new Madgrad(w(), { kernels: 'gpu' as never }), /kernels must be/);
      assert.throws(() => createWasmKernels({ threads: 0 }), /threads must be a positive integer/);
      assert.throws(() => createWasmKernels({ minParallel: -1 }), /minParallel must be/);
    });
  });
});
