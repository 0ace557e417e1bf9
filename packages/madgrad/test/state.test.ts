import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeState, encodeState } from '../src/experimental.js';
import {
  Madgrad,
  MirrorMadgrad,
  type Parameter,
  StateFormatError,
  type StatefulOptimizer,
} from '../src/index.js';
import { crc32 } from '../src/optimizers/crc32.js';
import { bitwiseEqual, fingerprint, param, randomArray, rng } from './helpers.js';

type Build = (params: Parameter[]) => StatefulOptimizer;

function makeParams(seed: number): Parameter[] {
  const random = rng(seed);
  return [
    param('w', [6, 5], randomArray(30, random)),
    param('b', [5], randomArray(5, random)),
    param('u', [2], randomArray(2, random)),
  ];
}

function gradients(seed: number, steps: number) {
  const random = rng(seed);
  return Array.from({ length: steps }, (_, k) => ({
    w: randomArray(30, random),
    b: randomArray(5, random),
    u: k < 3 ? null : randomArray(2, random), // u starts late: its state appears mid-run
  }));
}

const builds: Record<string, Build> = {
  madgrad: (p) =>
    new Madgrad([{ params: [p[0]!, p[1]!] }, { params: [p[2]!], lr: 0.05, momentum: 0.5 }], {
      weightDecay: 1e-3,
    }),
  'madgrad momentum 0, decoupled': (p) =>
    new Madgrad(p, { momentum: 0, weightDecay: 1e-2, decoupleDecay: true }),
  'mirror-madgrad': (p) => new MirrorMadgrad(p, { weightDecay: 1e-3 }),
};

describe('checkpoints', () => {
  for (const [name, build] of Object.entries(builds)) {
    it(`${name}: resuming from bytes is bitwise identical to never stopping`, () => {
      const grads = gradients(3, 20);
      const straight = makeParams(1);
      const a = build(straight);
      grads.forEach((g, k) => {
        if (k === 10) a.setLr(a.groups[0]!.lr / 2, 0); // a schedule: the changed lr must travel too
        a.step(g);
      });

      const first = makeParams(1);
      const b = build(first);
      grads.slice(0, 10).forEach((g) => b.step(g));
      b.setLr(b.groups[0]!.lr / 2, 0);
      const bytes = b.saveState();
      // A new process: fresh parameter arrays holding the values, a freshly built optimizer.
      const resumed = first.map((p) => param(p.name, [...p.shape], p.value.slice()));
      const c = build(resumed);
      c.loadState(bytes);
      assert.equal(c.stepCount, 10);
      grads.slice(10).forEach((g) => c.step(g));

      straight.forEach((p, i) =>
        assert.ok(bitwiseEqual(p.value, resumed[i]!.value), `param ${p.name}`),
      );
      assert.ok(
        Buffer.from(a.saveState()).equals(Buffer.from(c.saveState())),
        'final states differ',
      );
    });
  }

  it('is self-describing: the header lists the kind, step, groups and every buffer', () => {
    const p = makeParams(1);
    const opt = builds.madgrad!(p);
    gradients(3, 4).forEach((g) => opt.step(g));
    const state = decodeState(opt.saveState());
    assert.equal(state.kind, 'madgrad');
    assert.equal(state.k, 4);
    assert.deepEqual(
      state.groups.map((g) => g.params),
      [['w', 'b'], ['u']],
    );
    assert.deepEqual(
      state.tensors.map((t) => `${t.param}.${t.buffer}:${t.data.length}`),
      [
        'w.grad_sum_sq:30',
        'w.s:30',
        'w.x0:30',
        'b.grad_sum_sq:5',
        'b.s:5',
        'b.x0:5',
        'u.grad_sum_sq:2',
        'u.s:2',
        'u.x0:2',
      ],
    );
    const text = new TextDecoder().decode(opt.saveState().subarray(0, 8));
    assert.equal(text, 'MADGRAD\n');
  });
});

