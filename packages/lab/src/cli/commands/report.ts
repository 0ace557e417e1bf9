import type { Command } from 'commander';
import { loadAblationConfig } from '../../experiments/ablation.js';
import { checkOutPath, prepareOutDir, storedRuns } from '../../experiments/out-dir.js';
import { loadPlan } from '../../experiments/plan-file.js';
import { quoted } from '../../experiments/quoted.js';
import { writeAblationReport } from '../../experiments/report/ablation-report.js';
import { writeReport } from '../../experiments/report/write-report.js';
import { registerPlanModules } from '../../experiments/task-module-ref.js';

/**
 * `madgrad-lab report`: rewrite the report of a reproduction or an ablation from its stored runs.
 * plan.json (or ablation.json) and runs/ are checked before anything is written; a damaged one is
 * named in one line (OutDirError, InputFileError) and the report is left as it was.
 */
export function register(program: Command): void {
  program
    .command('report')
    .description(
      'write index.html, results.json and README.md from the runs stored in --out (a reproduction, or an ablation where --out holds ablation.json)',
    )
    .option('--out <dir>', 'directory holding runs/ and plan.json (or ablation.json)', 'report')
    .action(async (flags: { out: string }, command: Command) => {
      checkOutPath(flags.out);
      const ablation = loadAblationConfig(flags.out);
      // A tune's plan names a user's task: its module is imported (hash checked) first.
      if (!ablation) await registerPlanModules(flags.out);
      const plan = ablation ? undefined : loadPlan(flags.out);
      if (!ablation && !plan) {
        command.error(
          `error: no plan.json in ${quoted(flags.out)}: run "madgrad-lab sweep --out <dir>" first`,
        );
      }
      prepareOutDir(flags.out);
      const runs = storedRuns(flags.out);
      if (ablation) {
        const files = await writeAblationReport(flags.out, ablation, runs);
        console.log(`ablation report written: ${files.join(', ')}`);
      } else if (plan) {
        const files = await writeReport(flags.out, plan, runs);
        console.log(`report written: ${files.join(', ')}`);
      }
    });
}
