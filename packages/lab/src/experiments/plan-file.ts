import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MethodName } from './methods.js';
import { planFileSchema, readJsonFile } from './plan-schema.js';
import { PRESET_TABLE, type PresetName } from './presets.js';
import type { Plan } from './protocol.js';
import type { TaskName } from './tasks/index.js';
import type { ScheduleSpec } from './tasks/schedules.js';
import type { TaskSize } from './tasks/task.js';

/**
 * What `<out>/plan.json` holds: enough to rebuild the report from the stored runs (its schema,
 * with the bounds of every number, is `planFileSchema` in plan-schema.ts).
 */
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

/**
 * The plan stored in `<outDir>/plan.json`; undefined when there is none. Throws `InputFileError`
 * (one line naming the file and field) when the file is damaged.
 */
export function loadPlan(outDir: string): Plan | undefined {
  const f: PlanFile | undefined = readJsonFile(join(outDir, 'plan.json'), planFileSchema);
  if (!f) return undefined;
  return {
    preset: PRESET_TABLE[f.preset],
    tasks: f.tasks,
    methods: f.methods,
    seeds: f.seeds,
    ...(f.sizes ? { sizes: f.sizes } : {}),
    ...(f.schedule ? { schedule: f.schedule } : {}),
  };
}
