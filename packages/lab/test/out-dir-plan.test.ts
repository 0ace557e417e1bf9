import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ablationConfig, saveAblationConfig } from '../src/experiments/ablation.js';
import { OutDirError } from '../src/experiments/out-dir.js';
import { loadPlan, savePlan } from '../src/experiments/plan-file.js';
import { planOf } from '../src/experiments/reproduction.js';

const temp = mkdtempSync(join(tmpdir(), 'madgrad-out-dir-plan-'));
after(() => rmSync(temp, { recursive: true, force: true }));

describe('an output directory keeps the plan it was made for', () => {
  it('accepts the same plan again (a resume) and refuses another, leaving plan.json as it was', () => {
    const dir = mkdtempSync(join(temp, 'plan-'));
    const smoke = planOf({ preset: 'smoke', tasks: ['digits'] });
    savePlan(dir, smoke);
    const before = readFileSync(join(dir, 'plan.json'), 'utf8');
    savePlan(dir, planOf({ preset: 'smoke', tasks: ['digits'] }));
    assert.throws(
      () => savePlan(dir, planOf({ preset: 'quick' })),
      (e: unknown) =>
        e instanceof OutDirError &&
        e.message ===
          `--out ${dir} already holds another plan (preset smoke, tasks digits, methods madgrad,mirror-madgrad,sgd,adam,adagrad, 1 seeds): choose another --out, or delete ${join(dir, 'plan.json')} to replace its report`,
    );
    assert.equal(readFileSync(join(dir, 'plan.json'), 'utf8'), before);
    assert.equal(loadPlan(dir)?.preset.name, 'smoke');
  });

  it('does the same for the ablation', () => {
    const dir = mkdtempSync(join(temp, 'ablation-'));
    saveAblationConfig(dir, ablationConfig('smoke'));
    saveAblationConfig(dir, ablationConfig('smoke'));
    assert.throws(
      () => saveAblationConfig(dir, ablationConfig('smoke', { seeds: 2 })),
      /already holds another ablation \(preset smoke, tasks digits, 1 seeds\)/,
    );
  });
});
