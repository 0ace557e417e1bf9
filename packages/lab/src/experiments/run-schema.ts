import { isKnownMethod } from './methods.js';
import { isTask } from './tasks/index.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** Metrics may be null: JSON stores a diverged run's NaN or Infinity as null. */
const isMetric = (v: unknown) => v === null || typeof v === 'number';
const STATUSES = ['ok', 'diverged', 'failed'];
const SIZE_KEYS = ['train', 'val', 'test', 'epochs', 'batchSize', 'width'];

/** What is wrong with a metrics record (each value a number or null), or undefined. */
function metricsProblem(m: unknown, where: string, withEpoch: boolean): string | undefined {
  if (!isObject(m)) return `${where} is not an object`;
  if (withEpoch && !(Number.isInteger(m.epoch) && (m.epoch as number) >= 1)) {
    return `${where}.epoch is not a positive integer`;
  }
  for (const [k, v] of Object.entries(m)) {
    if (!isMetric(v)) return `${where}.${k} is not a number`;
  }
  return undefined;
}

/**
 * What is wrong with a stored run read back from `<id>.json`, or undefined when it is a complete
 * `StoredRun` with that id: every field present with its type, a known task and method.
 */
export function storedRunProblem(value: unknown, id: string): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  const r = value;
  if (r.id !== id) return `id ${JSON.stringify(r.id)} does not match the file name`;
  if (typeof r.task !== 'string' || !isTask(r.task))
    return `unknown task ${JSON.stringify(r.task)}`;
  if (typeof r.method !== 'string' || !isKnownMethod(r.method)) {
    return `unknown method ${JSON.stringify(r.method)}`;
  }
  const hp = r.hyperparameters;
  if (!isObject(hp)) return 'hyperparameters missing';
  if (!isFiniteNumber(hp.lr) || !isFiniteNumber(hp.weightDecay)) {
    return 'hyperparameters.lr or .weightDecay is not a number';
  }
  if (hp.momentum !== undefined && !isFiniteNumber(hp.momentum)) {
    return 'hyperparameters.momentum is not a number';
  }
  if (!Number.isInteger(r.seed) || (r.seed as number) < 0) return 'seed is not an integer';
  if (!isObject(r.size)) return 'size missing';
  for (const k of SIZE_KEYS) {
    const v = r.size[k];
    if (!Number.isInteger(v) || (v as number) < 0) return `size.${k} is not an integer`;
  }
  if (typeof r.backend !== 'string') return 'backend missing';
  if (typeof r.status !== 'string' || !STATUSES.includes(r.status)) {
    return `status ${JSON.stringify(r.status)} is not one of ${STATUSES.join(', ')}`;
  }
  if (!isFiniteNumber(r.seconds) || r.seconds < 0) return 'seconds is not a number';
  if (r.error !== undefined && typeof r.error !== 'string') return 'error is not a string';
  if (!Array.isArray(r.epochs)) return 'epochs missing';
  for (let i = 0; i < r.epochs.length; i++) {
    const problem = metricsProblem(r.epochs[i], `epochs[${i}]`, true);
    if (problem) return problem;
  }
  return metricsProblem(r.final, 'final', false);
}
