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
  ['inverseSqrt', inverseSqrt, { lr: 1, warmupUpdates: 4 }, 'lr, warmupUpdates, warmupInitLr'],
  [
    'polynomialDecay',
    polynomialDecay,
    { lr: 1, totalUpdates: 10 },
    'lr, warmupUpdates, totalUpdates, endLr, power',
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
  [{ kind: 'step_decay', lr: 1, boundaries: [2], factor: 0.5 }, 'kind, lr, boundaries, factor'],
  [
    { kind: 'inverse_sqrt', lr: 1, warmupUpdates: 4, warmupInitLr: 0 },
    'kind, lr, warmupUpdates, warmupInitLr',
  ],
  [
    {
      kind: 'polynomial_decay',
      lr: 1,
      warmupUpdates: 0,
      totalUpdates: 10,
      endLr: 0,
      power: 1,
    },
    'kind, lr, warmupUpdates, totalUpdates, endLr, power',
  ],
  [{ kind: 'power_decay', lr: 1, power: 0.5 }, 'kind, lr, power'],
  [
    {
      kind: 'warmup_cosine',
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
      inverseSqrt: { lr: 1, warmupUpdates: 4, warmupInitLr: 0.1 },
      polynomialDecay: { lr: 1, warmupUpdates: 2, totalUpdates: 10, endLr: 0.1, power: 2 },
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

  it('a saved madgrad/tfjs config with an unknown schedule key names it', () => {
    assert.throws(
      () =>
        learningRateFromConfig({
          schedule: { kind: 'power_decay', lr: 1, power: 0.5, powr: 2 },
        }),
      unknownOption('power_decay', 'powr', 'kind, lr, power'),
    );
  });
});
