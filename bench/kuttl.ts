/**
 * `npm run bench -- kuttl [--tests N] [--parallel N]`: times a generated suite of
 * control-plane-only KUTTL tests (two steps each: create, then patch, with asserts)
 * against the local control plane, or the real one when KUBEBUILDER_ASSETS is set.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '../src/harness/cli.js';

function flag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive integer`);
  return value;
}

export async function main(args: string[]): Promise<number> {
  const tests = flag(args, '--tests', 20);
  const parallel = flag(args, '--parallel', 8);
  const dir = mkdtempSync(join(tmpdir(), 'kuttl-bench-'));
  try {
    for (let i = 0; i < tests; i++) {
      const tc = join(dir, 'tests', `case-${String(i).padStart(2, '0')}`);
      mkdirSync(tc, { recursive: true });
      const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  value: "${value}"\n`;
      writeFileSync(
        join(tc, '00-create.yaml'),
        `${cm('one')}---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  labels: {case: "${i}"}\nstringData: {k: v}\n`,
      );
      writeFileSync(join(tc, '00-assert.yaml'), `${cm('one')}---\napiVersion: v1\nkind: Secret\nmetadata:\n  labels: {case: "${i}"}\ntype: Opaque\n`);
      writeFileSync(join(tc, '01-update.yaml'), cm('two'));
      writeFileSync(join(tc, '01-assert.yaml'), cm('two'));
      writeFileSync(join(tc, '01-errors.yaml'), cm('one'));
    }
    writeFileSync(
      join(dir, 'kuttl-test.yaml'),
      `apiVersion: kuttl.dev/v1beta1\nkind: TestSuite\nstartControlPlane: true\ntestDirs: [./tests]\nparallel: ${parallel}\n`,
    );
    const lines: string[] = [];
    const started = performance.now();
    const { exitCode, result } = await runTests([], {
      stdout: { write: (t: string) => lines.push(t) },
      stderr: process.stderr,
      cwd: dir,
      env: process.env,
    });
    const wall = (performance.now() - started) / 1000;
    if (!result || exitCode !== 0) {
      process.stdout.write(lines.join(''));
      console.error(`the benchmark suite failed (exit code ${exitCode})`);
      return 1;
    }
    const caseTimes = result.cases.map((c) => c.durationMs / 1000).sort((a, b) => a - b);
    const setup = lines.find((l) => l.includes('ready in'))?.trim();
    console.log(`environment: ${process.env.KUBEBUILDER_ASSETS ? `real control plane (${process.env.KUBEBUILDER_ASSETS})` : 'local control plane'}`);
    if (setup) console.log(`setup: ${setup}`);
    console.log(`${tests} tests x 2 steps, parallel ${parallel}: whole run ${wall.toFixed(2)}s`);
    console.log(`per test: median ${caseTimes[Math.floor(caseTimes.length / 2)].toFixed(2)}s, max ${caseTimes[caseTimes.length - 1].toFixed(2)}s`);
    return 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
