/**
 * Every error the library throws is a `MadgradError`: each `throw` statement under src/ is found
 * with the TypeScript compiler, and the type of what it throws must derive from MadgradError. The
 * only exceptions are rethrows in a `catch` block (what was caught goes on unchanged, after
 * cleaning up), named below.
 */
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { ROOT } from './helpers.js';

/** Rethrows of a caught error, as `file: thrown expression`. */
const RETHROWS = new Set(['src/tfjs/minimize.ts: error', 'src/tfjs/state-slots.ts: e']);

interface ThrowSite {
  readonly where: string;
  readonly thrown: string;
  readonly type: ts.Type;
}

function throwSites(): { sites: ThrowSite[]; checker: ts.TypeChecker } {
  const configFile = ts.findConfigFile(ROOT, ts.sys.fileExists, 'tsconfig.json')!;
  const config = ts.getParsedCommandLineOfConfigFile(
    configFile,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const src = join(ROOT, 'src');
  const files = config.fileNames.filter((f) => f.startsWith(src));
  const program = ts.createProgram(files, config.options);
  const checker = program.getTypeChecker();
  const sites: ThrowSite[] = [];
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(src)) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isThrowStatement(node)) {
        const { line } = file.getLineAndCharacterOfPosition(node.getStart());
        sites.push({
          where: `${relative(ROOT, file.fileName)}:${line + 1}`,
          thrown: node.expression.getText(file),
          type: checker.getTypeAtLocation(node.expression),
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return { sites, checker };
}

/** True when `type` (or every member of a union) is a class deriving from MadgradError. */
function isMadgradError(type: ts.Type, checker: ts.TypeChecker): boolean {
  if (type.isUnion()) return type.types.every((t) => isMadgradError(t, checker));
  const seen = new Set<ts.Type>();
  const queue: ts.Type[] = [type];
  while (queue.length > 0) {
    const t = queue.shift()!;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.getSymbol()?.getName() === 'MadgradError') return true;
    if (t.isClassOrInterface()) queue.push(...checker.getBaseTypes(t));
  }
  return false;
}

describe('the errors the library throws', () => {
  const { sites, checker } = throwSites();

  it('finds the throw statements under src/', () => {
    assert.ok(sites.length >= 50, `only ${sites.length} throw statements found`);
  });

  it('every one throws a MadgradError subclass, but for the rethrows of a caught error', () => {
    const rethrows = sites.filter((s) =>
      RETHROWS.has(`${s.where.replace(/:\d+$/, '')}: ${s.thrown}`),
    );
    assert.equal(rethrows.length, RETHROWS.size, 'a listed rethrow is gone: update RETHROWS');
    const outside = sites
      .filter((s) => !rethrows.includes(s))
      .filter((s) => !isMadgradError(s.type, checker))
      .map((s) => `${s.where}: throw ${s.thrown.slice(0, 60)} (${checker.typeToString(s.type)})`);
    assert.deepEqual(outside, []);
  });
});
