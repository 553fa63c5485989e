/**
 * `npm run bench -- packages [dir] [rounds]`: time loading, verifying and rendering the
 * deploy plan of every package in a folder (default ../shared/testdata/operators).
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPackage } from '../src/packages/io/files.js';
import { readFolderEntries } from '../src/packages/io/files.js';
import { readTgz, writeTgz } from '../src/packages/io/tar.js';
import { renderPlan } from '../src/packages/plan-render.js';
import { verifyPackage } from '../src/packages/verify.js';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function time(rounds: number, fn: () => void): number {
  fn(); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1e6 / rounds;
}

export async function main(args: string[]): Promise<number> {
  const dir = args[0] ?? join(repoRoot, '..', 'shared', 'testdata', 'operators');
  const rounds = Number(args[1] ?? 5);
  if (!existsSync(dir)) {
    console.error(`packages: ${dir} does not exist`);
    return 2;
  }
  console.log(`package\tload ms\ttgz round trip ms\tverify ms\trender deploy ms\t(mean of ${rounds})`);
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name, 'operator');
    if (!existsSync(path)) continue;
    const pkg = loadPackage(path);
    const entries = readFolderEntries(path);
    const load = time(rounds, () => loadPackage(path));
    const tgz = time(rounds, () => readTgz(writeTgz(entries), 'bench.tgz'));
    const verify = time(rounds, () => verifyPackage(pkg));
    const render = time(rounds, () => renderPlan(pkg));
    console.log(`${name}\t${load.toFixed(2)}\t${tgz.toFixed(2)}\t${verify.toFixed(2)}\t${render.toFixed(2)}`);
  }
  return 0;
}
