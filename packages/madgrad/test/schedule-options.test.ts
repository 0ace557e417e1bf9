import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  InvalidOptionError,
  inverseSqrt,
  polynomialDecay,
  powerDecay,
  type Schedule,
  type ScheduleConfig,
  scheduleFromConfig,
  stepDecay,
  warmupCosine,
} from '../src/index.js';
import { learningRateFromConfig } from '../src/tfjs/config.js';

/** Each schedule builder, valid options for it, and the option names it accepts. */
const BUILDERS: [string, (options: never) => Schedule, Record<string, unknown>, string][] = [
  ['stepDecay', stepDecay, { lr: 1, boundaries: [2] }, 'lr, boundaries, factor'],
  ['inverseSqrt', inverseSqrt, { lr: 1, warmupSteps: 4 }, 'lr, warmupSteps, warmupInitLr'],
  [
    'polynomialDecay',
    polynomialDecay,
    { lr: 1, totalSteps: 10 },
    'lr, warmupSteps, totalSteps, endLr, power',
  ],
  [
    'warmupCosine',
    warmupCosine,
    { peakLr: 1, warmupSteps: 2, decaySteps: 10 },
    'peakLr, warmupSteps, decaySteps, initLr, endLr, exponent',
  ],
  ['powerDecay', powerDecay, { lr: 1, power: 0.5 }, 'lr, power'],
];

