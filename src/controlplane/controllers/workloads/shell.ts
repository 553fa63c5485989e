/**
 * A small, deterministic shell for simulated containers: it interprets the commands that
 * container scripts and `kubectl exec` commonly use (echo, printf, cat with here-documents,
 * mkdir, touch, ls, stat -c %s, tar cf -, sleep, true, false, exit, sh -c) against an in-memory
 * file system per pod. Anything else fails with exit code 127, as a shell without the program would.
 */
import { tarArchive } from './tar.js';

export class MemFs {
  readonly files = new Map<string, Buffer>();
  readonly dirs = new Set<string>(['/', '/tmp', '/etc', '/bin', '/var', '/usr', '/dev', '/proc', '/root', '/home']);

  /** Absolute, normalised path relative to `cwd`. */
  static resolve(path: string, cwd = '/'): string {
    const parts: string[] = [];
    for (const p of (path.startsWith('/') ? path : `${cwd}/${path}`).split('/')) {
      if (!p || p === '.') continue;
      if (p === '..') parts.pop();
      else parts.push(p);
    }
    return '/' + parts.join('/');
  }

  parentOf(path: string): string {
    const i = path.lastIndexOf('/');
    return i <= 0 ? '/' : path.slice(0, i);
  }

  write(path: string, data: Buffer, append = false): string | undefined {
    if (this.dirs.has(path)) return `can't create '${path}': Is a directory`;
    if (!this.dirs.has(this.parentOf(path))) return `can't create '${path}': nonexistent directory`;
    const old = append ? this.files.get(path) : undefined;
    this.files.set(path, old ? Buffer.concat([old, data]) : data);
    return undefined;
  }

  mkdirp(path: string): void {
    for (let p = path; p !== '/' && !this.dirs.has(p); p = this.parentOf(p)) this.dirs.add(p);
  }

  list(dir: string): string[] {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) if (p.startsWith(prefix) && p !== dir) names.add(p.slice(prefix.length).split('/')[0]);
    return [...names].sort();
  }
}

export interface ShellResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** Seconds spent in `sleep` (Infinity for `sleep infinity`). */
  slept: number;
}

export interface ShellOptions {
  env?: Record<string, string>;
  /**
   * Container mode: commands the simulator does not know count as successful no-ops (a
   * container's real program cannot be run here). In exec mode they fail with 127.
   */
  lenient?: boolean;
}

/** Runs a container command (command + args) or an exec argv. */
export function runArgv(argv: string[], fs: MemFs, opts: ShellOptions = {}): ShellResult {
  const out = new Output();
  const state: State = { fs, env: { ...(opts.env ?? {}) }, lenient: !!opts.lenient, out, slept: 0, cwd: '/' };
  let code: number;
  try {
    code = runCommand(argv, state, undefined);
  } catch (e) {
    if (!(e instanceof Exit)) throw e;
    code = e.code;
  }
  return { code, stdout: out.stdout(), stderr: out.stderr, slept: state.slept };
}

/** Runs a shell script text (the argument of `sh -c`). */
export function runScript(script: string, fs: MemFs, opts: ShellOptions = {}): ShellResult {
  return runArgv(['sh', '-c', script], fs, opts);
}

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

