import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Madgrad,
  MirrorMadgrad,
  type Parameter,
  StateFormatError,
  type StatefulOptimizer,
} from '../src/index.js';
import { countAllocations } from './allocation-counter.js';
import { fingerprint, param, randomArray, rng } from './helpers.js';
import { craft, parseState, reseal, type StateHeader } from './state-bytes.js';

/**
 * A seeded, time-bounded fuzzer for `loadState`: mutated checkpoints (bit flips, truncations,
 * header and table edits with the checksum recomputed, random files) may load or be refused,
 * but a refusal is a StateFormatError that leaves the optimizer bitwise as it was, and no input
 * makes the decoder allocate more than a small multiple of its size.
 */
const SEED = 20260412;
const CASES = 15000;
const TIME_BUDGET_MS = 10000;

type Build = (params: Parameter[]) => StatefulOptimizer;
const BUILDS: Build[] = [
  (p) => new Madgrad(p, { kernels: 'js' }),
  (p) => new Madgrad(p, { kernels: 'js', momentum: 0, weightDecay: 1e-3 }),
  (p) => new MirrorMadgrad(p, { kernels: 'js' }),
];

function makeParams(seed: number): Parameter[] {
  const random = rng(seed);
  return [
    param('w', [3, 4], randomArray(12, random)),
    param('b', [4], randomArray(4, random)),
    param('c', [2], randomArray(2, random)),
  ];
}

/** A real checkpoint of each optimizer (c never gets a gradient: it has no state). */
function checkpoints(): Uint8Array[] {
  return BUILDS.map((build, i) => {
    const random = rng(i + 1);
    const opt = build(makeParams(i));
    for (let k = 0; k < 3; k++) opt.step({ w: randomArray(12, random), b: randomArray(4, random) });
    return opt.saveState();
  });
}

type Mutation = (bytes: Uint8Array, random: () => number) => Uint8Array;
const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]!;
const int = (random: () => number, n: number) => Math.floor(random() * n);

/** Header edits: values a forger would try in each field. */
const ODD_VALUES: unknown[] = [
  -1,
  0,
  1,
  0.5,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 48 + 1,
  2 ** 53 - 1,
  2 ** 53,
  1e308,
  -1e308,
  1e39,
  'x',
  '',
  null,
  true,
  [],
  {},
  [1, 2],
  JSON.parse('{"__proto__": 1}'),
];

function editHeader(bytes: Uint8Array, random: () => number, edit: (h: StateHeader) => void) {
  const { header, floats } = parseState(bytes);
  edit(header);
  return craft(header, floats, random() < 0.5);
}

