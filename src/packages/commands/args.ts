/** A tiny flag parser for the package commands (the CLI may mount them under its own parser). */

export interface FlagSpec {
  name: string;
  short?: string;
  /** bool: no value; string: last one wins; strings: repeatable. */
  type: 'bool' | 'string' | 'strings';
}

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | boolean | string[]>;
}

export class UsageError extends Error {}

/** Parses `--name value`, `--name=value`, `-n value`, `-nvalue` and `--bool`; `--` ends flags. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const positional: string[] = [];
  const flags: ParsedArgs['flags'] = {};
  for (const s of specs) if (s.type === 'strings') flags[s.name] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const body = long ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf('=');
    const key = long ? (eq >= 0 ? body.slice(0, eq) : body) : body[0];
    const spec = specs.find((s) => (long ? s.name === key : s.short === key));
    if (!spec) throw new UsageError(`unknown flag: ${long ? '--' : '-'}${key}`);
    let value: string | undefined = long ? (eq >= 0 ? body.slice(eq + 1) : undefined) : body.length > 1 ? body.slice(body[1] === '=' ? 2 : 1) : undefined;
    if (spec.type === 'bool') {
      if (value !== undefined && !['true', 'false'].includes(value))
        throw new UsageError(`invalid argument "${value}" for "--${spec.name}" flag: expected true or false`);
      flags[spec.name] = value !== 'false';
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${spec.name}`);
      value = argv[++i];
    }
    if (spec.type === 'strings') (flags[spec.name] as string[]).push(value);
    else flags[spec.name] = value;
  }
  return { positional, flags };
}

export const str = (a: ParsedArgs, name: string): string | undefined => a.flags[name] as string | undefined;
export const bool = (a: ParsedArgs, name: string): boolean => a.flags[name] === true;
export const strs = (a: ParsedArgs, name: string): string[] => (a.flags[name] as string[] | undefined) ?? [];
