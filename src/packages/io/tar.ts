/**
 * Gzipped tar archives of operator packages, read and written the way KUDO does:
 * files at the root of the archive, no directory entries, normalised headers
 * (mtime 0, uid/gid 0, owner root). The reader refuses anything that could
 * write outside a destination: `..` components, absolute paths, links, devices,
 * and entries or archives over the size limits.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { PackageError } from '../yaml.js';

export interface TarEntry {
  path: string;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  data: Uint8Array;
}

export interface TarLimits {
  /** Largest single file accepted. */
  maxEntryBytes: number;
  /** Largest total of uncompressed bytes. */
  maxTotalBytes: number;
  maxEntries: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = { maxEntryBytes: 16 << 20, maxTotalBytes: 64 << 20, maxEntries: 10_000 };

const BLOCK = 512;

// ---------------------------------------------------------------------------
// Writing

function putString(buf: Buffer, offset: number, width: number, value: string): void {
  buf.write(value, offset, Math.min(width, Buffer.byteLength(value)), 'utf8');
}
function putOctal(buf: Buffer, offset: number, width: number, value: number): void {
  putString(buf, offset, width - 1, value.toString(8).padStart(width - 1, '0'));
}

/** Splits a long name into ustar prefix/name, or returns undefined when it cannot. */
function splitUstarName(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { prefix, name };
  }
  return undefined;
}

function header(name: string, prefix: string, mode: number, size: number, type: string): Buffer {
  const h = Buffer.alloc(BLOCK);
  putString(h, 0, 100, name);
  putOctal(h, 100, 8, mode);
  putOctal(h, 108, 8, 0); // uid
  putOctal(h, 116, 8, 0); // gid
  putOctal(h, 124, 12, size);
  putOctal(h, 136, 12, 0); // mtime: 1970-01-01
  h.fill(' ', 148, 156); // checksum placeholder
  h.write(type, 156);
  h.write('ustar\x0000', 257, 'binary');
  putString(h, 265, 32, 'root');
  putString(h, 297, 32, 'root');
  putOctal(h, 329, 8, 0);
  putOctal(h, 337, 8, 0);
  putString(h, 345, 155, prefix);
  let sum = 0;
  for (const b of h) sum += b;
  putString(h, 148, 7, sum.toString(8).padStart(6, '0') + '\0');
  return h;
}

const pad = (n: number): Buffer => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);

/** A PAX record "LEN key=value\n", where LEN counts itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + 1;
  while (String(len).length + bodyLen !== len) len = String(len).length + bodyLen;
  return `${len}${body}`;
}

/** Writes entries (in the given order) as an uncompressed tar. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    let split = splitUstarName(e.path);
    if (!split) {
      const pax = Buffer.from(paxRecord('path', e.path));
      parts.push(header('PaxHeaders/' + e.path.slice(-80), '', 0o644, pax.length, 'x'), pax, pad(pax.length));
      split = { prefix: '', name: e.path.slice(-100) };
    }
    parts.push(header(split.name, split.prefix, e.mode & 0o7777, e.data.length, '0'), Buffer.from(e.data), pad(e.data.length));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Writes a .tgz; entries are sorted by path (KUDO's lexical walk order). */
export function writeTgz(entries: readonly TarEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return gzipSync(writeTar(sorted));
}

// ---------------------------------------------------------------------------
// Reading

function readString(buf: Uint8Array, offset: number, width: number): string {
  const slice = buf.subarray(offset, offset + width);
  const end = slice.indexOf(0);
  return Buffer.from(end < 0 ? slice : slice.subarray(0, end)).toString('utf8');
}
function readOctal(buf: Uint8Array, offset: number, width: number, what: string, source: string): number {
  // Base-256 (GNU) numbers have the top bit set; nothing we accept is that large.
  if (buf[offset] & 0x80) throw new PackageError(`tar entry ${what} is too large`, source);
  const s = readString(buf, offset, width).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new PackageError(`corrupt tar header: ${what} "${s}" is not an octal number`, source);
  return parseInt(s, 8);
}