const MUTATIONS: Mutation[] = [
  // Bit flips, the checksum left as is (refused by it) or recomputed (reaching the parser).
  (b, r) => flip(b.slice(), r, 1 + int(r, 4)),
  (b, r) => reseal(flip(b.slice(), r, 1 + int(r, 8))),
  (b, r) => reseal(flipIn(b.slice(), r, 0, 20)), // magic, version, header length
  // Truncations and extensions.
  (b, r) => b.slice(0, int(r, b.length)),
  (b, r) => reseal(b.slice(0, 20 + int(r, b.length - 20))),
  (b, r) => {
    const longer = new Uint8Array(b.length + 4 * (1 + int(r, 8)));
    longer.set(b);
    return reseal(longer);
  },
  // The header length field set to values near the 32-bit edges.
  (b, r) => {
    const c = b.slice();
    const lengths = [0, 1, 0x7ffffff0, 0x7fffffff, 0xfffffff0, 0xfffffffc, 0xffffffff];
    new DataView(c.buffer).setUint32(12, pick(r, lengths) + int(r, 4), true);
    return reseal(c);
  },
  // Header fields set to odd values.
  (b, r) =>
    editHeader(b, r, (h) => {
      (h as unknown as Record<string, unknown>)[pick(r, ['kind', 'k', 'groups', 'tensors'])] = pick(
        r,
        ODD_VALUES,
      );
    }),
  (b, r) =>
    editHeader(b, r, (h) => {
      const g = pick(r, h.groups);
      const key = pick(r, ['lr', 'eps', 'momentum', 'weightDecay', 'decoupleDecay', 'beta2']);
      if (r() < 0.2) delete g.options[key];
      else g.options[key] = pick(r, ODD_VALUES);
    }),
  (b, r) =>
    editHeader(b, r, (h) => {
      const g = pick(r, h.groups);
      g.params = r() < 0.5 ? [...g.params].reverse() : [...g.params, pick(r, ['w', 'z', ''])];
    }),
  // Table edits: a field set to an odd value, an entry duplicated, moved, resized or dropped.
  (b, r) =>
    editHeader(b, r, (h) => {
      const t = pick(r, h.tensors) as unknown as Record<string, unknown>;
      t[pick(r, ['param', 'buffer', 'offset', 'length'])] = pick(r, ODD_VALUES);
    }),
  (b, r) =>
    editHeader(b, r, (h) => {
      const t = pick(r, h.tensors);
      const copy = { ...t, offset: r() < 0.5 ? t.offset : h.tensors.at(-1)!.offset };
      h.tensors.splice(int(r, h.tensors.length + 1), 0, copy);
      if (r() < 0.5) h.tensors.push(...Array.from({ length: 1 + int(r, 500) }, () => copy));
    }),
  (b, r) =>
    editHeader(b, r, (h) => {
      const t = pick(r, h.tensors);
      t.offset = Math.max(0, t.offset + pick(r, [-4, -1, 1, 3, 1000, 2 ** 30, 2 ** 40]));
    }),
  // One large entry listed many times over the same data (memory amplification).
  (b, r) =>
    editHeader(b, r, (h) => {
      const t = { ...pick(r, h.tensors), offset: 0, length: 1024 * (1 + int(r, 64)) };
      h.tensors = Array.from({ length: 2 + int(r, 200) }, () => t);
    }),
  (b, r) =>
    editHeader(b, r, (h) => {
      const t = pick(r, h.tensors);
      t.length = Math.max(0, t.length + pick(r, [-4, -1, 1, 2 ** 20, 2 ** 31, 2 ** 50]));
    }),
  (b, r) =>
    editHeader(b, r, (h) => {
      if (r() < 0.5) h.tensors.splice(int(r, h.tensors.length), 1);
      else h.tensors.reverse();
    }),
  // Data edits: non-finite or negative floats.
  (b, r) => {
    const { header, floats } = parseState(b);
    floats[int(r, floats.length)] = pick(r, [Number.NaN, Infinity, -Infinity, -1, 3e38, -0]);
    return craft(header, floats);
  },
  // Prototype-named entries: as a buffer, a parameter, an option.
  (b, r) =>
    editHeader(b, r, (h) => {
      const name = pick(r, PROTO_NAMES);
      const end = h.tensors.reduce((n, t) => Math.max(n, t.offset + t.length), 0);
      const t = pick(r, h.tensors);
      if (r() < 0.4) h.tensors.push({ ...t, buffer: name, offset: end });
      else if (r() < 0.5) h.tensors.push({ ...t, param: name, offset: end });
      else Object.defineProperty(pick(r, h.groups).options, name, { value: 1, enumerable: true });
    }),
  // Huge fields: long names and option values.
  (b, r) =>
    editHeader(b, r, (h) => {
      const huge = r() < 0.5 ? 'y'.repeat(5000) : new Array(5000).fill(0.5);
      const where = int(r, 3);
      if (where === 0) pick(r, h.groups).options.lr = huge;
      else if (where === 1) pick(r, h.groups).params[0] = String(huge);
      else pick(r, h.tensors).buffer = String(huge);
    }),
  // Random files behind a valid magic and version.
  (_b, r) => {
    const c = new Uint8Array(20 + 4 * int(r, 64));
    for (let i = 0; i < c.length; i++) c[i] = int(r, 256);
    c.set(new TextEncoder().encode('MADGRAD\n'));
    new DataView(c.buffer).setUint32(8, 1, true);
    return reseal(c);
  },
];

