import type { Command } from 'commander';
import { loadAblationConfig } from '../../experiments/ablation.js';
import { loadPlan } from '../../experiments/plan-file.js';
import { writeAblationReport } from '../../experiments/report/ablation-report.js';
import { RunStore } from '../../experiments/run-store.js';
import { report } from './protocol-command.js';

/** `madgrad report`: rewrite the report of a reproduction or an ablation from its stored runs. */
export function register(program: Command): void {
  program
    .command('report')
    .description(
      'write index.html, results.json and README.md from the runs stored in --out (a reproduction, or an ablation where --out holds ablation.json)',
    )
    .option('--out <dir>', 'directory holding runs/ and plan.json (or ablation.json)', 'report')
    .action(async (flags: { out: string }) => {
      const ablation = loadAblationConfig(flags.out);
      if (ablation) {
        const files = await writeAblationReport(flags.out, ablation, new RunStore(flags.out).all());
        console.log(`ablation report written: ${files.join(', ')}`);
        return;
      }
      const plan = loadPlan(flags.out);
      if (!plan) {
        program.error(`no plan.json in ${flags.out}: run "madgrad sweep --out ${flags.out}" first`);
      } else {
        await report(flags.out, plan);
      }
    });
}
