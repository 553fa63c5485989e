/**
 * `npm run conformance -- operators [dir]`: for every `<dir>/<name>/operator/` package,
 * verify must report no errors and the `deploy` plan must render with default
 * parameters to valid Kubernetes objects. Default dir: ../shared/testdata/operators.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackage } from '../src/packages/io/files.js';
import { objectErrors } from '../src/packages/objects.js';
import { renderPlan } from '../src/packages/plan-render.js';
import { verifyPackage } from '../src/packages/verify.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function checkPackage(path: string): string[] {
  const failures: string[] = [];
  let pkg;
  try {
    pkg = loadPackage(path);
  } catch (e) {
    return [`load: ${(e as Error).message}`];
  }
  const verified = verifyPackage(pkg);
  failures.push(...verified.errors.map((e) => `verify: ${e}`));
  try {
    const plan = renderPlan(pkg, { plan: 'deploy' });
    for (const t of plan.tasks) {
      const r = t.result;
      const objects = r.action === 'pipe' ? [r.pod] : r.action === 'none' ? [] : r.objects;
      for (const o of objects) {
        for (const err of objectErrors(o)) failures.push(`render ${t.phase}/${t.step}/${t.task}: ${o.kind ?? '?'} ${o.metadata?.name ?? ''}: ${err}`);
      }
    }
  } catch (e) {
    failures.push(`render: ${(e as Error).message}`);
  }
  return failures;
}

export async function main(args: string[]): Promise<number> {
  const dir = args[0] ?? join(repoRoot, '..', 'shared', 'testdata', 'operators');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    console.error(`operators: ${dir} is not a folder of packages (<name>/operator/)`);
    return 2;
  }
  let passed = 0;
  let failed = 0;
  for (const name of readdirSync(dir).sort()) {
    const pkgDir = join(dir, name, 'operator');
    if (!existsSync(pkgDir) || !statSync(pkgDir).isDirectory()) continue;
    const failures = checkPackage(pkgDir);
    if (failures.length) {
      failed++;
      console.log(`FAIL ${name}`);
      for (const f of failures) console.log(`  ${f}`);
    } else passed++;
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}
