/** Sprig v2.22 url.go (urlParse, urlJoin) over a port of the parts of Go's net/url they use. */
import { FuncError, type FuncMap, type GoMap, type GoValue } from '../values.js';
import { fromUtf8, kindOf, utf8Bytes } from './conv.js';
import { def } from './strings.js';

type Mode = 'path' | 'host' | 'zone' | 'userPassword' | 'queryComponent' | 'fragment';

function shouldEscape(c: number, mode: Mode): boolean {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57)) return false;
  const ch = String.fromCharCode(c);
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'userPassword':
        return '@/?:'.includes(ch);
      case 'queryComponent':
        return true;
      case 'fragment':
        return false;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

export function urlEscape(s: string, mode: Mode): string {
  let out = '';
  for (const b of utf8Bytes(s)) {
    if (!shouldEscape(b, mode)) out += String.fromCharCode(b);
    else if (b === 32 && mode === 'queryComponent') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

class UrlError extends Error {}

function unescape(s: string, mode: Mode): string {
  const bytes: number[] = [];
  const src = utf8Bytes(s);
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === 37) {
      const hex = fromUtf8(src.subarray(i + 1, i + 3));
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        const bad = fromUtf8(src.subarray(i, i + 3));
        throw new UrlError(`invalid URL escape ${JSON.stringify(bad)}`);
      }
      const v = parseInt(hex, 16);
      if (mode === 'host' && v < 0x80 && hex !== '25') throw new UrlError(`invalid URL escape ${JSON.stringify('%' + hex)}`);
      bytes.push(v);
      i += 2;
    } else if (c === 43) {
      bytes.push(mode === 'queryComponent' ? 32 : 43);
    } else {
      if ((mode === 'host' || mode === 'zone') && c < 0x80 && shouldEscape(c, mode))
        throw new UrlError(`invalid character ${JSON.stringify(String.fromCharCode(c))} in host name`);
      bytes.push(c);
    }
  }
  return fromUtf8(Uint8Array.from(bytes));
}

interface GoURL {
  scheme: string;
  opaque: string;
  user?: { username: string; password?: string };
  host: string;
  path: string;
  rawPath: string;
  forceQuery: boolean;
  rawQuery: string;
  fragment: string;
}

function userString(u: NonNullable<GoURL['user']>): string {
  let s = urlEscape(u.username, 'userPassword');
  if (u.password !== undefined) s += ':' + urlEscape(u.password, 'userPassword');
  return s;
}

function parseAuthority(authority: string): { user?: GoURL['user']; host: string } {
  const at = authority.lastIndexOf('@');
  const hostPart = at < 0 ? authority : authority.slice(at + 1);
  let host: string;
  if (hostPart.startsWith('[')) {
    const close = hostPart.lastIndexOf(']');
    if (close < 0) throw new UrlError("missing ']' in host");
    const port = hostPart.slice(close + 1);
    if (port !== '' && !/^:[0-9]*$/.test(port)) throw new UrlError(`invalid port ${JSON.stringify(port)} after host`);
    host = unescape(hostPart, 'host');
  } else {
    const colon = hostPart.lastIndexOf(':');
    if (colon >= 0 && !/^:[0-9]*$/.test(hostPart.slice(colon))) throw new UrlError(`invalid port ${JSON.stringify(hostPart.slice(colon))} after host`);
    host = unescape(hostPart, 'host');
  }
  if (at < 0) return { host };
  const userinfo = authority.slice(0, at);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw new UrlError('net/url: invalid userinfo');
  const colon = userinfo.indexOf(':');
  if (colon < 0) return { host, user: { username: unescape(userinfo, 'userPassword') } };
  return { host, user: { username: unescape(userinfo.slice(0, colon), 'userPassword'), password: unescape(userinfo.slice(colon + 1), 'userPassword') } };
}

