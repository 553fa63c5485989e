/** Sprig v2.22's path functions (Go's `path` package) and `env`/`expandenv` (not in KUDO's map). */
import type { FuncMap } from '../values.js';
import { def } from './strings.js';

/** path.Clean. */
export function cleanPath(path: string): string {
  if (path === '') return '.';
  const rooted = path[0] === '/';
  const n = path.length;
  let out = rooted ? '/' : '';
  let r = rooted ? 1 : 0;
  let dotdot = rooted ? 1 : 0;
  while (r < n) {
    if (path[r] === '/') {
      r++;
    } else if (path[r] === '.' && (r + 1 === n || path[r + 1] === '/')) {
      r++;
    } else if (path[r] === '.' && path[r + 1] === '.' && (r + 2 === n || path[r + 2] === '/')) {
      r += 2;
      if (out.length > dotdot) {
        let w = out.length - 1;
        while (w > dotdot && out[w] !== '/') w--;
        out = out.slice(0, w);
      } else if (!rooted) {
        if (out.length > 0) out += '/';
        out += '..';
        dotdot = out.length;
      }
    } else {
      if ((rooted && out.length !== 1) || (!rooted && out.length !== 0)) out += '/';
      while (r < n && path[r] !== '/') out += path[r++];
    }
  }
  return out === '' ? '.' : out;
}

export function basePath(path: string): string {
  if (path === '') return '.';
  path = path.replace(/\/+$/, '');
  const i = path.lastIndexOf('/');
  if (i >= 0) path = path.slice(i + 1);
  return path === '' ? '/' : path;
}

export function dirPath(path: string): string {
  return cleanPath(path.slice(0, path.lastIndexOf('/') + 1));
}

export function extPath(path: string): string {
  for (let i = path.length - 1; i >= 0 && path[i] !== '/'; i--) if (path[i] === '.') return path.slice(i);
  return '';
}

const isSpecialVar = (c: string): boolean => '*#$@!?-0123456789'.includes(c);

/** os.Expand: `$name` and `${name}` replaced through mapping. */
export function expandShell(s: string, mapping: (name: string) => string): string {
  let buf: string | undefined;
  let i = 0;
  for (let j = 0; j < s.length; j++) {
    if (s[j] === '$' && j + 1 < s.length) {
      buf = (buf ?? '') + s.slice(i, j);
      const rest = s.slice(j + 1);
      let name = '';
      let w = 0;
      if (rest[0] === '{') {
        if (rest.length > 2 && isSpecialVar(rest[1]) && rest[2] === '}') {
          name = rest[1];
          w = 3;
        } else {
          const close = rest.indexOf('}');
          if (close === 1) w = 2;
          else if (close < 0) w = 1;
          else {
            name = rest.slice(1, close);
            w = close + 1;
          }
        }
      } else if (isSpecialVar(rest[0])) {
        name = rest[0];
        w = 1;
      } else {
        const m = /^[A-Za-z0-9_]*/.exec(rest)![0];
        name = m;
        w = m.length;
      }
      if (name === '' && w > 0) {
        // invalid syntax: the characters are dropped
      } else if (name === '') {
        buf += '$';
      } else {
        buf += mapping(name);
      }
      j += w;
      i = j + 1;
    }
  }
  return buf === undefined ? s : buf + s.slice(i);
}

export const pathFuncs: FuncMap = {
  base: def(['string'], basePath),
  dir: def(['string'], dirPath),
  clean: def(['string'], cleanPath),
  ext: def(['string'], extPath),
  isAbs: def(['string'], (p: string) => p.startsWith('/')),
};

export const osFuncs: FuncMap = {
  env: def(['string'], (name: string) => process.env[name] ?? ''),
  expandenv: def(['string'], (s: string) => expandShell(s, (name) => process.env[name] ?? '')),
};
