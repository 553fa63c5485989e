/**
 * `npm run conformance -- kuttl <suite-config> [more kubectl kudo test flags]`: runs a
 * KUTTL suite from the config's folder (its paths are relative to it, as KUTTL expects)
 * and ends with `N passed, N failed` over its test cases.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
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
  const { exitCode, result, selected } = await runTests(['--config', basename(path), ...rest], {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: dirname(path),
    env: process.env,
  });
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