/** url.Parse. */
export function parseURL(raw: string): GoURL {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new UrlError('net/url: invalid control character in URL');
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? '' : raw.slice(hash + 1);
  const url: GoURL = { scheme: '', opaque: '', host: '', path: '', rawPath: '', forceQuery: false, rawQuery: '', fragment: '' };
  url.fragment = unescape(frag, 'fragment');
  if (u === '*') {
    url.path = '*';
    return url;
  }
  let rest = u;
  const scheme = /^([A-Za-z][A-Za-z0-9+\-.]*):/.exec(u);
  if (scheme) {
    url.scheme = scheme[1].toLowerCase();
    rest = u.slice(scheme[0].length);
  } else if (u.startsWith(':')) {
    throw new UrlError('missing protocol scheme');
  }
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    url.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      url.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (url.scheme !== '') {
      url.opaque = rest;
      return url;
    }
    const slash = rest.indexOf('/');
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(':')) throw new UrlError('first path segment in URL cannot contain colon');
  }
  if ((url.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    const authEnd = rest.indexOf('/', 2);
    const authority = authEnd < 0 ? rest.slice(2) : rest.slice(2, authEnd);
    rest = authEnd < 0 ? '' : rest.slice(authEnd);
    const a = parseAuthority(authority);
    url.host = a.host;
    url.user = a.user;
  }
  url.path = unescape(rest, 'path');
  url.rawPath = urlEscape(url.path, 'path') === rest ? '' : rest;
  return url;
}

function escapedPath(u: GoURL): string {
  if (u.rawPath !== '') {
    try {
      if (unescape(u.rawPath, 'path') === u.path) return u.rawPath;
    } catch {
      // fall through to escaping the path
    }
  }
  if (u.path === '*') return '*';
  return urlEscape(u.path, 'path');
}

/** URL.String(). */
export function formatURL(u: GoURL): string {
  let buf = '';
  if (u.scheme) buf += u.scheme + ':';
  if (u.opaque) {
    buf += u.opaque;
  } else {
    if (u.scheme || u.host || u.user) {
      if (u.host || u.path || u.user) buf += '//';
      if (u.user) buf += userString(u.user) + '@';
      if (u.host) buf += urlEscape(u.host, 'host');
    }
    const path = escapedPath(u);
    if (path !== '' && path[0] !== '/' && u.host !== '') buf += '/';
    if (buf === '') {
      const seg = path.split('/')[0];
      if (seg.includes(':')) buf += './';
    }
    buf += path;
  }
  if (u.forceQuery || u.rawQuery) buf += '?' + u.rawQuery;
  if (u.fragment) buf += '#' + urlEscape(u.fragment, 'fragment');
  return buf;
}

function hostname(host: string): string {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close < 0 ? host.slice(1) : host.slice(1, close);
  }
  const colon = host.lastIndexOf(':');
  return colon >= 0 && /^:[0-9]*$/.test(host.slice(colon)) ? host.slice(0, colon) : host;
}

function urlParse(v: string): GoMap {
  let u: GoURL;
  try {
    u = parseURL(v);
  } catch (e) {
    if (e instanceof UrlError) throw new FuncError(`unable to parse url: parse ${JSON.stringify(v)}: ${e.message}`);
    throw e;
  }
  return {
    scheme: u.scheme,
    host: u.host,
    hostname: hostname(u.host),
    path: u.path,
    query: u.rawQuery,
    opaque: u.opaque,
    fragment: u.fragment,
    userinfo: u.user ? userString(u.user) : '',
  };
}

function field(d: GoMap | null, key: string): string {
  if (!d || !Object.prototype.hasOwnProperty.call(d, key)) return '';
  const v: GoValue = d[key];
  if (v === null || v === undefined) throw new FuncError('runtime error: invalid memory address or nil pointer dereference');
  if (typeof v !== 'string') throw new FuncError(`unable to parse ${key} key, must be of type string, but ${kindOf(v)} found`);
  return v;
}

function urlJoin(d: GoMap | null): string {
  const u: GoURL = {
    scheme: field(d, 'scheme'),
    host: field(d, 'host'),
    path: field(d, 'path'),
    rawPath: '',
    rawQuery: field(d, 'query'),
    opaque: field(d, 'opaque'),
    fragment: field(d, 'fragment'),
    forceQuery: false,
  };
  const userinfo = field(d, 'userinfo');
  if (userinfo !== '') {
    try {
      u.user = parseURL(`proto://${userinfo}@host`).user;
    } catch (e) {
      if (e instanceof UrlError) throw new FuncError(`unable to parse userinfo in dict: parse ${JSON.stringify(`proto://${userinfo}@host`)}: ${e.message}`);
      throw e;
    }
  }
  return formatURL(u);
}

export const urlFuncs: FuncMap = {
  urlParse: def(['string'], urlParse),
  urlJoin: def(['map[string]interface {}'], urlJoin),
};
