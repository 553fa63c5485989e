/** A small DER (ASN.1) encoder and reader: just what X.509 certificates and private keys need. */

export type Bytes = Uint8Array;

export function concat(parts: Bytes[]): Bytes {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function encodeLength(len: number): Bytes {
  if (len < 0x80) return Uint8Array.of(len);
  const bytes: number[] = [];
  while (len > 0) {
    bytes.unshift(len & 0xff);
    len = Math.floor(len / 256);
  }
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** A tag-length-value element. */
export function tlv(tag: number, content: Bytes | Bytes[]): Bytes {
  const body = Array.isArray(content) ? concat(content) : content;
  return concat([Uint8Array.of(tag), encodeLength(body.length), body]);
}

export const sequence = (...items: Bytes[]): Bytes => tlv(0x30, items);
export const set = (...items: Bytes[]): Bytes => tlv(0x31, items);
export const nullValue = (): Bytes => Uint8Array.of(0x05, 0x00);
export const boolean = (v: boolean): Bytes => Uint8Array.of(0x01, 0x01, v ? 0xff : 0x00);
export const octetString = (b: Bytes): Bytes => tlv(0x04, b);
/** BIT STRING with the given number of unused trailing bits. */
export const bitString = (b: Bytes, unusedBits = 0): Bytes => tlv(0x03, concat([Uint8Array.of(unusedBits), b]));
/** [n] EXPLICIT (constructed context-specific). */
export const explicit = (n: number, inner: Bytes): Bytes => tlv(0xa0 | n, inner);
/** [n] IMPLICIT primitive. */
export const implicitPrimitive = (n: number, content: Bytes): Bytes => tlv(0x80 | n, content);

const text = new TextEncoder();
export const utf8String = (s: string): Bytes => tlv(0x0c, text.encode(s));
export const printableString = (s: string): Bytes => tlv(0x13, text.encode(s));
export const ia5String = (s: string): Bytes => tlv(0x16, text.encode(s));

/** PrintableString when every character allows it (as Go's asn1 chooses), else UTF8String. */
export function directoryString(s: string): Bytes {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s) ? printableString(s) : utf8String(s);
}

/** INTEGER in minimal two's complement. */
export function integer(v: bigint): Bytes {
  if (v === 0n) return Uint8Array.of(0x02, 0x01, 0x00);
  const bytes: number[] = [];
  let x = v;
  if (x > 0n) {
    while (x > 0n) {
      bytes.unshift(Number(x & 0xffn));
      x >>= 8n;
    }
    if (bytes[0] & 0x80) bytes.unshift(0);
  } else {
    let n = 1;
    while (v < -(1n << BigInt(8 * n - 1))) n++;
    x = v + (1n << BigInt(8 * n));
    for (let i = 0; i < n; i++) {
      bytes.unshift(Number(x & 0xffn));
      x >>= 8n;
    }
  }
  return tlv(0x02, Uint8Array.from(bytes));
}

export function oid(dotted: string): Bytes {
  const parts = dotted.split('.').map((p) => BigInt(p));
  const out: number[] = [Number(parts[0] * 40n + parts[1])];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [];
    let x = p;
    chunk.unshift(Number(x & 0x7fn));
    x >>= 7n;
    while (x > 0n) {
      chunk.unshift(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

const two = (n: number): string => String(n).padStart(2, '0');

/** UTCTime for 1950-2049, GeneralizedTime otherwise (RFC 5280), to the second. */
export function time(d: Date): Bytes {
  const y = d.getUTCFullYear();
  const rest = two(d.getUTCMonth() + 1) + two(d.getUTCDate()) + two(d.getUTCHours()) + two(d.getUTCMinutes()) + two(d.getUTCSeconds()) + 'Z';
  if (y >= 1950 && y < 2050) return tlv(0x17, text.encode(two(y % 100) + rest));
  return tlv(0x18, text.encode(String(y).padStart(4, '0') + rest));
}

// ---------------------------------------------------------------------------
// reading

export interface Element {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the content. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
}

/** Reads the element at `offset`; throws on malformed input. */
export function readElement(buf: Bytes, offset: number): Element {
  if (offset + 2 > buf.length) throw new Error('DER: truncated element');
  const tag = buf[offset];
  let len = buf[offset + 1];
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > buf.length) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos + i];
    pos += n;
  }
  if (pos + len > buf.length) throw new Error('DER: element past end of input');
  return { tag, start: offset, contentStart: pos, end: pos + len };
}

/** The child elements of a constructed element. */
export function children(buf: Bytes, parent: Element): Element[] {
  const out: Element[] = [];
  for (let off = parent.contentStart; off < parent.end;) {
    const e = readElement(buf, off);
    out.push(e);
    off = e.end;
  }
  return out;
}

export const raw = (buf: Bytes, e: Element): Bytes => buf.subarray(e.start, e.end);
export const content = (buf: Bytes, e: Element): Bytes => buf.subarray(e.contentStart, e.end);

export function readInteger(buf: Bytes, e: Element): bigint {
  const c = content(buf, e);
  let v = 0n;
  for (const b of c) v = (v << 8n) | BigInt(b);
  if (c.length > 0 && c[0] & 0x80) v -= 1n << BigInt(8 * c.length);
  return v;
}

export function readOid(buf: Bytes, e: Element): string {
  const c = content(buf, e);
  const parts: bigint[] = [];
  let v = 0n;
  for (const b of c) {
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(v);
      v = 0n;
    }
  }
  const first = parts.shift() ?? 0n;
  const a = first < 80n ? first / 40n : 2n;
  return [a, first - a * 40n, ...parts].join('.');
}

// ---------------------------------------------------------------------------
// PEM

export function pemEncode(type: string, der: Bytes): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}${lines.length ? '\n' : ''}-----END ${type}-----\n`;
}

/** The first PEM block of the text (type and DER bytes), or undefined (Go's pem.Decode). */
export function pemDecode(text: string): { type: string; der: Bytes } | undefined {
  const m = /-----BEGIN ([^-\n]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) return undefined;
  const body = m[2].replace(/^[A-Za-z-]+:.*$/gm, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
  return { type: m[1], der: new Uint8Array(Buffer.from(body, 'base64')) };
}
