import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ablationConfig } from '../src/experiments/ablation.js';
import { PRESET_TABLE } from '../src/experiments/presets.js';
import { type Plan, sweepSpecs } from '../src/experiments/protocol.js';
import { checkJob, jobFor, recordFromResult } from '../src/queue/job-schema.js';
import { ablationRefs, planFromRef, planHash, protocolRef } from '../src/queue/plan-ref.js';
import { parseQueueUrl, redactText, redactUrl } from '../src/queue/queue-url.js';

const VERSION = 'test-version';
const plan: Plan = {
  preset: PRESET_TABLE.smoke,
  tasks: ['digits', 'sparse'],
  methods: ['madgrad', 'sgd'],
  seeds: 1,
};
const ref = protocolRef(plan);
const spec = sweepSpecs(plan)[0]!;

/** A valid job with one field replaced (a deep path). */
function jobWith(path: string[], value: unknown): Record<string, unknown> {
  const job = structuredClone(jobFor(ref, spec, 'wasm', VERSION)) as Record<string, unknown>;
  let node = job;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[path.at(-1)!] = value;
  return job;
}

describe('queue URL', () => {
  it('parses redis:// and rediss://, password from the URL or the environment', () => {
    const a = parseQueueUrl('redis://:p%40ss@10.0.0.2:7000/3', {});
    assert.deepEqual(
      [a.host, a.port, a.db, a.tls, a.password],
      ['10.0.0.2', 7000, 3, false, 'p@ss'],
    );
    assert.equal(a.display, 'redis://:***@10.0.0.2:7000/3');
    const b = parseQueueUrl('rediss://queue.example', { MADGRAD_QUEUE_PASSWORD: 'envpw' });
    assert.deepEqual([b.port, b.db, b.tls, b.password], [6379, 0, true, 'envpw']);
    assert.ok(!b.display.includes('envpw'));
    const c = parseQueueUrl('redis://alice:pw@h:1', {});
    assert.deepEqual(
      [c.username, c.password, c.display],
      ['alice', 'pw', 'redis://alice:***@h:1/0'],
    );
  });

  it('rejects other schemes and bad databases without echoing the password', () => {
    assert.throws(() => parseQueueUrl('http://h:1', {}), /unsupported scheme/);
    assert.throws(() => parseQueueUrl('redis://:secret@h:1/x', {}), /database/);
    assert.throws(() => parseQueueUrl('redis://:secret@h:1/99', {}), /0 to 15/);
    try {
      parseQueueUrl('redis://:secret@[bad', {});
      assert.fail('should throw');
    } catch (e) {
      assert.ok(!(e as Error).message.includes('secret'), (e as Error).message);
    }
  });

  it('redacts passwords from URLs and text', () => {
    assert.equal(redactUrl('redis://:hunter2@h:1/0'), 'redis://:***@h:1/0');
    assert.equal(redactUrl('rediss://bob:hunter2@h'), 'rediss://bob:***@h');
    assert.equal(
      redactText('auth hunter2 failed for hunter2', ['hunter2']),
      'auth *** failed for ***',
    );
  });
});

describe('queue jobs', () => {
  it('a job round-trips to the same spec, rebuilt by the worker from its own plan', () => {
    for (const s of sweepSpecs(plan)) {
      const verdict = checkJob(
        JSON.parse(JSON.stringify(jobFor(ref, s, 'wasm', VERSION))),
        s.id,
        VERSION,
      );
      assert.equal(verdict.kind, 'run');
      if (verdict.kind === 'run') assert.deepEqual(verdict.spec, s);
    }
    const config = ablationConfig('smoke', { methods: ['da', 'madgrad'] });
    for (const r of ablationRefs(config)) {
      for (const s of sweepSpecs(planFromRef(r))) {
        const verdict = checkJob(jobFor(r, s, 'cpu', VERSION), s.id, VERSION);
        assert.equal(verdict.kind, 'run', s.id);
        if (verdict.kind === 'run') assert.deepEqual([verdict.spec, verdict.backend], [s, 'cpu']);
      }
    }
  });

  it('refuses a job of another code version; rejects one of another plan; runs neither', () => {
    const other = checkJob(jobWith(['version'], 'madgrad-lab@0.0.9+abc'), spec.id, VERSION);
    assert.equal(other.kind, 'refuse');
    assert.match((other as { reason: string }).reason, /0\.0\.9\+abc.*this worker is test-version/);
    const bigger: Plan = {
      ...plan,
      preset: {
        ...plan.preset,
        sizes: { ...plan.preset.sizes, digits: { ...plan.preset.sizes.digits, epochs: 3 } },
      },
    };
    // Same code version, so the same presets: a plan hash this code does not compute is a stray
    // job of another plan, set aside (rejected) rather than refused (which stops the worker).
    const sizes = checkJob(jobWith(['planHash'], planHash(bigger)), spec.id, VERSION);
    assert.equal(sizes.kind, 'reject');
    assert.match((sizes as { reason: string }).reason, /of another plan/);
  });

  it('rejects malformed and hostile payloads by schema, evaluating nothing', () => {
    const hostile: [string[], unknown][] = [
      [['run', 'task'], 'constructor'],
      [['run', 'method'], 'require("child_process").exec("rm -rf /")'],
      [['run', 'hyperparameters', 'lr'], 'process.exit(1)'],
      [['run', 'hyperparameters', 'lr'], Number.POSITIVE_INFINITY],
      [['run', 'hyperparameters', 'lr'], 0.123], // off the plan's grid
      [['run', 'hyperparameters', 'momentum'], 0.5],
      [['run', 'seed'], 7], // beyond the plan's seeds
      [['run', 'id'], '../../etc/passwd'],
      [['run', 'id'], 'digits__madgrad__other'],
      [['run', 'evil'], { toString: 'x' }],
      [['plan', 'preset'], 'huge'],
      [
        ['plan', 'tasks'],
        ['digits', '__proto__'],
      ],
      [
        ['plan', 'sizes'],
        { digits: { train: 1e12, val: 1, test: 1, epochs: 1, batchSize: 1, width: 1 } },
      ],
      [['backend'], 'webgpu'],
      [['extra'], 1],
    ];
    for (const [path, value] of hostile) {
      const verdict = checkJob(jobWith(path, value), spec.id, VERSION);
      assert.equal(verdict.kind, 'reject', `${path.join('.')} = ${JSON.stringify(value)}`);
    }
    for (const payload of [null, 42, 'x', [], { version: 1 }]) {
      assert.equal(checkJob(payload, 'x', VERSION).kind, 'reject');
    }
    assert.equal(
      checkJob(jobFor(ref, spec, 'wasm', VERSION), 'another-id', VERSION).kind,
      'reject',
    );
  });

  it('a result becomes a stored run only when it is the planned run by the store schema; refusals are named', () => {
    const { schedule: _schedule, ...identity } = spec;
    const result = {
      ...identity,
      backend: 'wasm',
      epochs: [
        { epoch: 1, train_loss: 0.5 },
        { epoch: 2, train_loss: null },
      ],
      final: { train_loss: null },
      status: 'diverged',
      seconds: 1.5,
    };
    const record = recordFromResult(spec, 'wasm', result);
    assert.ok(typeof record !== 'string', String(record));
    assert.equal(record.task, spec.task);
    assert.equal(record.status, 'diverged');
    assert.match(
      String(recordFromResult(spec, 'wasm', { ...result, status: 'great' })),
      /malformed/,
    );
    assert.match(String(recordFromResult(spec, 'wasm', { ...result, id: 'x' })), /id is "x"/);
  });
});
