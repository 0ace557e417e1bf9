import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Madgrad, MirrorMadgrad, type Parameter, StateFormatError } from '../src/index.js';
import { countAllocations } from './allocation-counter.js';
import { fingerprint, param, randomArray, rng } from './helpers.js';
import { craft, parseState, rawHeader, reseal } from './state-bytes.js';

function trained(): { opt: Madgrad; params: Parameter[] } {
  const random = rng(5);
  const params = [
    param('w', [4, 3], randomArray(12, random)),
    param('b', [3], randomArray(3, random)),
  ];
  const opt = new Madgrad(params, { kernels: 'js' });
  for (let k = 0; k < 3; k++) opt.step({ w: randomArray(12, random), b: randomArray(3, random) });
  return { opt, params };
}

/** A fresh optimizer over fresh parameters of the same names and sizes. */
function target(): { opt: Madgrad; params: Parameter[] } {
  const params = [param('w', [4, 3], new Float32Array(12)), param('b', [3], new Float32Array(3))];
  return { opt: new Madgrad(params, { kernels: 'js' }), params };
}

/** Loading must throw a StateFormatError matching `pattern` and leave the optimizer bitwise as it was. */
function refused(bytes: Uint8Array, pattern: RegExp): void {
  const { opt, params } = target();
  const before = fingerprint(opt, params);
  assert.throws(
    () => opt.loadState(bytes),
    (e: unknown) => e instanceof StateFormatError && pattern.test(e.message),
  );
  assert.equal(fingerprint(opt, params), before);
}

