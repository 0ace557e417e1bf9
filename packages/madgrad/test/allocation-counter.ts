/**
 * Bytes of typed-array memory allocated while `run` executes: counts every `new Float32Array(n)`,
 * `new Uint8Array(n)` and `new ArrayBuffer(n)` (and array-like sources) made through the globals,
 * which the library's code looks up at each call.
 */
export function countAllocations(run: () => void): number {
  let bytes = 0;
  const names = ['Float32Array', 'Uint8Array', 'ArrayBuffer'] as const;
  const originals = names.map((name) => globalThis[name]);
  names.forEach((name, i) => {
    const original = originals[i]!;
    const unit = name === 'Float32Array' ? 4 : 1;
    (globalThis as Record<string, unknown>)[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        const [first] = args;
        if (typeof first === 'number') bytes += first * unit;
        else if (first != null && typeof first === 'object' && !(first instanceof originals[2]!)) {
          const length = (first as { length?: unknown }).length;
          if (typeof length === 'number') bytes += length * unit;
        }
        return Reflect.construct(target, args, newTarget === globalThis[name] ? target : newTarget);
      },
    });
  });
  try {
    run();
  } finally {
    names.forEach((name, i) => {
      (globalThis as Record<string, unknown>)[name] = originals[i];
    });
  }
  return bytes;
}
