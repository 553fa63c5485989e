/** `package create <dir> [-d dest] [-w]`: verify, then write KUDO's .tgz. */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFolderEntries } from '../io/files.js';
import { writeTgz } from '../io/tar.js';
import { parsePackage, type OperatorFile } from '../model.js';
import { verifyPackage } from '../verify.js';
import { formatVerifyResult } from './verify.js';
import { fail, ok, type CommandResult } from './result.js';

export interface CreateOptions {
  destination?: string;
  overwrite?: boolean;
}

/** `<name>-<appVersion>_<operatorVersion>.tgz`, or `<name>-<operatorVersion>.tgz` without an app version. */
export function packageFileName(op: OperatorFile): string {
  return op.appVersion ? `${op.name}-${op.appVersion}_${op.operatorVersion}.tgz` : `${op.name}-${op.operatorVersion}.tgz`;
}

export function createCommand(path: string | undefined, opts: CreateOptions = {}): CommandResult {
  if (!path) return fail('expecting exactly one argument - directory of the operator to package');
  if (!existsSync(path) || !statSync(path).isDirectory()) return fail(`${path} is not a package folder`);
  const dest = opts.destination ?? '.';
  if (!existsSync(dest) || !statSync(dest).isDirectory()) return fail(`destination "${dest}" is not a proper directory`);
  const entries = readFolderEntries(path);
  const pkg = parsePackage(new Map(entries.map((e) => [e.path, e.data])), path);
  const r = verifyPackage(pkg);
  if (r.errors.length) return fail(`found ${r.errors.length} package verification errors`, formatVerifyResult(r));
  const target = join(dest, packageFileName(pkg.operator));
  if (existsSync(target) && !opts.overwrite) return fail(`target file "${target}" already exists`);
  writeFileSync(target, writeTgz(entries));
  return ok(`Package created: ${target}\n`);
}
