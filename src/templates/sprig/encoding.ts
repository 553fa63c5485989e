/**
 * Go's encoding/base64 and encoding/base32 (standard alphabets, padded) with
 * their exact error offsets, and Sprig's encoding and hash functions.
 */
import { createHash } from 'node:crypto';
import type { FuncMap } from '../values.js';
import { fromUtf8, utf8Bytes } from './conv.js';
import { def } from './strings.js';

/** Go's base64.CorruptInputError / base32.CorruptInputError. */
export class CorruptInputError extends Error {
  constructor(
    readonly offset: number,
    encoding: 'base64' | 'base32',
  ) {
    super(`illegal ${encoding} data at input byte ${offset}`);
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function decodeMap(alphabet: string): Int16Array {
  const m = new Int16Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) m[alphabet.charCodeAt(i)] = i;
  return m;
}
const B64_MAP = decodeMap(B64);
const B32_MAP = decodeMap(B32);
const PAD = 61; // '='

export function base64Encode(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/** base64.StdEncoding.DecodeString: padding required, \r and \n ignored. */
export function base64Decode(s: string): Uint8Array {
  const src = utf8Bytes(s);
  const out: number[] = [];
  let si = 0;
  const isNl = (c: number): boolean => c === 10 || c === 13;
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let trailing: CorruptInputError | undefined;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Uint8Array.from(out);
        throw new CorruptInputError(si - j, 'base64');
      }
      const c = src[si++];
      const v = B64_MAP[c];
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (isNl(c)) {
        j--;
        continue;
      }
      if (c !== PAD) throw new CorruptInputError(si - 1, 'base64');
      // Padding: only after two or three characters of the quantum.
      if (j === 0 || j === 1) throw new CorruptInputError(si - 1, 'base64');
      if (j === 2) {
        while (si < src.length && isNl(src[si])) si++;
        if (si === src.length) throw new CorruptInputError(src.length, 'base64');
        if (src[si] !== PAD) throw new CorruptInputError(si - 1, 'base64');
        si++;
      }
      while (si < src.length && isNl(src[si])) si++;
      if (si < src.length) trailing = new CorruptInputError(si, 'base64');
      dlen = j;
      break;
    }
    const val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3];
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    for (let k = 0; k < dlen - 1; k++) out.push(bytes[k]);
    if (trailing) throw trailing;
  }
  return Uint8Array.from(out);
}

export function base32Encode(data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i += 5) {
    const chunk = data.subarray(i, i + 5);
    let bits = 0n;
    for (let k = 0; k < 5; k++) bits = (bits << 8n) | BigInt(chunk[k] ?? 0);
    const chars = Math.ceil((chunk.length * 8) / 5);
    for (let k = 0; k < 8; k++) out += k < chars ? B32[Number((bits >> BigInt(35 - 5 * k)) & 31n)] : '=';
  }
  return out;
}

/** base32.StdEncoding.DecodeString. */
export function base32Decode(s: string): Uint8Array {
  const src = utf8Bytes(s).filter((c) => c !== 10 && c !== 13);
  const olen = src.length;
  let pos = 0;
  const out: number[] = [];
  let end = false;
  while (pos < src.length && !end) {
    const dbuf = [0, 0, 0, 0, 0, 0, 0, 0];
    let dlen = 8;
    for (let j = 0; j < 8;) {
      const remaining = src.length - pos;
      if (remaining === 0) throw new CorruptInputError(olen - remaining - j, 'base32');
      const c = src[pos++];
      const left = src.length - pos;
      if (c === PAD && j >= 2 && left < 8) {
        if (left + j < 7) throw new CorruptInputError(olen, 'base32');
        for (let k = 0; k < 7 - j; k++) {
          if (left > k && src[pos + k] !== PAD) throw new CorruptInputError(olen - left + k - 1, 'base32');
        }
        dlen = j;
        end = true;
        if (dlen === 1 || dlen === 3 || dlen === 6) throw new CorruptInputError(olen - left - 1, 'base32');
        break;
      }
      const v = B32_MAP[c];
      if (v < 0) throw new CorruptInputError(olen - left - 1, 'base32');
      dbuf[j++] = v;
    }
    const bytes = [
      ((dbuf[0] << 3) | (dbuf[1] >> 2)) & 0xff,
      ((dbuf[1] << 6) | (dbuf[2] << 1) | (dbuf[3] >> 4)) & 0xff,
      ((dbuf[3] << 4) | (dbuf[4] >> 1)) & 0xff,
      ((dbuf[4] << 7) | (dbuf[5] << 2) | (dbuf[6] >> 3)) & 0xff,
      ((dbuf[6] << 5) | dbuf[7]) & 0xff,
    ];
    const n = { 8: 5, 7: 4, 5: 3, 4: 2, 2: 1 }[dlen] ?? 0;
    for (let k = 0; k < n; k++) out.push(bytes[k]);
  }
  return Uint8Array.from(out);
}

/** Sprig returns a decoding error's text as the value. */
function decodeOrMessage(decode: (s: string) => Uint8Array, s: string): string {
  try {
    return fromUtf8(decode(s));
  } catch (e) {
    if (e instanceof CorruptInputError) return e.message;
    throw e;
  }
}

export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b * 65536 + a) >>> 0;
}

const hashHex = (alg: string, s: string): string => createHash(alg).update(utf8Bytes(s)).digest('hex');

export const encodingFuncs: FuncMap = {
  b64enc: def(['string'], (s: string) => base64Encode(utf8Bytes(s))),
  b64dec: def(['string'], (s: string) => decodeOrMessage(base64Decode, s)),
  b32enc: def(['string'], (s: string) => base32Encode(utf8Bytes(s))),
  b32dec: def(['string'], (s: string) => decodeOrMessage(base32Decode, s)),
  sha1sum: def(['string'], (s: string) => hashHex('sha1', s)),
  sha256sum: def(['string'], (s: string) => hashHex('sha256', s)),
  adler32sum: def(['string'], (s: string) => String(adler32(utf8Bytes(s)))),
};
