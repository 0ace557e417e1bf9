import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from './canonical-json.js';
import type { MethodName } from './methods.js';
import { OutDirError } from './out-dir.js';
import { planFileSchema, readJsonFile } from './plan-schema.js';
import { PRESET_TABLE, type PresetName } from './presets.js';
import type { Plan } from './protocol.js';
import type { TaskModuleRef } from './task-module-ref.js';
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
  modules?: Record<string, TaskModuleRef>;
}

function planFileOf(plan: Plan): PlanFile {
  return {
    preset: plan.preset.name,
    tasks: [...plan.tasks],
    methods: [...plan.methods],
    seeds: plan.seeds,
    ...(plan.sizes ? { sizes: plan.sizes } : {}),
    ...(plan.schedule ? { schedule: plan.schedule } : {}),
    ...(plan.modules ? { modules: { ...plan.modules } } : {}),
  };
}

/**
 * Stores the plan as `<outDir>/plan.json`. Refuses (OutDirError, nothing written) when the
 * directory already holds another plan, whose report the new one would silently replace.
 */
export function savePlan(outDir: string, plan: Plan): void {
  const text = `${JSON.stringify(planFileOf(plan), null, 2)}\n`;
  const path = join(outDir, 'plan.json');
  const old = loadPlan(outDir);
  if (old && canonicalJson(planFileOf(old)) !== canonicalJson(planFileOf(plan))) {
    // The same plan but for its task modules: say which module or data changed.
    const onlyModulesDiffer =
      canonicalJson({ ...planFileOf(old), modules: plan.modules }) ===
      canonicalJson(planFileOf(plan));
    const modules = Object.entries(plan.modules ?? {});
    const changed = modules.find(
      ([task, ref]) =>
        old.modules?.[task]?.path === ref.path && old.modules[task].sha256 !== ref.sha256,
    );
    if (changed && onlyModulesDiffer) {
      throw new OutDirError(
        `--out ${outDir} holds runs of task module ${changed[1].path} as it was before it changed: choose another --out, or delete ${path} to start over`,
      );
    }
    const dataChanged = modules.find(
      ([task, ref]) =>
        old.modules?.[task]?.sha256 === ref.sha256 &&
        old.modules[task].dataSha256 !== ref.dataSha256,
    );
    if (dataChanged && onlyModulesDiffer) {
      throw new OutDirError(
        `--out ${outDir} holds runs of task "${dataChanged[0]}" on other data than its data() gives now: restore the data, choose another --out, or delete ${path} to start over`,
      );
    }
    throw new OutDirError(
      `--out ${outDir} already holds another plan (preset ${old.preset.name}, tasks ${old.tasks.join(',')}, methods ${old.methods.join(',')}, ${old.seeds} seeds): choose another --out, or delete ${path} to replace its report`,
    );
  }
  writeFileSync(path, text);
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
    ...(f.modules ? { modules: f.modules } : {}),
  };
}