/** Checks a path from an archive: relative, no `..`, no empty or absolute components. Returns it normalised. */
export function safeEntryPath(raw: string, source: string): string {
  const path = raw.replace(/^(\.\/)+/, '');
  if (path === '' || path.startsWith('/') || /^[A-Za-z]:/.test(path) || path.includes('\\'))
    throw new PackageError(`refusing tar entry "${raw}": absolute or invalid path`, source);
  const parts = path.replace(/\/+$/, '').split('/');
  if (parts.some((p) => p === '..')) throw new PackageError(`refusing tar entry "${raw}": path contains ".."`, source);
  if (parts.some((p) => p === '' || p === '.' || p.includes('\0'))) throw new PackageError(`refusing tar entry "${raw}": invalid path`, source);
  return parts.join('/');
}

function parsePax(data: Uint8Array, source: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = Buffer.from(data).toString('utf8');
  let i = 0;
  while (i < text.length) {
    const space = text.indexOf(' ', i);
    const len = parseInt(text.slice(i, space), 10);
    if (space < 0 || !Number.isFinite(len) || len <= 0 || i + len > text.length) throw new PackageError('corrupt PAX header', source);
    const record = text.slice(space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/** Reads an uncompressed tar into its regular files. Directories are skipped; links and special files are refused. */
export function readTar(tar: Uint8Array, source: string, limits: TarLimits = DEFAULT_TAR_LIMITS): TarEntry[] {
  const entries: TarEntry[] = [];
  const seen = new Set<string>();
  let total = 0;
  let offset = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  while (offset + BLOCK <= tar.length) {
    const h = tar.subarray(offset, offset + BLOCK);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (readOctal(h, 148, 8, 'checksum', source) !== sum) throw new PackageError('corrupt tar header: checksum mismatch (not a tar archive?)', source);
    const type = String.fromCharCode(h[156] || 48);
    const size = readOctal(h, 124, 12, 'size', source);
    const magic = readString(h, 257, 6);
    const prefix = magic === 'ustar' ? readString(h, 345, 155) : '';
    const rawName = pax.path ?? longName ?? (prefix ? `${prefix}/${readString(h, 0, 100)}` : readString(h, 0, 100));
    const dataStart = offset + BLOCK;
    const dataEnd = dataStart + size;
    if (size > limits.maxEntryBytes)
      throw new PackageError(`refusing tar entry "${rawName}": ${size} bytes is over the limit of ${limits.maxEntryBytes}`, source);
    if (dataEnd > tar.length) throw new PackageError(`truncated tar archive at entry "${rawName}"`, source);
    const data = tar.subarray(dataStart, dataEnd);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      pax = parsePax(data, source);
      continue;
    }
    if (type === 'g') continue;
    if (type === 'L') {
      longName = readString(data, 0, data.length);
      continue;
    }
    longName = undefined;
    pax = {};
    if (type === '5') {
      safeEntryPath(rawName, source);
      continue;
    }
    if (type === '1' || type === '2') throw new PackageError(`refusing tar entry "${rawName}": links are not allowed in packages`, source);
    if (type !== '0' && type !== '7') throw new PackageError(`refusing tar entry "${rawName}": only regular files are allowed (type '${type}')`, source);
    const path = safeEntryPath(rawName, source);
    if (seen.has(path)) throw new PackageError(`refusing tar entry "${rawName}": duplicate path`, source);
    seen.add(path);
    total += size;
    if (total > limits.maxTotalBytes) throw new PackageError(`refusing archive: more than ${limits.maxTotalBytes} bytes of files`, source);
    if (entries.length >= limits.maxEntries) throw new PackageError(`refusing archive: more than ${limits.maxEntries} files`, source);
    entries.push({ path, mode: readOctal(h, 100, 8, 'mode', source) & 0o777, data: Uint8Array.from(data) });
  }
  return entries;
}

/** Reads a .tgz (gzip + tar). */
export function readTgz(tgz: Uint8Array, source: string, limits: TarLimits = DEFAULT_TAR_LIMITS): TarEntry[] {
  let tar: Buffer;
  try {
    // A tar of maxTotalBytes has headers too; allow some slack for them.
    tar = gunzipSync(tgz, { maxOutputLength: limits.maxTotalBytes + limits.maxEntries * 2 * BLOCK + 4 * BLOCK });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /larger than|too large/i.test((e as Error).message))
      throw new PackageError(`refusing archive: decompresses to more than ${limits.maxTotalBytes} bytes`, source);
    throw new PackageError(`not a gzip file: ${(e as Error).message}`, source);
  }
  return readTar(tar, source, limits);
}
