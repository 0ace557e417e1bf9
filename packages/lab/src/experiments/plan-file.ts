import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isKnownMethod, type MethodName } from './methods.js';
import { isPreset, PRESET_TABLE, type PresetName } from './presets.js';
import type { Plan } from './protocol.js';
import { isTask, type TaskName } from './tasks/index.js';
import type { ScheduleSpec } from './tasks/schedules.js';
import type { TaskSize } from './tasks/task.js';

/** What `<out>/plan.json` holds: enough to rebuild the report from the stored runs. */
interface PlanFile {
  preset: PresetName;
  tasks: TaskName[];
  methods: MethodName[];
  seeds: number;
  sizes?: Partial<Record<TaskName, TaskSize>>;
  schedule?: ScheduleSpec;
}

export function savePlan(outDir: string, plan: Plan): void {
  const file: PlanFile = {
    preset: plan.preset.name,
    tasks: [...plan.tasks],
    methods: [...plan.methods],
    seeds: plan.seeds,
    ...(plan.sizes ? { sizes: plan.sizes } : {}),
    ...(plan.schedule ? { schedule: plan.schedule } : {}),
  };
  writeFileSync(join(outDir, 'plan.json'), `${JSON.stringify(file, null, 2)}\n`);
}

export function loadPlan(outDir: string): Plan | undefined {
  const path = join(outDir, 'plan.json');
  if (!existsSync(path)) return undefined;
  const f = JSON.parse(readFileSync(path, 'utf8')) as PlanFile;
  if (!isPreset(f.preset) || !f.tasks.every(isTask) || !f.methods.every(isKnownMethod)) {
    throw new Error(`${path} names an unknown preset, task or method`);
  }
  return {
    preset: PRESET_TABLE[f.preset],
    tasks: f.tasks,
    methods: f.methods,
    seeds: f.seeds,
    sizes: f.sizes,
    ...(f.schedule ? { schedule: f.schedule } : {}),
  };
}
