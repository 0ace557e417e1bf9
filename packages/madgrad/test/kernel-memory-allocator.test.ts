import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWasmKernels, InvalidOptionError } from '../src/index.js';
import { KernelMemory } from '../src/kernels/kernel-memory.js';
import { rng } from './helpers.js';

/** The lengths an allocator must refuse, each with an InvalidOptionError. */
const BAD_LENGTHS: readonly unknown[] = [
  Number.NaN,
  -16,
  -1,
  1.5,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  2 ** 53,
  '16',
  null,
  undefined,
  {},
];

/** The allocator's own records, for "a refused call changed nothing" checks. */
function allocatorState(km: KernelMemory): string {
  const inner = km as unknown as { top: number; free: unknown[] };
  return JSON.stringify({ top: inner.top, free: inner.free, bytes: km.allocatedBytes });
}

/** Frees `a` as the FinalizationRegistry would once it is garbage collected. */
function release(km: KernelMemory, a: Float32Array): void {
  const size = Math.ceil((a.length * 4) / 64) * 64;
  (km as unknown as { release(b: { offset: number; size: number }): void }).release({
    offset: a.byteOffset,
    size,
  });
}

describe('kernel memory allocation', () => {
  it('refuses a length that is not a non-negative safe integer, with the allocator unchanged', () => {
    const km = new KernelMemory(true);
    const live = km.allocate(100)!;
    live.fill(7);
    for (const bad of BAD_LENGTHS) {
      const before = allocatorState(km);
      assert.throws(
        () => km.allocate(bad as number),
        (e: unknown) => e instanceof InvalidOptionError && /non-negative integer/.test(e.message),
        String(bad),
      );
      assert.equal(allocatorState(km), before, `allocator changed by allocate(${String(bad)})`);
    }
    const next = km.allocate(100)!;
    next.fill(9);
    assert.ok(
      live.every((x) => x === 7),
      'a later allocation overlaps a live array',
    );
    assert.ok(next.byteOffset >= live.byteOffset + live.byteLength);
  });

  it('createWasmKernels().allocate checks its length like allocateKernelArray', () => {
    const kernels = createWasmKernels();
    const a = kernels.allocate(64);
    a.fill(1);
    for (const bad of [Number.NaN, -16, 0.5]) {
      assert.throws(() => kernels.allocate(bad), InvalidOptionError);
    }
    const b = kernels.allocate(64);
    const c = kernels.allocate(64);
    b.fill(2);
    c.fill(3);
    assert.ok(a.every((x) => x === 1) && b.every((x) => x === 2));
    assert.notEqual(b.byteOffset, c.byteOffset);
    kernels.close();
  });

  it('property: live arrays never overlap and refusals leave the allocator as it was', () => {
    const random = rng(20_2611);
    const km = new KernelMemory(true);
    const live: { array: Float32Array; mark: number }[] = [];
    let mark = 0;
    for (let op = 0; op < 3000; op++) {
      const r = random();
      if (r < 0.15 && live.length > 0) {
        const [gone] = live.splice(Math.floor(random() * live.length), 1);
        release(km, gone!.array);
      } else if (r < 0.3) {
        const bad = BAD_LENGTHS[Math.floor(random() * BAD_LENGTHS.length)];
        const before = allocatorState(km);
        assert.throws(() => km.allocate(bad as number), InvalidOptionError);
        assert.equal(allocatorState(km), before);
      } else {
        const length = Math.floor(random() ** 3 * 5000);
        const array = km.allocate(length);
        if (length === 0) {
          assert.equal(array, null);
          continue;
        }
        assert.ok(array !== null && array.length === length);
        assert.ok(
          array.every((x) => x === 0),
          'a new array is zeroed',
        );
        mark++;
        array.fill(mark);
        live.push({ array, mark });
      }
      if (op % 100 === 0) {
        for (const { array, mark: m } of live) {
          assert.ok(
            array.every((x) => x === m),
            `op ${op}: a live array was overwritten`,
          );
        }
      }
    }
    const spans = live
      .map(({ array }) => [array.byteOffset, array.byteOffset + array.byteLength] as const)
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) assert.ok(spans[i - 1]![1] <= spans[i]![0]);
  });
});