class Output {
  private readonly chunks: Buffer[] = [];
  stderr = '';
  write(data: Buffer | string): void {
    this.chunks.push(typeof data === 'string' ? Buffer.from(data) : data);
  }
  stdout(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

interface State {
  fs: MemFs;
  env: Record<string, string>;
  lenient: boolean;
  out: Output;
  slept: number;
  cwd: string;
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', '/bin/sh', '/bin/bash', '/bin/ash', '/usr/bin/sh', '/usr/bin/bash', '/bin/dash']);

/** One parsed simple command: words, redirections and an optional here-document body. */
interface Simple {
  words: string[];
  redirects: { op: '>' | '>>' | '<' | '2>' | '2>>' | '&>' | '>&2'; target: string }[];
  heredoc?: string;
}

/** A list of commands joined by `;`, `&&`, `||`, newlines, or `|` (pipelines pass stdout on). */
interface Step {
  pipeline: Simple[];
  /** How this step joins the previous one. */
  join: ';' | '&&' | '||';
}

function runShell(script: string, s: State): number {
  const steps = parseScript(script, s);
  let code = 0;
  for (const step of steps) {
    if (step.join === '&&' && code !== 0) continue;
    if (step.join === '||' && code === 0) continue;
    let input: Buffer | undefined;
    for (let i = 0; i < step.pipeline.length; i++) {
      const last = i === step.pipeline.length - 1;
      const saved = s.out;
      const capture = new Output();
      if (!last) s.out = capture;
      try {
        code = runSimple(step.pipeline[i], s, input);
      } finally {
        if (!last) {
          saved.stderr += capture.stderr;
          s.out = saved;
        }
      }
      input = last ? undefined : capture.stdout();
    }
  }
  return code;
}

function runSimple(cmd: Simple, s: State, piped: Buffer | undefined): number {
  let stdin = cmd.heredoc !== undefined ? Buffer.from(cmd.heredoc) : piped;
  const toStderr = cmd.redirects.some((r) => r.op === '>&2');
  const outRedirect = toStderr ? { op: '>&2' as const, target: '' } : cmd.redirects.find((r) => r.op === '>' || r.op === '>>' || r.op === '&>');
  for (const r of cmd.redirects) {
    if (r.op === '<') {
      const data = s.fs.files.get(MemFs.resolve(r.target, s.cwd));
      if (!data) {
        s.out.stderr += `sh: can't open '${r.target}': No such file or directory\n`;
        return 1;
      }
      stdin = data;
    }
  }
  const words = cmd.words;
  if (words.length === 0) return 0;
  const saved = s.out;
  const discardErr = cmd.redirects.some((r) => (r.op === '2>' || r.op === '2>>') && r.target === '/dev/null');
  const capture = outRedirect ? new Output() : undefined;
  if (capture) s.out = capture;
  let code: number;
  try {
    code = runCommand(words, s, stdin);
  } finally {
    if (capture) {
      s.out = saved;
      saved.stderr += outRedirect!.op === '&>' ? '' : capture.stderr;
    }
  }
  if (discardErr) s.out.stderr = '';
  if (capture && toStderr) {
    s.out.stderr += capture.stdout().toString();
    return code;
  }
  if (capture && outRedirect!.target !== '/dev/null') {
    const path = MemFs.resolve(outRedirect!.target, s.cwd);
    const problem = s.fs.write(path, capture.stdout(), outRedirect!.op === '>>');
    if (problem) {
      s.out.stderr += `sh: ${problem}\n`;
      return 1;
    }
  }
  return code;
}

function runCommand(words: string[], s: State, stdin: Buffer | undefined): number {
  const [name, ...args] = words;
  const base = name.split('/').pop()!;
  if (SHELLS.has(name) || SHELLS.has(base)) {
    const c = args.findIndex((a) => a === '-c' || /^-[a-z]*c$/.test(a));
    if (c >= 0 && args[c + 1] !== undefined) return runShell(args[c + 1], s);
    if (stdin) return runShell(stdin.toString(), s);
    return 0;
  }
  const builtin = COMMANDS[base];
  if (builtin) return builtin(args, s, stdin);
  if (s.lenient) return 0;
  s.out.stderr += `sh: ${name}: not found\n`;
  return 127;
}

type Command = (args: string[], s: State, stdin: Buffer | undefined) => number;

const COMMANDS: Record<string, Command> = {
  true: () => 0,
  false: () => 1,
  ':': () => 0,
  set: () => 0,
  export: (args, s) => {
    for (const a of args) {
      const i = a.indexOf('=');
      if (i > 0) s.env[a.slice(0, i)] = a.slice(i + 1);
    }
    return 0;
  },
  exit: (args) => {
    throw new Exit(args.length ? Number(args[0]) & 255 : 0);
  },
  cd: (args, s) => {
    const dir = MemFs.resolve(args[0] ?? '/', s.cwd);
    if (!s.fs.dirs.has(dir)) {
      s.out.stderr += `sh: cd: can't cd to ${args[0]}: No such file or directory\n`;
      return 2;
    }
    s.cwd = dir;
    return 0;
  },
  sleep: (args, s) => {
    for (const a of args) s.slept += a === 'infinity' ? Infinity : parseDuration(a);
    return 0;
  },
  echo: (args, s) => {
    let newline = true;
    let escapes = false;
    while (args.length && /^-[neE]+$/.test(args[0])) {
      if (args[0].includes('n')) newline = false;
      if (args[0].includes('e')) escapes = true;
      args = args.slice(1);
    }
    const text = args.join(' ');
    s.out.write((escapes ? unescape(text) : text) + (newline ? '\n' : ''));
    return 0;
  },
  printf: (args, s) => {
    if (!args.length) {
      s.out.stderr += 'printf: usage: printf FORMAT [ARGUMENT]...\n';
      return 1;
    }
    s.out.write(printf(args[0], args.slice(1)));
    return 0;
  },
  cat: (args, s, stdin) => {
    const files = args.filter((a) => a !== '-' && !a.startsWith('-'));
    if (!files.length) {
      if (stdin) s.out.write(stdin);
      return 0;
    }
    let code = 0;
    for (const f of files) {
      const data = s.fs.files.get(MemFs.resolve(f, s.cwd));
      if (data) s.out.write(data);
      else {
        s.out.stderr += `cat: can't open '${f}': ${s.fs.dirs.has(MemFs.resolve(f, s.cwd)) ? 'Is a directory' : 'No such file or directory'}\n`;
        code = 1;
      }
    }
    return code;
  },
  mkdir: (args, s) => {
    const parents = args.some((a) => /^-[a-z]*p/.test(a));
    let code = 0;
    for (const a of args.filter((x) => !x.startsWith('-'))) {
      const dir = MemFs.resolve(a, s.cwd);
      if (parents) s.fs.mkdirp(dir);
      else if (s.fs.dirs.has(dir)) {
        s.out.stderr += `mkdir: can't create directory '${a}': File exists\n`;
        code = 1;
      } else if (!s.fs.dirs.has(s.fs.parentOf(dir))) {
        s.out.stderr += `mkdir: can't create directory '${a}': No such file or directory\n`;
        code = 1;
      } else s.fs.dirs.add(dir);
    }
    return code;
  },
  touch: (args, s) => {
    for (const a of args.filter((x) => !x.startsWith('-'))) {
      const path = MemFs.resolve(a, s.cwd);
      if (!s.fs.files.has(path)) {
        const problem = s.fs.write(path, Buffer.alloc(0));
        if (problem) {
          s.out.stderr += `touch: ${a}: No such file or directory\n`;
          return 1;
        }
      }
    }
    return 0;
  },
  rm: (args, s) => {
    const force = args.some((a) => /^-[a-z]*f/.test(a));
    const recursive = args.some((a) => /^-[a-z]*r/i.test(a));
    for (const a of args.filter((x) => !x.startsWith('-'))) {
      const path = MemFs.resolve(a, s.cwd);
      if (s.fs.files.delete(path)) continue;
      if (s.fs.dirs.has(path) && recursive) {
        for (const f of [...s.fs.files.keys()]) if (f.startsWith(`${path}/`)) s.fs.files.delete(f);
        for (const d of [...s.fs.dirs]) if (d === path || d.startsWith(`${path}/`)) s.fs.dirs.delete(d);
        continue;
      }
      if (!force) {
        s.out.stderr += `rm: can't remove '${a}': No such file or directory\n`;
        return 1;
      }
    }
    return 0;
  },
  cp: (args, s) => {
    const [from, to] = args.filter((x) => !x.startsWith('-'));
    const data = from !== undefined ? s.fs.files.get(MemFs.resolve(from, s.cwd)) : undefined;
    if (!data || to === undefined) {
      s.out.stderr += `cp: can't stat '${from ?? ''}': No such file or directory\n`;
      return 1;
    }
    let target = MemFs.resolve(to, s.cwd);
    if (s.fs.dirs.has(target)) target = `${target === '/' ? '' : target}/${from.split('/').pop()}`;
    const problem = s.fs.write(target, Buffer.from(data));
    if (problem) {
      s.out.stderr += `cp: ${problem}\n`;
      return 1;
    }
    return 0;
  },
  ls: (args, s) => {
    const paths = args.filter((a) => !a.startsWith('-'));
    let code = 0;
    for (const p of paths.length ? paths : ['.']) {
      const path = MemFs.resolve(p, s.cwd);
      if (s.fs.files.has(path)) s.out.write(`${p}\n`);
      else if (s.fs.dirs.has(path)) {
        const names = s.fs.list(path);
        if (names.length) s.out.write(names.join('\n') + '\n');
      } else {
        s.out.stderr += `ls: ${p}: No such file or directory\n`;
        code = 1;
      }
    }
    return code;
  },
  stat: (args, s) => {
    const fmtAt = args.indexOf('-c');
    const format = fmtAt >= 0 ? args[fmtAt + 1] : undefined;
    const files = args.filter((a, i) => !a.startsWith('-') && !(fmtAt >= 0 && i === fmtAt + 1));
    if (format === undefined || !files.length) {
      s.out.stderr += 'stat: only "stat -c FORMAT FILE" is simulated\n';
      return 1;
    }
    for (const f of files) {
      const path = MemFs.resolve(f, s.cwd);
      const data = s.fs.files.get(path);
      const isDir = s.fs.dirs.has(path);
      if (!data && !isDir) {
        s.out.stderr += `stat: can't stat '${f}': No such file or directory\n`;
        return 1;
      }
      const size = data ? data.length : 4096;
      s.out.write(
        format.replace(/%([snFa])/g, (_m, c: string) =>
          c === 's' ? String(size) : c === 'n' ? f : c === 'F' ? (isDir ? 'directory' : 'regular file') : isDir ? '755' : '644',
        ) + '\n',
      );
    }
    return 0;
  },
  tar: (args, s) => {
    const flags = (args[0] ?? '').replace(/^-/, '');
    if (!flags.includes('c') || !flags.includes('f') || args[1] !== '-') {
      s.out.stderr += 'tar: only "tar cf - FILE..." is simulated\n';
      return 1;
    }
    const entries: { name: string; data: Buffer }[] = [];
    for (const f of args.slice(2)) {
      const path = MemFs.resolve(f, s.cwd);
      const add = (p: string) => entries.push({ name: p.replace(/^\/+/, ''), data: s.fs.files.get(p)! });
      if (s.fs.files.has(path)) add(path);
      else if (s.fs.dirs.has(path)) {
        for (const p of [...s.fs.files.keys()].sort()) if (p.startsWith(`${path}/`)) add(p);
      } else {
        s.out.stderr += `tar: ${f}: No such file or directory\n`;
        return 1;
      }
      if (f.startsWith('/')) s.out.stderr += "tar: removing leading '/' from member names\n";
    }
    s.out.write(tarArchive(entries));
    return 0;
  },
  env: (_args, s) => {
    for (const [k, v] of Object.entries(s.env)) s.out.write(`${k}=${v}\n`);
    return 0;
  },
  pwd: (_args, s) => {
    s.out.write(`${s.cwd}\n`);
    return 0;
  },
  hostname: (_args, s) => {
    s.out.write(`${s.env.HOSTNAME ?? 'localhost'}\n`);
    return 0;
  },
};

function parseDuration(a: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(a);
  if (!m) return 0;
  return Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
}

function unescape(text: string): string {
  return text.replace(
    /\\(n|t|\\|r|0|a|b|f|v|c)/g,
    (_m, c: string) => ({ n: '\n', t: '\t', '\\': '\\', r: '\r', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', c: '' })[c] ?? c,
  );
}

/** printf FORMAT ARGS: %s %d %i %%, backslash escapes; the format repeats while arguments remain. */
function printf(format: string, args: string[]): string {
  let out = '';
  let i = 0;
  do {
    out += unescape(format).replace(/%(-?\d*)([sdi%])/g, (_m, width: string, c: string) => {
      if (c === '%') return '%';
      const v = args[i++] ?? '';
      const text = c === 's' ? v : String(parseInt(v || '0', 10) || 0);
      const w = Number(width.replace('-', '')) || 0;
      return width.startsWith('-') ? text.padEnd(w) : text.padStart(w);
    });
  } while (i < args.length && /%[sdi]/.test(format));
  return out;
}

// ---- parsing ----

/**
 * Splits a script into steps. Handles quotes ('..', "..", backslash), $VAR and ${VAR}
 * expansion, comments, redirections and here-documents (<<EOF, <<-EOF, <<'EOF').
 */
function parseScript(script: string, s: State): Step[] {
  const steps: Step[] = [];
  let pipeline: Simple[] = [];
  let current: Simple = { words: [], redirects: [] };
  let join: Step['join'] = ';';
  const pendingHeredocs: { cmd: Simple; delimiter: string; strip: boolean; expand: boolean }[] = [];
  let i = 0;
  const n = script.length;

  const endSimple = () => {
    pipeline.push(current);
    current = { words: [], redirects: [] };
  };
  const endStep = (next: Step['join']) => {
    endSimple();
    if (pipeline.some((c) => c.words.length || c.redirects.length)) steps.push({ pipeline, join });
    pipeline = [];
    join = next;
  };
  const readHeredocs = () => {
    for (const h of pendingHeredocs.splice(0)) {
      const lines: string[] = [];
      while (i < n) {
        let end = script.indexOf('\n', i);
        if (end < 0) end = n;
        let line = script.slice(i, end);
        i = end + 1;
        if (h.strip) line = line.replace(/^\t+/, '');
        if (line === h.delimiter) break;
        lines.push(line);
      }
      const body = lines.map((l) => l + '\n').join('');
      h.cmd.heredoc = h.expand ? expand(body, s) : body;
    }
  };

  while (i < n) {
    const c = script[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && script[i] !== '\n') i++;
      continue;
    }
    if (c === '\n') {
      i++;
      endStep(';');
      readHeredocs();
      continue;
    }
    if (c === ';') {
      i++;
      endStep(';');
      continue;
    }
    if (script.startsWith('&&', i)) {
      i += 2;
      endStep('&&');
      continue;
    }
    if (script.startsWith('||', i)) {
      i += 2;
      endStep('||');
      continue;
    }
    if (c === '|') {
      i++;
      endSimple();
      continue;
    }
    if (script.startsWith('<<', i)) {
      i += 2;
      let strip = false;
      if (script[i] === '-') {
        strip = true;
        i++;
      }
      while (script[i] === ' ') i++;
      const { word, quoted, next } = readWord(script, i, s);
      i = next;
      pendingHeredocs.push({ cmd: current, delimiter: word, strip, expand: !quoted });
      continue;
    }
    const redirect = /^(&>|2>>|2>&1|1>&2|>&2|2>|1>>|>>|1>|>|<)/.exec(script.slice(i, i + 4));
    if (redirect) {
      i += redirect[1].length;
      if (redirect[1] === '2>&1') continue;
      if (redirect[1] === '>&2' || redirect[1] === '1>&2') {
        current.redirects.push({ op: '>&2', target: '' });
        continue;
      }
      while (script[i] === ' ') i++;
      const { word, next } = readWord(script, i, s);
      i = next;
      const op = redirect[1].replace(/^1/, '') as Simple['redirects'][number]['op'];
      current.redirects.push({ op, target: word });
      continue;
    }
    if (c === '&') {
      // A background job runs to completion here, like the rest of the script.
      i++;
      endStep(';');
      continue;
    }
    const { word, next, empty } = readWord(script, i, s);
    i = next > i ? next : i + 1;
    if (word !== '' || !empty) current.words.push(word);
  }
  endStep(';');
  return steps;
}

/** Reads one word starting at `i`; `empty` is true when it had no characters at all (not even quotes). */
function readWord(script: string, i: number, s: State): { word: string; next: number; quoted: boolean; empty: boolean } {
  let word = '';
  let quoted = false;
  const start = i;
  while (i < script.length) {
    const c = script[i];
    if (/[\s;&|<>]/.test(c)) break;
    if (c === "'") {
      const end = script.indexOf("'", i + 1);
      const stop = end < 0 ? script.length : end;
      word += script.slice(i + 1, stop);
      i = stop + 1;
      quoted = true;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      while (j < script.length && script[j] !== '"') {
        if (script[j] === '\\' && j + 1 < script.length && '"\\$`'.includes(script[j + 1])) {
          text += script[j + 1] === '$' ? '\\$' : script[j + 1];
          j += 2;
        } else text += script[j++];
      }
      word += expand(text, s);
      i = j + 1;
      quoted = true;
    } else if (c === '\\') {
      word += script[i + 1] === '\n' ? '' : (script[i + 1] ?? '');
      i += 2;
    } else if (c === '$') {
      const m = /^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*|\?|\$)/.exec(script.slice(i));
      if (m) {
        word += expand(m[0], s);
        i += m[0].length;
      } else {
        word += '$';
        i++;
      }
    } else {
      word += c;
      i++;
    }
  }
  return { word, next: i, quoted, empty: i === start };
}

function expand(text: string, s: State): string {
  return text.replace(/(\\?)\$(\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (m, esc: string, _w, a?: string, b?: string) =>
    esc ? m.slice(1) : (s.env[a ?? b ?? ''] ?? ''),
  );
}