/** Each stored config kind, a valid config of it, and the keys it accepts. */
const CONFIGS: [Record<string, unknown>, string][] = [
  [{ kind: 'constant', lr: 1 }, 'kind, lr'],
  [{ kind: 'stepDecay', lr: 1, boundaries: [2], factor: 0.5 }, 'kind, lr, boundaries, factor'],
  [
    { kind: 'inverseSqrt', lr: 1, warmupSteps: 4, warmupInitLr: 0 },
    'kind, lr, warmupSteps, warmupInitLr',
  ],
  [
    {
      kind: 'polynomialDecay',
      lr: 1,
      warmupSteps: 0,
      totalSteps: 10,
      endLr: 0,
      power: 1,
    },
    'kind, lr, warmupSteps, totalSteps, endLr, power',
  ],
  [{ kind: 'powerDecay', lr: 1, power: 0.5 }, 'kind, lr, power'],
  [
    {
      kind: 'warmupCosine',
      initLr: 0,
      peakLr: 1,
      warmupSteps: 2,
      decaySteps: 10,
      endLr: 0,
      exponent: 1,
    },
    'kind, peakLr, warmupSteps, decaySteps, initLr, endLr, exponent',
  ],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The error names the schedule, the key and the accepted names, on one line. */
function unknownOption(kind: string, key: string, known: string): (e: unknown) => boolean {
  const expected = new RegExp(
    `^schedule ${kind}: unknown option ${escapeRegExp(JSON.stringify(key))} \\(known: ${escapeRegExp(known)}\\)`,
  );
  return (e) => {
    assert.ok(e instanceof InvalidOptionError, `not an InvalidOptionError: ${e}`);
    assert.match(e.message, expected);
    assert.ok(!e.message.includes('\n'), `more than one line: ${e.message}`);
    return true;
  };
}

describe('schedule options', () => {
  it('each builder rejects an unknown option, naming it and the accepted ones', () => {
    for (const [name, build, options, known] of BUILDERS) {
      const kind = build(options as never).config.kind;
      for (const key of ['facter', 'warmup_updates', 'kind', 'line\nbreak']) {
        assert.throws(
          () => build({ ...options, [key]: 1 } as never),
          unknownOption(kind, key, known),
          `${name} with ${JSON.stringify(key)}`,
        );
      }
    }
  });

  it('each builder accepts every option it lists', () => {
    const full: Record<string, Record<string, unknown>> = {
      stepDecay: { lr: 1, boundaries: [2], factor: 0.5 },
      inverseSqrt: { lr: 1, warmupSteps: 4, warmupInitLr: 0.1 },
      polynomialDecay: { lr: 1, warmupSteps: 2, totalSteps: 10, endLr: 0.1, power: 2 },
      warmupCosine: {
        peakLr: 1,
        warmupSteps: 2,
        decaySteps: 10,
        initLr: 0.1,
        endLr: 0.1,
        exponent: 2,
      },
      powerDecay: { lr: 1, power: 0.5 },
    };
    for (const [name, build, , known] of BUILDERS) {
      assert.deepEqual(Object.keys(full[name]!).join(', '), known, name);
      assert.equal(typeof build(full[name] as never), 'function', name);
    }
  });

  it('scheduleFromConfig rejects an unknown key of each kind, naming it and the accepted ones', () => {
    for (const [config, known] of CONFIGS) {
      const kind = config.kind as string;
      assert.equal(scheduleFromConfig(config as ScheduleConfig).config.kind, kind);
      assert.throws(
        () => scheduleFromConfig({ ...config, warmup: 5 } as never),
        unknownOption(kind, 'warmup', known),
      );
    }
  });

  it('a builder given an option name of earlier versions names its new name', () => {
    const cases: [string, () => unknown, string, string, string][] = [
      [
        'inverseSqrt',
        () => inverseSqrt({ lr: 1, warmupUpdates: 4 } as never),
        'warmupUpdates',
        'lr, warmupSteps, warmupInitLr',
        'warmupUpdates is now warmupSteps',
      ],
      [
        'polynomialDecay',
        () => polynomialDecay({ lr: 1, warmupSteps: 2, totalUpdates: 10 } as never),
        'totalUpdates',
        'lr, warmupSteps, totalSteps, endLr, power',
        'totalUpdates is now totalSteps',
      ],
      [
        'polynomialDecay',
        () => polynomialDecay({ lr: 1, warmupUpdates: 2, totalSteps: 10 } as never),
        'warmupUpdates',
        'lr, warmupSteps, totalSteps, endLr, power',
        'warmupUpdates is now warmupSteps',
      ],
    ];
    for (const [kind, build, key, known, hint] of cases) {
      assert.throws(build, (e: unknown) => {
        unknownOption(kind, key, known)(e);
        assert.ok((e as Error).message.endsWith(`: ${hint}`), (e as Error).message);
        return true;
      });
    }
    // warmupCosine never had warmupUpdates: no hint.
    assert.throws(
      () => warmupCosine({ peakLr: 1, warmupUpdates: 2, decaySteps: 10 } as never),
      (e: unknown) => !(e as Error).message.includes('is now'),
    );
  });

  it('scheduleFromConfig reads the snake_case kinds and option names of earlier versions', () => {
    const old: [Record<string, unknown>, ScheduleConfig][] = [
      [
        { kind: 'step_decay', lr: 1, boundaries: [2], factor: 0.5 },
        { kind: 'stepDecay', lr: 1, boundaries: [2], factor: 0.5 },
      ],
      [
        { kind: 'inverse_sqrt', lr: 1, warmupUpdates: 4, warmupInitLr: 0.1 },
        { kind: 'inverseSqrt', lr: 1, warmupSteps: 4, warmupInitLr: 0.1 },
      ],
      [
        // tfjs-layers camel-cases the kind of a loaded model, not its keys.
        { kind: 'inverseSqrt', lr: 1, warmupUpdates: 4, warmupInitLr: 0.1 },
        { kind: 'inverseSqrt', lr: 1, warmupSteps: 4, warmupInitLr: 0.1 },
      ],
      [
        { kind: 'polynomial_decay', lr: 1, warmupUpdates: 2, totalUpdates: 10, endLr: 0, power: 2 },
        { kind: 'polynomialDecay', lr: 1, warmupSteps: 2, totalSteps: 10, endLr: 0, power: 2 },
      ],
      [
        { kind: 'power_decay', lr: 1, power: 0.5 },
        { kind: 'powerDecay', lr: 1, power: 0.5 },
      ],
      [
        { kind: 'warmup_cosine', peakLr: 1, warmupSteps: 2, decaySteps: 10, initLr: 0 },
        {
          kind: 'warmupCosine',
          peakLr: 1,
          warmupSteps: 2,
          decaySteps: 10,
          initLr: 0,
          endLr: 0,
          exponent: 1,
        },
      ],
    ];
    for (const [stored, expected] of old) {
      const schedule = scheduleFromConfig(stored as never);
      assert.deepEqual(
        { ...schedule.config },
        { ...scheduleFromConfig(expected).config },
        JSON.stringify(stored),
      );
      assert.equal(schedule.config.kind, expected.kind);
    }
  });

  it('scheduleFromConfig refuses an old and a new name of one option together', () => {
    assert.throws(
      () =>
        scheduleFromConfig({
          kind: 'inverse_sqrt',
          lr: 1,
          warmupUpdates: 4,
          warmupSteps: 4,
        } as never),
      (e: unknown) =>
        e instanceof InvalidOptionError &&
        /^schedule inverseSqrt: holds both warmupUpdates and warmupSteps/.test(e.message),
    );
  });

  it('a saved madgrad/tfjs config with an unknown schedule key names it', () => {
    assert.throws(
      () =>
        learningRateFromConfig({
          schedule: { kind: 'powerDecay', lr: 1, power: 0.5, powr: 2 },
        }),
      unknownOption('powerDecay', 'powr', 'kind, lr, power'),
    );
    assert.throws(
      () =>
        learningRateFromConfig({
          schedule: { kind: 'power_decay', lr: 1, power: 0.5, powr: 2 },
        }),
      unknownOption('powerDecay', 'powr', 'kind, lr, power'),
    );
  });
});
