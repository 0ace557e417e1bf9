import type { Command } from 'commander';
import { type BackendName, useBackend } from '../../experiments/backend.js';
import {
  ABLATION_METHODS,
  isKnownMethod,
  isMethod,
  lrCentreOf,
  METHOD_LABELS,
  METHODS,
  type MethodName,
} from '../../experiments/methods.js';
import { MAX_EPOCHS, MAX_SEED } from '../../experiments/plan-schema.js';
import { importTaskModule, registerTaskModule } from '../../experiments/task-module-ref.js';
import { isBuiltinTask, TASKS, type TaskName } from '../../experiments/tasks/index.js';
import { type TrainOneRequest, trainOne } from '../../experiments/train-one.js';
import {
  backendOption,
  oneOf,
  positiveNumber,
  presetOption,
  wholeNumber,
} from './shared-options.js';

/** A task module's path: it names a folder or a script file. */
const isModulePath = (value: string) => /[/\\]|\.[cm]?js$/.test(value);

/** `--task`: a built-in task's name, or a task module's path (imported by the action). */
function taskOrModule(value: string): string {
  const item = value.trim();
  if (isBuiltinTask(item) || isModulePath(item)) return item;
  return oneOf('task', TASKS, isBuiltinTask)(item);
}

/**
 * The task's name: a built-in task's as given; a module's task once imported, registered and
 * loaded (its sizes may come from its data).
 */
async function registeredTask(task: string, backend: BackendName): Promise<TaskName> {
  if (isBuiltinTask(task)) return task;
  const imported = await importTaskModule(task);
  registerTaskModule(imported.task, imported.ref);
  await useBackend(backend);
  await imported.task.prepare?.();
  return imported.task.name;
}

/** `madgrad-lab train`: one run, its per-epoch metrics as JSON lines. */
export function register(program: Command): void {
  program
    .command('train')
    .description('train one run and print its per-epoch metrics as JSON lines')
    .requiredOption(
      '--task <name>',
      `${TASKS.join(', ')}, or a task module's path (./my-task.mjs)`,
      taskOrModule,
    )
    .requiredOption(
      '--method <name>',
      `${METHODS.join(', ')}; also the ablation's ${ABLATION_METHODS.filter((m) => !isMethod(m)).join(', ')} (with --lr on tasks other than digits and g2p)`,
      oneOf('method', Object.keys(METHOD_LABELS) as MethodName[], isKnownMethod),
    )
    .option(
      '--lr <x>',
      "learning rate (default: the method's usual value on the task)",
      positiveNumber('--lr'),
    )
    .option('--weight-decay <x>', 'coupled weight decay', positiveNumber('--weight-decay', true), 0)
    .option('--seed <n>', `seed, 0 to ${MAX_SEED}`, wholeNumber('--seed', 0, MAX_SEED), 0)
    .option(
      '--epochs <n>',
      `epochs, 1 to ${MAX_EPOCHS} (default: the preset's)`,
      wholeNumber('--epochs', 1, MAX_EPOCHS),
    )
    .addOption(presetOption('sizes from this preset'))
    .addOption(backendOption())
    .action(async (given: TrainOneRequest) => {
      const flags = { ...given, task: await registeredTask(given.task, given.backend) };
      if (flags.lr === undefined) {
        try {
          lrCentreOf(flags.task, flags.method);
        } catch (e) {
          console.error(`error: ${(e as Error).message}: give --lr`);
          process.exitCode = 1;
          return;
        }
      }
      const record = await trainOne(flags, { onEpoch: (m) => console.log(JSON.stringify(m)) });
      console.log(
        JSON.stringify({
          status: record.status,
          seconds: record.seconds,
          final: record.final,
          ...(record.error ? { error: record.error } : {}),
        }),
      );
      if (record.status === 'failed') process.exitCode = 1;
    });
}
