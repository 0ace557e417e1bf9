/** Checks of a task's fields that both forms of a task share, each mistake one line. */

/** A value as a short quoted text for an error message. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40)).replace(/"/g, "'");
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export const wholeIn = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

/** A plain object (not an array, not null). */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A task's name: a lowercase letter, then up to 39 lowercase letters, digits, `-` or `_`. */
export const TASK_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;

/** A metric's key: a lowercase letter, then up to 39 lowercase letters, digits or `_`. */
export const METRIC_KEY_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

/** The mistakes of `lrCentres` (absent is sound): an object of method name: positive number. */
export function lrCentresProblems(at: string, centres: unknown): string[] {
  if (centres === undefined) return [];
  if (!isRecord(centres))
    return [`${at}: lrCentres must be an object of method: learning rate, got ${shown(centres)}`];
  return Object.entries(centres)
    .filter(([, lr]) => !positive(lr))
    .map(
      ([method, lr]) =>
        `${at}: lrCentres.${method.slice(0, 40)} must be a positive number, got ${shown(lr)}`,
    );
}

function gridProblem(field: string, grid: unknown): string | undefined {
  if (!Array.isArray(grid) || grid.length === 0 || grid.length > 10)
    return `${field} must be an array of 1 to 10 numbers, got ${shown(grid)}`;
  if (!grid.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0))
    return `${field} must hold non-negative finite numbers`;
  return undefined;
}

/**
 * The mistakes of `weightDecayGrid` (absent is sound): one grid of 1 to 10 non-negative numbers,
 * or an object of such grids by method name.
 */
export function weightDecayGridProblems(at: string, grid: unknown): string[] {
  if (grid === undefined) return [];
  if (!isRecord(grid)) {
    const problem = gridProblem('weightDecayGrid', grid);
    return problem ? [`${at}: ${problem}`] : [];
  }
  return Object.entries(grid).flatMap(([method, g]) => {
    const problem = gridProblem(`weightDecayGrid.${method.slice(0, 40)}`, g);
    return problem ? [`${at}: ${problem}`] : [];
  });
}

/**
 * The start of a task's checks, in either form: `at` names the task in each message, `out`
 * collects the mistakes, `bad` adds one about a field; the unknown fields and a bad name are
 * already in `out`.
 */
export function taskChecks(task: Record<string, unknown>, known: ReadonlySet<string>) {
  const out: string[] = [];
  const name = typeof task.name === 'string' ? task.name : '';
  const at = `task${name ? ` "${name.slice(0, 40)}"` : ''}`;
  const bad = (field: string, want: string) =>
    out.push(`${at}: ${field} must be ${want}, got ${shown(task[field])}`);
  for (const key of Object.keys(task)) {
    if (!known.has(key))
      out.push(`${at}: unknown field ${shown(key)} (known: ${[...known].join(', ')})`);
  }
  if (!TASK_NAME_PATTERN.test(name))
    bad('name', 'a lowercase letter, then up to 39 lowercase letters, digits, - or _');
  return { at, out, bad };
}
