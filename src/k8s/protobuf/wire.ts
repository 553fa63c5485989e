/** Protocol buffer wire format: a bounds-checked reader and a growable writer. Pure, no I/O. */

/**
 * What is wrong with a protobuf request body. `reason` lets the API server pick the answer:
 * `Malformed` (bad prefix, truncated or garbage bytes, values Go would reject) → 400 BadRequest,
 * `UnknownKind` (no schema for the apiVersion/kind, e.g. a custom resource) → 415 or 400.
 */
export class ProtobufError extends Error {
  readonly reason: 'Malformed' | 'UnknownKind';
  constructor(message: string, reason: 'Malformed' | 'UnknownKind' = 'Malformed') {
    super(message);
    this.name = 'ProtobufError';
    this.reason = reason;
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

export class WireReader {
  private pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    /** Where this message sits in the object, for error messages. */
    readonly path: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  fail(what: string): never {
    throw new ProtobufError(`${this.path || 'body'}: ${what} (at byte ${this.pos} of ${this.buf.length})`);
  }

  /** An unsigned varint as a number when it fits in 2^53, else as a bigint. */
  varint(): number | bigint {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    // More than 49 bits: finish in bigint (negative int32/int64 values take 10 bytes).
    let big = BigInt(result);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (this.pos >= this.buf.length) this.fail('truncated varint');
      const b = this.buf[this.pos++];
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        big = BigInt.asUintN(64, big);
        return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
      }
      shift += 7n;
    }
    this.fail('varint longer than 10 bytes');
  }

  /** A small varint that must fit a JS number (tags and lengths). */
  uint(): number {
    const v = this.varint();
    if (typeof v === 'bigint') this.fail('length or tag out of range');
    return v;
  }

  bytes(): Uint8Array {
    const len = this.uint();
    if (len > this.buf.length - this.pos) this.fail(`truncated: a ${len}-byte field runs past the end`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  fixed(size: 4 | 8): DataView {
    if (size > this.buf.length - this.pos) this.fail(`truncated ${size * 8}-bit value`);
    const view = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, size);
    this.pos += size;
    return view;
  }

  string(what: string): string {
    const raw = this.bytes();
    try {
      return utf8.decode(raw);
    } catch {
      this.fail(`${what} is not valid UTF-8`);
    }
  }

  /** Skips one field's value; group wire types (3, 4) are not used by Kubernetes and are rejected. */
  skip(wireType: number, fieldNumber: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.fixed(8);
        return;
      case WIRE_BYTES:
        this.bytes();
        return;
      case WIRE_FIXED32:
        this.fixed(4);
        return;
      default:
        this.fail(`invalid wire type ${wireType} for field ${fieldNumber}`);
    }
  }
}

export class WireWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** Writes an unsigned varint; negative values are written as 64-bit two's complement. */
  varint(value: number | bigint): void {
    this.ensure(10);
    if (typeof value === 'number' && value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      while (value >= 0x80) {
        this.buf[this.len++] = (value % 128) | 0x80;
        value = Math.floor(value / 128);
      }
      this.buf[this.len++] = value;
      return;
    }
    let big = BigInt.asUintN(64, BigInt(value));
    while (big >= 0x80n) {
      this.buf[this.len++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    this.buf[this.len++] = Number(big);
  }

  tag(fieldNumber: number, wireType: number): void {
    this.varint(fieldNumber * 8 + wireType);
  }

  bytes(fieldNumber: number, bytes: Uint8Array): void {
    this.tag(fieldNumber, WIRE_BYTES);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  string(fieldNumber: number, value: string): void {
    this.bytes(fieldNumber, utf8Encoder.encode(value));
  }

  fixed(fieldNumber: number, size: 4 | 8, write: (view: DataView) => void): void {
    this.tag(fieldNumber, size === 8 ? WIRE_FIXED64 : WIRE_FIXED32);
    this.ensure(size);
    write(new DataView(this.buf.buffer, this.len, size));
    this.len += size;
  }
}

export function utf8Bytes(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}