describe('loadState of hostile or unusual bytes', () => {
  it('loads a Node Buffer read from a file (a view into the shared pool)', () => {
    const { opt } = trained();
    const file = join(tmpdir(), `madgrad-state-${process.pid}.bin`);
    writeFileSync(file, opt.saveState());
    try {
      const bytes = readFileSync(file);
      const { opt: other } = target();
      other.loadState(bytes);
      assert.deepEqual(other.saveState(), opt.saveState());
    } finally {
      rmSync(file);
    }
  });

  it('loads a Uint8Array view at any byteOffset, aligned or not', () => {
    const { opt } = trained();
    const saved = opt.saveState();
    for (const offset of [1, 2, 3, 4, 5, 17]) {
      const backing = new Uint8Array(saved.length + offset + 7).fill(0xab);
      backing.set(saved, offset);
      const { opt: other } = target();
      other.loadState(backing.subarray(offset, offset + saved.length));
      assert.deepEqual(other.saveState(), saved, `offset ${offset}`);
    }
  });

  it('checks the tensor table before allocating: a repeated entry costs no memory', () => {
    const size = 20000;
    const params = [param('w', [size], new Float32Array(size))];
    const { header } = parseState(new Madgrad(params, { momentum: 0, kernels: 'js' }).saveState());
    // One real float block, listed 2,000 times: a decoder that allocates first asks 160 MB.
    const entry = { param: 'w', buffer: 'grad_sum_sq', offset: 0, length: size };
    const bytes = craft({ ...header, tensors: Array.from({ length: 2000 }, () => entry) });
    const opt = new Madgrad(params, { momentum: 0, kernels: 'js' });
    const allocated = countAllocations(() =>
      assert.throws(() => opt.loadState(bytes), StateFormatError),
    );
    assert.ok(allocated <= 2 * bytes.length, `allocated ${allocated} bytes for ${bytes.length}`);
  });

  it('refuses header lengths that overflow 32-bit arithmetic, as truncation', () => {
    const saved = trained().opt.saveState();
    for (const length of [0x7ffffff0, 0xfffffff0, 0xfffffffd, 0xffffffff]) {
      const bytes = saved.slice();
      new DataView(bytes.buffer).setUint32(12, length, true);
      refused(reseal(bytes), /truncated/);
    }
  });

  it('refuses the crafted 356-byte file with a forged checksum', () => {
    // Header length 0xfffffff0 once made the data start at byte 0: tensors read from the magic.
    const bytes = new Uint8Array(356);
    bytes.set(new TextEncoder().encode('MADGRAD\n'));
    const view = new DataView(bytes.buffer);
    view.setUint32(8, 1, true);
    view.setUint32(12, 0xfffffff0, true);
    refused(reseal(bytes), /truncated/);
  });

  it('reports a file cut anywhere as truncated, never as invalid JSON', () => {
    const saved = trained().opt.saveState();
    for (let cut = 20; cut < saved.length; cut += 7) {
      refused(saved.subarray(0, cut), /truncated/);
    }
  });

  it('refuses overlapping, gapped and repeated table entries with a valid checksum', () => {
    const { opt } = trained();
    const { header } = parseState(opt.saveState());
    const t = header.tensors;
    const moved = (i: number, offset: number) => t.map((e, j) => (j === i ? { ...e, offset } : e));
    refused(craft({ ...header, tensors: moved(1, t[1]!.offset - 1) }), /overlaps/);
    refused(craft({ ...header, tensors: moved(1, t[1]!.offset + 1) }), /gap/);
    const twice = [...t.slice(0, -1), { ...t[0]!, offset: t[t.length - 1]!.offset }];
    refused(craft({ ...header, tensors: twice }), /twice/);
  });

  it('refuses non-finite state values and negative sums of squares', () => {
    const { opt } = trained();
    const { header, floats } = parseState(opt.saveState());
    const v = header.tensors.find((e) => e.buffer === 'grad_sum_sq')!;
    const s = header.tensors.find((e) => e.buffer === 's')!;
    for (const [at, value] of [
      [s.offset, Number.NaN],
      [s.offset + 1, Number.POSITIVE_INFINITY],
      [v.offset + 2, Number.NEGATIVE_INFINITY],
      [v.offset, -1],
    ] as const) {
      const data = floats.slice();
      data[at] = value;
      refused(craft(header, data), /which no step produces/);
    }
  });

  it('refuses a step count beyond 2^48 (k = 2^53 - 1 once loaded)', () => {
    const { header, floats } = parseState(trained().opt.saveState());
    refused(craft({ ...header, k: 2 ** 53 - 1 }, floats), /k = 9007199254740991/);
    refused(craft({ ...header, k: 2 ** 48 + 1 }, floats), /beyond any real run/);
    const { opt } = target();
    opt.loadState(craft({ ...header, k: 2 ** 48 }, floats));
    assert.equal(opt.stepCount, 2 ** 48);
  });

  it('refuses options the constructor refuses, and incomplete options', () => {
    const { header, floats } = parseState(trained().opt.saveState());
    const withOptions = (options: Record<string, unknown>) =>
      craft({ ...header, groups: [{ ...header.groups[0]!, options }] }, floats);
    const base = header.groups[0]!.options;
    for (const bad of [{ lr: 1e308 }, { lr: 1e39 }, { eps: 1e300 }, { weightDecay: -1 }]) {
      refused(withOptions({ ...base, ...bad }), /invalid options/);
    }
    const { eps: _eps, ...incomplete } = base;
    refused(withOptions(incomplete), /lacks options eps/);
  });

  it('refuses a checkpoint of the other optimizer with a valid checksum', () => {
    const params = [param('w', [4, 3], new Float32Array(12)), param('b', [3], new Float32Array(3))];
    const mirror = new MirrorMadgrad(params, { kernels: 'js' });
    mirror.step({ w: new Float32Array(12).fill(1) });
    refused(mirror.saveState(), /for "mirror-madgrad", not madgrad/);
  });

  it('drops no field: a "__proto__" buffer entry, a "params" option, prototype-named names', () => {
    const { header, floats } = parseState(trained().opt.saveState());
    const end = floats.length;
    const extra = (param: string, buffer: string) =>
      craft({ ...header, tensors: [...header.tensors, { param, buffer, offset: end, length: 3 }] });
    refused(extra('b', '__proto__'), /"b" has buffers \[.*"__proto__"/);
    refused(extra('b', 'constructor'), /"constructor"/);
    refused(extra('__proto__', 's'), /unknown parameter "__proto__"/);
    refused(extra('toString', 'toString'), /unknown parameter "toString"/);
    const withOptions = (extraOptions: Record<string, unknown>) =>
      craft(
        {
          ...header,
          groups: [
            { ...header.groups[0]!, options: { ...header.groups[0]!.options, ...extraOptions } },
          ],
        },
        floats,
      );
    refused(withOptions({ params: ['w', 'b'] }), /unknown option "params"/);
    refused(withOptions(JSON.parse('{"__proto__": 1}')), /unknown option "__proto__"/);
    refused(withOptions({ toString: 1 }), /unknown option "toString"/);
  });

  it('quotes at most a few hundred characters of any field, however large or deep', () => {
    const { header, floats } = parseState(trained().opt.saveState());
    const base = header.groups[0]!.options;
    const long = 'x'.repeat(2_000_000);
    const cases: [string, Uint8Array][] = [
      ['a 2M-element option', craftWith({ ...base, lr: new Array(2_000_000).fill(1) })],
      ['a 2M-character option', craftWith({ ...base, eps: long })],
      ['a 2M-character option name', craftWith({ ...base, [long]: 1 })],
      [
        'a 2M-character parameter name',
        craft({ ...header, groups: [{ ...header.groups[0]!, params: [long] }] }, floats),
      ],
      ['a 2M-character kind', craft({ ...header, kind: long }, floats)],
      [
        'a 2M-character buffer name',
        craft(
          { ...header, tensors: header.tensors.map((t, i) => (i ? t : { ...t, buffer: long })) },
          floats,
        ),
      ],
    ];
    // Options nested 100,000 deep: JSON.stringify would overflow the stack writing them.
    const nested = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const json = JSON.stringify({
      ...header,
      groups: [{ ...header.groups[0], options: { ...base, lr: '@' } }],
    });
    cases.push(['options nested 100,000 deep', rawHeader(json.replace('"@"', nested), floats)]);
    for (const [what, bytes] of cases) {
      const { opt } = target();
      try {
        opt.loadState(bytes);
        assert.fail(`${what}: loaded`);
      } catch (e) {
        assert.ok(e instanceof StateFormatError, `${what}: ${String(e).slice(0, 200)}`);
        assert.ok(e.message.length <= 400, `${what}: a message of ${e.message.length} characters`);
        assert.doesNotMatch(e.message, /call stack/, what);
      }
    }

    function craftWith(options: Record<string, unknown>): Uint8Array {
      return craft({ ...header, groups: [{ ...header.groups[0]!, options }] }, floats);
    }
  });

  it('still checks the checksum', () => {
    const bytes = trained().opt.saveState().slice();
    bytes[bytes.length - 10]! ^= 1;
    refused(bytes, /checksum/);
  });
});
