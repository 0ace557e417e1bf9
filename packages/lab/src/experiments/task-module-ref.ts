import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { useBackend } from './backend.js';
import { defineTask } from './tasks/define-task.js';
import { isTask, registerTask, type Task, taskDefinition } from './tasks/index.js';
import type { TaskDefinition } from './tasks/task.js';
import { TaskError } from './tasks/user-task-data.js';
import type { UserTaskSpec } from './tasks/user-task-spec.js';

/**
 * Where a task that is not built in comes from: its module's absolute path and the sha256 of its
 * contents, and for a task in the simple form the sha256 of its data. A plan records it; the
 * processes that run the plan import the same module and refuse one whose contents or data
 * changed.
 */
export interface TaskModuleRef {
  readonly path: string;
  readonly sha256: string;
  readonly dataSha256?: string;
}

/** The module each task of this process was imported from, by task name. */
const imported = new Map<string, TaskModuleRef>();

/** Registers a task imported from a module, remembering the module (see `ensureTaskModules`). */
export function registerTaskModule(task: Task, ref: TaskModuleRef): void {
  registerTask(task);
  imported.set(task.name, ref);
}

/** The sha256 of a file's contents, in hex; throws `TaskError` when it cannot be read. */
function sha256Of(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new TaskError(`task module ${path} cannot be read (${code})`);
  }
}

/** A module's reference as it is now. */
export function taskModuleRef(path: string): TaskModuleRef {
  const absolute = resolve(path);
  return { path: absolute, sha256: sha256Of(absolute) };
}

/**
 * Imports a task module and defines its task (the default export, or the export named `task`:
 * either form of a task, or the result of `defineTask`). Throws `TaskError` with one line when
 * the module cannot be imported or exports no task.
 */
export async function importTaskModule(path: string): Promise<{ task: Task; ref: TaskModuleRef }> {
  const ref = taskModuleRef(path);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(ref.path).href)) as Record<string, unknown>;
  } catch (e) {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
    throw new TaskError(`task module ${ref.path} cannot be imported: ${message}`);
  }
  const exported = module.default ?? module.task;
  if (exported === undefined) {
    throw new TaskError(
      `task module ${ref.path} exports no task: export it as the default export or as "task"`,
    );
  }
  const task = defineTask(exported as UserTaskSpec | TaskDefinition);
  return { task, ref };
}

/**
 * Registers the task of each module not yet registered in this process, after checking that the
 * module's contents, and its data where the plan records a hash of it, are those the plan
 * recorded (a run pool's child, a queue worker). Throws `TaskError` with one line on a changed
 * module or data, or a task of another name.
 */
export async function ensureTaskModules(
  modules: Readonly<Record<string, TaskModuleRef>> | undefined,
): Promise<void> {
  for (const [name, ref] of Object.entries(modules ?? {})) {
    const before = imported.get(name);
    if (before && before.sha256 !== ref.sha256) {
      throw new TaskError(
        `task "${name}" was imported here from ${before.path} (sha256 ${before.sha256.slice(0, 12)}…); the plan records ${ref.path} (sha256 ${ref.sha256.slice(0, 12)}…)`,
      );
    }
    const checkedData = dataChecked.get(name);
    if (checkedData && ref.dataSha256 !== undefined && checkedData !== ref.dataSha256) {
      throw new TaskError(
        `task "${name}": its data here has sha256 ${checkedData.slice(0, 12)}…; the plan records ${ref.dataSha256.slice(0, 12)}…`,
      );
    }
    if (isTask(name)) continue;
    const now = sha256Of(ref.path);
    if (now !== ref.sha256) {
      throw new TaskError(
        `task module ${ref.path} changed since the plan recorded it (sha256 ${ref.sha256.slice(0, 12)}…, now ${now.slice(0, 12)}…): restore it, or tune again into another --out`,
      );
    }
    const { task } = await importTaskModule(ref.path);
    if (task.name !== name) {
      throw new TaskError(
        `task module ${ref.path} defines task "${task.name}", the plan "${name}"`,
      );
    }
    if (ref.dataSha256 !== undefined) {
      await checkTaskData(task, ref.dataSha256);
      dataChecked.set(name, ref.dataSha256);
    }
    registerTaskModule(task, ref);
  }
}

/** The data hash each task imported by `ensureTaskModules` was checked against, by task name. */
const dataChecked = new Map<string, string>();

/**
 * Loads a task's data (tensors on the cpu backend: a run moves them to its own) and refuses data
 * whose sha256 is not the one the plan recorded.
 */
async function checkTaskData(task: Task, recorded: string): Promise<void> {
  await useBackend('cpu');
  await task.prepare?.();
  const now = task.dataSha256?.();
  if (now !== recorded) {
    throw new TaskError(
      `task "${task.name}": its data() gives other data than the plan recorded (sha256 ${recorded.slice(0, 12)}…, now ${now?.slice(0, 12) ?? 'none'}…): restore it, or tune again into another --out`,
    );
  }
}

/**
 * Registers and prepares the task modules that `<outDir>/plan.json` records (a tune's output), so
 * that the plan can be loaded and its report written; a plan without modules is left alone (its
 * own checks report a damaged file).
 */
export async function registerPlanModules(outDir: string): Promise<void> {
  let modules: Record<string, TaskModuleRef> | undefined;
  try {
    modules = (
      JSON.parse(readFileSync(join(outDir, 'plan.json'), 'utf8')) as {
        modules?: Record<string, TaskModuleRef>;
      }
    ).modules;
  } catch {
    return;
  }
  if (typeof modules !== 'object' || modules === null) return;
  await registerModules(modules);
}

/**
 * Imports, registers and prepares the tasks of `modules` (hashes checked; see
 * `ensureTaskModules`), so that a plan naming them can be built here: their data gives their
 * sizes. Throws `TaskError` with one line.
 */
export async function registerModules(
  modules: Readonly<Record<string, TaskModuleRef>>,
): Promise<void> {
  await ensureTaskModules(modules);
  // Tensors need a backend; the data is only read here, never trained on.
  await useBackend('cpu');
  for (const name of Object.keys(modules)) await taskDefinition(name).prepare?.();
}
