import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KernelMemory } from '../src/kernels/kernel-memory.js';

const PAGE = 65536;
const FOUR_GIB = 65536 * PAGE;

/**
 * A stand-in for a WebAssembly memory just below the wasm32 limit of 4 GiB (which a test cannot
 * allocate): its buffer reports the size (an ArrayBuffer whose byteLength getter lies, so that a
 * view beyond its real 64 KiB throws RangeError, as a view beyond the real memory would), and
 * grow succeeds up to 65536 pages and throws past them, as the engine does.
 */
function memoryNearLimit(pages: number) {
  let current = pages;
  class Reported extends ArrayBuffer {
    override get byteLength(): number {
      return current * PAGE;
    }
  }
  const memory = {
    grows: [] as number[],
    get buffer(): ArrayBuffer {
      return new Reported(PAGE);
    },
    grow(delta: number): number {
      if (current + delta > 65536)
        throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
      memory.grows.push(delta);
      const old = current;
      current += delta;
      return old;
    },
  };
  return memory;
}

describe('kernel memory near the 4 GiB limit', () => {
  it('returns null (not a RangeError) when the pages left cannot hold the array', () => {
    const km = new KernelMemory(true);
    const fake = memoryNearLimit(65535);
    Object.defineProperty(km, 'memory', { value: fake });
    Object.defineProperty(km, 'top', { value: FOUR_GIB - 2 * PAGE, writable: true });
    // Needs 4 MiB more: only one page is left.
    assert.equal(km.allocate(1 << 20), null);
    assert.equal(fake.grows.reduce((a, b) => a + b, 0) <= 1, true);
  });

  it('returns null when the memory grows by less than it was asked', () => {
    const km = new KernelMemory(true);
    const fake = memoryNearLimit(3);
    fake.grow = (delta: number) => {
      fake.grows.push(delta);
      return 3; // claims success, grows nothing
    };
    Object.defineProperty(km, 'memory', { value: fake });
    assert.equal(km.allocate(1 << 20), null);
  });
});
