/**
 * `npm run conformance -- kuttl <suite-config> [more kubectl kudo test flags]`: runs a
 * KUTTL suite from (a writable copy of) the config's folder, since its paths are relative
 * to it as KUTTL expects, and ends with `N passed, N failed` over its test cases.
 * The copy keeps the read-only corpus clean of ./kubeconfig, reports and files that
 * step commands write.
 */

/** Makes a copied tree writable for its owner (the corpus is read-only). */
function makeWritable(path: string): void {
  const mode = statSync(path).mode;
  chmodSync(path, mode | 0o200);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { runTests } from '../src/harness/cli.js';

export async function main(args: string[]): Promise<number> {
  const [config, ...rest] = args;
  if (!config || config.startsWith('-')) {
    console.error('usage: npm run conformance -- kuttl <suite-config.yaml> [kubectl kudo test flags...]');
    return 2;
  }
  const path = resolve(process.cwd(), config);
  if (!existsSync(path)) {
    console.error(`suite config ${path} does not exist (is ../shared present?)`);
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), 'kuttl-conformance-'));
  const outcome = await (async () => {
    try {
      cpSync(dirname(path), work, { recursive: true });
      makeWritable(work);
      console.log(`running ${path} in a copy at ${work}`);
      return await runTests(['--config', basename(path), ...rest], { stdout: process.stdout, stderr: process.stderr, cwd: work, env: process.env });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  })();
  const { exitCode, result, selected } = outcome;
  if (!result) {
    console.log('0 passed, 1 failed');
    return exitCode || 1;
  }
  if (result.setupFailure) console.log(`FAILED setup: ${result.setupFailure}`);
  for (const c of result.cases) {
    if (c.failure) console.log(`FAILED ${c.name}: step ${c.failure.step}: ${c.failure.errors[0]?.split('\n')[0] ?? ''}`);
  }
  const passed = result.cases.filter((c) => !c.failure).length;
  // After a setup failure no case ran: every selected case counts as failed.
  const failed = result.setupFailure ? Math.max(selected, 1) - passed : result.cases.length - passed;
  console.log(`${passed} passed, ${failed} failed`);
  return exitCode;
}