describe('loading a bad state throws a clear error and leaves the optimizer as it was', () => {
  function trained(): { opt: StatefulOptimizer; params: Parameter[]; bytes: Uint8Array } {
    const params = makeParams(1);
    const opt = builds.madgrad!(params);
    gradients(3, 5).forEach((g) => opt.step(g));
    return { opt, params, bytes: opt.saveState() };
  }
  /** Re-encodes a modified decoded state, so that only the semantic check can catch it. */
  function edited(
    bytes: Uint8Array,
    edit: (s: ReturnType<typeof decodeState>) => object,
  ): Uint8Array {
    return encodeState(edit(decodeState(bytes)) as never);
  }
  function withCrc(bytes: Uint8Array): Uint8Array {
    const out = bytes.slice();
    new DataView(out.buffer).setUint32(
      out.length - 4,
      crc32(out.subarray(0, out.length - 4)),
      true,
    );
    return out;
  }

  const cases: [string, (bytes: Uint8Array) => Uint8Array, RegExp][] = [
    ['empty', () => new Uint8Array(0), /truncated: 0 bytes/],
    ['truncated', (b) => b.subarray(0, b.length - 9), /truncated/],
    ['truncated inside the header', (b) => b.subarray(0, 40), /truncated/],
    ['with bytes appended', (b) => withCrc(Uint8Array.from([...b, 0, 0, 0, 0])), /too long/],
    [
      'with a flipped data byte',
      (b) => {
        const c = b.slice();
        c[c.length - 20]! ^= 0x10;
        return c;
      },
      /corrupted \(checksum mismatch\)/,
    ],
    [
      'with a flipped header byte',
      (b) => {
        const c = b.slice();
        c[20]! ^= 0x01;
        return c;
      },
      /corrupted|malformed/,
    ],
    [
      'with a bad magic',
      (b) => withCrc(Uint8Array.from([0x50, ...b.subarray(1)])),
      /not a madgrad optimizer state/,
    ],
    [
      'from a future format version',
      (b) => {
        const c = b.slice();
        new DataView(c.buffer).setUint32(8, 2, true);
        return withCrc(c);
      },
      /format version 2 is not supported/,
    ],
    [
      'of another optimizer kind',
      (b) => edited(b, (s) => ({ ...s, kind: 'mirror-madgrad' })),
      /optimizer state is for "mirror-madgrad", not madgrad/,
    ],
    [
      'with other parameter names',
      (b) =>
        edited(b, (s) => ({
          ...s,
          groups: [{ ...s.groups[0]!, params: ['w', 'bias'] }, s.groups[1]!],
        })),
      /group 0 holds parameters \["w", "bias"\]/,
    ],
    [
      'with another group count',
      (b) => edited(b, (s) => ({ ...s, groups: [s.groups[0]!] })),
      /has 1 parameter groups, this optimizer has 2/,
    ],
    [
      'with a buffer of the wrong size',
      (b) =>
        edited(b, (s) => ({
          ...s,
          tensors: s.tensors.map((t) =>
            t.param === 'b' && t.buffer === 's' ? { ...t, data: new Float32Array(4) } : t,
          ),
        })),
      /buffer "s" of "b" has 4 values, the parameter has 5/,
    ],
    [
      'with a buffer for an unknown parameter',
      (b) =>
        edited(b, (s) => ({
          ...s,
          tensors: [...s.tensors, { param: 'q', buffer: 's', data: new Float32Array(1) }],
        })),
      /unknown parameter "q"/,
    ],
    [
      'missing a buffer',
      (b) =>
        edited(b, (s) => ({
          ...s,
          tensors: s.tensors.filter((t) => !(t.param === 'w' && t.buffer === 'x0')),
        })),
      /"w" has buffers \["grad_sum_sq", "s"\], expected \["grad_sum_sq", "s", "x0"\]/,
    ],
    [
      'with invalid options',
      (b) =>
        edited(b, (s) => ({
          ...s,
          groups: [{ ...s.groups[0]!, options: { ...s.groups[0]!.options, lr: -1 } }, s.groups[1]!],
        })),
      /invalid options: group 0: option lr must be >= 0/,
    ],
    ['that is not bytes', () => 'hello' as never, /must be a Uint8Array/],
  ];
  for (const [what, corrupt, message] of cases) {
    it(what, () => {
      const { opt, params, bytes } = trained();
      const before = fingerprint(opt, params);
      assert.throws(
        () => opt.loadState(corrupt(bytes)),
        (e: Error) => e instanceof StateFormatError && message.test(e.message),
      );
      assert.equal(fingerprint(opt, params), before);
    });
  }

  it('a fresh optimizer stays fresh', () => {
    const { bytes } = trained();
    const params = makeParams(9);
    const opt = new Madgrad(params);
    assert.throws(() => opt.loadState(bytes), StateFormatError); // one group, not two
    assert.equal(opt.stepCount, 0);
    assert.equal(opt.stateOf('w'), undefined);
  });
});

describe('crc32', () => {
  it('matches the standard check value', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });
});