const PROTO_NAMES = ['__proto__', 'constructor', 'toString', 'params', 'hasOwnProperty'];

function flip(bytes: Uint8Array, random: () => number, bits: number): Uint8Array {
  return flipIn(bytes, random, 0, bytes.length, bits);
}

function flipIn(bytes: Uint8Array, random: () => number, lo: number, hi: number, bits = 1) {
  for (let i = 0; i < bits; i++) bytes[lo + int(random, hi - lo)]! ^= 1 << int(random, 8);
  return bytes;
}

/** The bytes as given, as a Node Buffer (small ones come from the shared pool), or at an odd offset. */
function present(bytes: Uint8Array, random: () => number): Uint8Array {
  const how = random();
  if (how < 0.5) return bytes;
  if (how < 0.75) return Buffer.from(bytes);
  const offset = 1 + int(random, 7);
  const backing = new Uint8Array(bytes.length + offset + int(random, 9));
  backing.set(bytes, offset);
  return backing.subarray(offset, offset + bytes.length);
}

describe('loadState fuzzer (seeded, time-bounded)', () => {
  it(`${CASES} mutated checkpoints: only StateFormatError, bounded memory, nothing changed on refusal`, (t) => {
    const random = rng(SEED);
    const seeds = checkpoints();
    const started = Date.now();
    let loaded = 0;
    let refused = 0;
    let largestRatio = 0;
    for (let i = 0; i < CASES && Date.now() - started < TIME_BUDGET_MS; i++) {
      const which = int(random, seeds.length);
      const mutation = int(random, MUTATIONS.length);
      const bytes = present(MUTATIONS[mutation]!(seeds[which]!, random), random);
      const params = makeParams(100 + i);
      const opt = BUILDS[which]!(params);
      opt.step({ b: randomArray(4, random) }); // some state to keep intact
      const before = fingerprint(opt, params);
      let error: unknown = null;
      const allocated = countAllocations(() => {
        try {
          opt.loadState(bytes);
        } catch (e) {
          error = e;
        }
      });
      const what = `case ${i} (seed ${SEED}, mutation ${mutation}, ${bytes.length} bytes)`;
      largestRatio = Math.max(largestRatio, allocated / Math.max(bytes.length, 1));
      assert.ok(allocated <= 2 * bytes.length + 1024, `${what}: allocated ${allocated} bytes`);
      if (error === null) {
        loaded += 1;
        assertNothingDropped(bytes, opt, what);
        continue;
      }
      assert.ok(
        error instanceof Error && error.message.length <= 400,
        `${what}: a message of ${(error as Error).message?.length} characters`,
      );
      refused += 1;
      assert.ok(error instanceof StateFormatError, `${what}: ${String(error)}`);
      assert.equal(fingerprint(opt, params), before, `${what}: the optimizer changed`);
    }
    t.diagnostic(`refused ${refused}, loaded ${loaded}, largest allocation/input ${largestRatio}`);
    assert.ok(refused > 0 && loaded > 0, `refused ${refused}, loaded ${loaded}`);
    assert.ok(largestRatio <= 2.1);
  });
});

/** A checkpoint that loaded comes back whole from saveState: every option, tensor and value. */
function assertNothingDropped(bytes: Uint8Array, opt: StatefulOptimizer, what: string): void {
  const given = parseState(bytes);
  const saved = parseState(opt.saveState());
  assert.equal(saved.header.k, given.header.k, `${what}: k`);
  assert.deepEqual(
    saved.header.groups.map((g) => Object.keys(g.options).sort()),
    given.header.groups.map((g) => Object.keys(g.options).sort()),
    `${what}: options`,
  );
  const entries = (s: typeof given) =>
    s.header.tensors
      .map((t) => {
        const data = s.floats.subarray(t.offset, t.offset + t.length);
        return `${JSON.stringify([t.param, t.buffer])}:${Buffer.from(data.slice().buffer).toString('hex')}`;
      })
      .sort();
  assert.deepEqual(entries(saved), entries(given), `${what}: tensors`);
}
