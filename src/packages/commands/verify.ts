/** `package verify <path> [-o yaml|json]`. */
import { loadPackage } from '../io/files.js';
import { marshalYaml } from '../goyaml.js';
import { table } from '../table.js';
import { parameterStyleWarnings, verifyPackage, type VerifyResult } from '../verify.js';
import { fail, ok, type CommandResult } from './result.js';

export interface VerifyOptions {
  output?: string;
  /** `--param-checks display,hint,desc,type,hasgroup,groups,all`. */
  paramChecks?: string[];
}

/** KUDO's text layout: a Warnings table, an Errors table, then "package is valid" when there are no errors. */
export function formatVerifyResult(r: VerifyResult): string {
  let out = '';
  if (r.warnings.length) out += table([['Warnings'], ...r.warnings.map((w) => [w])]);
  if (r.errors.length) out += table([['Errors'], ...r.errors.map((e) => [e])]);
  if (!r.errors.length) out += 'package is valid\n';
  return out;
}

export function verifyCommand(path: string | undefined, opts: VerifyOptions = {}): CommandResult {
  if (!path) return fail('expecting exactly one argument - directory of the operator or name of package');
  if (opts.output && opts.output !== 'yaml' && opts.output !== 'json') return fail(`invalid output format, only support 'yaml' or 'json' or empty`);
  const pkg = loadPackage(path);
  const r = verifyPackage(pkg);
  r.warnings.push(...parameterStyleWarnings(pkg, opts.paramChecks ?? []));
  const valid = r.errors.length === 0;
  let out: string;
  if (opts.output === 'json') out = JSON.stringify({ errors: r.errors, warnings: r.warnings, valid }, null, 2) + '\n';
  else if (opts.output === 'yaml') out = marshalYaml({ errors: r.errors, valid, warnings: r.warnings }) + '\n';
  else out = formatVerifyResult(r);
  return valid ? ok(out) : fail(`found ${r.errors.length} package verification errors`, out);
}
