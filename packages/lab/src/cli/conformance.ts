#!/usr/bin/env node
/**
 * npm run conformance -- [--engine NAME] [--resume-at K] DIR...
 *
 * Runs every golden case in the given folders on one implementation, prints a line per case and
 * a closing "N passed, M failed"; exits 1 if any case fails or a folder holds no case.
 */
import { parseArgs } from 'node:util';
import { ENGINES, getEngine } from '../conformance/engines.js';
import { runConformance } from '../conformance/runner.js';

const USAGE = `usage: npm run conformance -- [--engine NAME] [--resume-at K] DIR...

  --engine NAME    implementation under test: ${Object.keys(ENGINES).join(', ')} (default core)
  --resume-at K    after step K, save the state to bytes, load it into a freshly built
                   optimizer and continue from there
  DIR...           folders of golden cases (*.json), e.g. golden/cases`;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length === 0) {
    console.error(`no folder of golden cases given\n\n${USAGE}`);
    return 2;
  }
  let resumeAt: number | undefined;
  if (values['resume-at'] !== undefined) {
    resumeAt = Number(values['resume-at']);
    if (!Number.isInteger(resumeAt) || resumeAt < 0) {
      console.error(`--resume-at takes a step count >= 0, got ${values['resume-at']}`);
      return 2;
    }
  }
  let engine: Awaited<ReturnType<typeof getEngine>> | undefined;
  try {
    engine = await getEngine(values.engine ?? 'core');
    const resumeNote =
      resumeAt === undefined ? '' : `, resuming from a checkpoint after step ${resumeAt}`;
    console.log(`engine ${engine.name}: ${engine.description}${resumeNote}`);
    const summary = await runConformance(engine, positionals, { resumeAt }, (line) =>
      console.log(line),
    );
    return summary.failed === 0 ? 0 : 1;
  } catch (e) {
    console.error(`conformance: ${(e as Error).message}`);
    return 1;
  } finally {
    await engine?.close?.();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      engine: { type: 'string' },
      'resume-at': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

process.exitCode = await main(process.argv.slice(2));
