import type { BackendName } from './backend.js';
import { lrCentreOf, type MethodName } from './methods.js';
import { PRESET_TABLE, type PresetName, presetSizeOf } from './presets.js';
import { spec } from './protocol.js';
import type { StoredRun } from './run-record.js';
import { executeRun } from './run-task.js';
import type { TaskName } from './tasks/index.js';
import type { EpochMetrics } from './tasks/task.js';

/** One run outside any protocol: the flags of `madgrad-lab train`. */
export interface TrainOneRequest {
  readonly task: TaskName;
  readonly method: MethodName;
  /** Absent: the method's sweep centre on the task. */
  readonly lr?: number;
  readonly weightDecay: number;
  readonly seed: number;
  /** Absent: the preset's. */
  readonly epochs?: number;
  /** The preset whose sizes the run takes. */
  readonly preset: PresetName;
  readonly backend: BackendName;
}

/** Trains one run in this process and returns its record (never throws for a training problem). */
export async function trainOne(
  request: TrainOneRequest,
  hooks: { onEpoch?: (metrics: EpochMetrics) => void } = {},
): Promise<StoredRun> {
  const { task, method } = request;
  const base = presetSizeOf(PRESET_TABLE[request.preset], task);
  const size = request.epochs ? { ...base, epochs: request.epochs } : base;
  const hp = { lr: request.lr ?? lrCentreOf(task, method), weightDecay: request.weightDecay };
  return executeRun(spec(task, method, hp, request.seed, size), request.backend, hooks);
}
