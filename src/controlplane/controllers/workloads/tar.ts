/** ustar archives as `tar cf -` writes them: 512-byte headers, data padded to blocks, 10 KiB records. */

const BLOCK = 512;
const RECORD = 20 * BLOCK;

export interface TarEntry {
  name: string;
  data: Buffer;
  mode?: number;
  mtime?: number;
}

export function tarArchive(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e));
    parts.push(e.data);
    const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  const body = Buffer.concat(parts);
  const padded = Math.ceil(body.length / RECORD) * RECORD;
  return Buffer.concat([body, Buffer.alloc(padded - body.length)]);
}

function header(e: TarEntry): Buffer {
  const h = Buffer.alloc(BLOCK);
  let name = e.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut > 0) {
      prefix = name.slice(0, cut);
      name = name.slice(cut + 1);
    }
  }
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, e.mode ?? 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, e.data.length);
  octal(h, 136, 12, e.mtime ?? 0);
  h.write('        ', 148, 8, 'ascii');
  h.write('0', 156, 1, 'ascii');
  h.write('ustar\u000000', 257, 8, 'binary');
  h.write('root', 265, 32, 'ascii');
  h.write('root', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 8, 'binary');
  return h;
}

function octal(buf: Buffer, offset: number, size: number, value: number): void {
  buf.write(value.toString(8).padStart(size - 1, '0') + '\u0000', offset, size, 'binary');
}

/** Reads the entries of an archive (for tests and for callers that receive one). */
export function readTar(buf: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  for (let off = 0; off + BLOCK <= buf.length;) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) => h.toString('utf8', a, a + n).replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12).trim() || '0', 8);
    const prefix = str(345, 155);
    const name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    out.push({ name, data: Buffer.from(buf.subarray(off + BLOCK, off + BLOCK + size)), mode: parseInt(str(100, 8).trim() || '0', 8) });
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}
