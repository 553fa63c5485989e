/**
 * Command-line parsing as cobra/pflag do it: a tree of commands, flags anywhere after
 * the command words (`--f v`, `--f=v`, `-f v`, `-fv`, `-f=v`), repeatable flags, `--`
 * ending flags, and persistent (global) flags valid at every level.
 */
import { UsageError } from './errors.js';

export type FlagType = 'bool' | 'string' | 'strings' | 'int';

export interface FlagDef {
  name: string;
  short?: string;
  type: FlagType;
  usage: string;
  /** Shown in help; also the value when the flag is absent (ints and strings). */
  default?: string | number | boolean;
  hidden?: boolean;
}

export interface CommandDef {
  name: string;
  aliases?: string[];
  /** One line for the command list. */
  summary: string;
  /** The usage line after the command path, e.g. `<name|folder|tgz> [flags]`. */
  args?: string;
  /** Longer help text and examples. */
  help?: string;
  flags?: FlagDef[];
  subcommands?: CommandDef[];
  /** Everything after the command words goes to the handler unparsed (package, test, manager, cluster start). */
  passthrough?: boolean;
  hidden?: boolean;
}

export type FlagValue = string | number | boolean | string[];

export interface ParsedCommand {
  /** Command words, e.g. ['plan', 'status']. */
  path: string[];
  def: CommandDef;
  positional: string[];
  flags: Record<string, FlagValue>;
  /** Flags given explicitly (to tell a default from a choice). */
  given: Set<string>;
  /** For passthrough commands: the raw arguments after the command words. */
  rest: string[];
  help: boolean;
}

function findSub(def: CommandDef, word: string): CommandDef | undefined {
  return def.subcommands?.find((c) => c.name === word || c.aliases?.includes(word));
}

/** Parses argv against the command tree; global flags are accepted at every level. */
export function parseCommandLine(argv: readonly string[], root: CommandDef, globals: readonly FlagDef[]): ParsedCommand {
  let def = root;
  const path: string[] = [];
  const positional: string[] = [];
  const flags: Record<string, FlagValue> = {};
  const given = new Set<string>();
  let help = false;
  const known = (): FlagDef[] => [...globals, ...(def.flags ?? [])];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      const sub = positional.length === 0 ? findSub(def, arg) : undefined;
      if (sub) {
        def = sub;
        path.push(sub.name);
        if (sub.passthrough) return { path, def, positional: [], flags: applyDefaults(flags, known()), given, rest: argv.slice(i + 1), help: false };
        continue;
      }
      if (def.subcommands?.length && !def.passthrough && positional.length === 0 && !(def.flags ?? []).length) {
        const names = def.subcommands.filter((c) => !c.hidden).map((c) => c.name);
        throw new UsageError(`unknown command "${arg}" for "${commandName(path)}"; expected one of: ${names.join(', ')}`);
      }
      positional.push(arg);
      continue;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    const long = arg.startsWith('--');
    const body = long ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf('=');
    const key = long ? (eq >= 0 ? body.slice(0, eq) : body) : body[0];
    const spec = known().find((f) => (long ? f.name === key : f.short === key));
    if (!spec) throw new UsageError(`unknown flag: ${long ? '--' : '-'}${key} for "${commandName(path)}"`);
    let value: string | undefined = long ? (eq >= 0 ? body.slice(eq + 1) : undefined) : body.length > 1 ? body.slice(body[1] === '=' ? 2 : 1) : undefined;
    given.add(spec.name);
    if (spec.type === 'bool') {
      if (value !== undefined && !['true', 'false', '1', '0'].includes(value))
        throw new UsageError(`invalid argument "${value}" for "--${spec.name}" flag: expected true or false`);
      flags[spec.name] = value === undefined || value === 'true' || value === '1';
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${spec.name}`);
      value = argv[++i];
    }
    if (spec.type === 'strings') flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), value];
    else if (spec.type === 'int') {
      if (!/^-?\d+$/.test(value)) throw new UsageError(`invalid argument "${value}" for "--${spec.name}" flag: expected a whole number`);
      flags[spec.name] = Number(value);
    } else flags[spec.name] = value;
  }
  return { path, def, positional, flags: applyDefaults(flags, known()), given, rest: [], help };
}

function applyDefaults(flags: Record<string, FlagValue>, specs: readonly FlagDef[]): Record<string, FlagValue> {
  for (const s of specs) {
    if (Object.hasOwn(flags, s.name)) continue;
    if (s.type === 'strings') flags[s.name] = [];
    else if (s.type === 'bool') flags[s.name] = s.default === true;
    else if (s.default !== undefined) flags[s.name] = s.default;
  }
  return flags;
}

export const commandName = (path: readonly string[]): string => ['kubectl-kudo', ...path].join(' ');

/** Help text for one command: usage, subcommands and flags. */
export function helpText(def: CommandDef, path: readonly string[], globals: readonly FlagDef[]): string {
  const lines: string[] = [];
  if (def.help ?? def.summary) lines.push(def.help ?? def.summary, '');
  lines.push('Usage:');
  const name = path.length ? `kubectl kudo ${path.join(' ')}` : 'kubectl kudo';
  if (def.subcommands?.length) lines.push(`  ${name} [command]`);
  if (!def.subcommands?.length || def.args) lines.push(`  ${name} ${def.args ?? '[flags]'}`.trimEnd());
  const subs = (def.subcommands ?? []).filter((c) => !c.hidden);
  if (subs.length) {
    lines.push('', 'Available Commands:');
    const w = Math.max(...subs.map((c) => c.name.length));
    for (const c of subs) lines.push(`  ${c.name.padEnd(w)}   ${c.summary}`);
  }
  const flagBlock = (title: string, specs: readonly FlagDef[]) => {
    const visible = specs.filter((f) => !f.hidden);
    if (!visible.length) return;
    lines.push('', title);
    const left = visible.map((f) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.type === 'bool' ? '' : f.type === 'int' ? ' int' : ' string'}`);
    const w = Math.max(...left.map((l) => l.length));
    visible.forEach((f, i) => {
      const dflt =
        f.default !== undefined && f.default !== '' && f.default !== false ? ` (default ${typeof f.default === 'string' ? `"${f.default}"` : f.default})` : '';
      lines.push(`  ${left[i].padEnd(w)}   ${f.usage}${dflt}`);
    });
  };
  flagBlock('Flags:', def.flags ?? []);
  flagBlock('Global Flags:', globals);
  if (subs.length) lines.push('', `Use "${name} [command] --help" for more information about a command.`);
  return lines.join('\n') + '\n';
}
