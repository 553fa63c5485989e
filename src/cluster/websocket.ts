/**
 * A minimal RFC 6455 WebSocket client, just enough for the pods/exec API:
 * the HTTP upgrade handshake, masked client frames, fragmented messages,
 * ping/pong and the closing handshake. No extensions (no compression).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

const HANDSHAKE_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** The value a server must answer in Sec-WebSocket-Accept for a key. */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + HANDSHAKE_GUID)
    .digest('base64');
}

/** Encodes one frame; clients must mask, servers must not. */
export function encodeFrame(opcode: number, payload: Buffer, mask: boolean, fin = true): Buffer {
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lenBytes + (mask ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | opcode;
  header[1] = (mask ? 0x80 : 0) | (lenBytes === 0 ? len : lenBytes === 2 ? 126 : 127);
  if (lenBytes === 2) header.writeUInt16BE(len, 2);
  else if (lenBytes === 8) header.writeBigUInt64BE(BigInt(len), 2);
  if (!mask) return Buffer.concat([header, payload]);
  const key = randomBytes(4);
  key.copy(header, 2 + lenBytes);
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) body[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([header, body]);
}

/** Incremental frame decoder; accepts masked and unmasked frames. */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const buf = this.pending;
      if (buf.length < 2) break;
      const masked = (buf[1] & 0x80) !== 0;
      let len = buf[1] & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        const big = buf.readBigUInt64BE(2);
        if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('websocket frame too large');
        len = Number(big);
        offset = 10;
      }
      const maskOffset = offset;
      if (masked) offset += 4;
      if (buf.length < offset + len) break;
      let payload = buf.subarray(offset, offset + len);
      if (masked) {
        const unmasked = Buffer.allocUnsafe(len);
        for (let i = 0; i < len; i++) unmasked[i] = payload[i] ^ buf[maskOffset + (i & 3)];
        payload = unmasked;
      }
      frames.push({ fin: (buf[0] & 0x80) !== 0, opcode: buf[0] & 0x0f, payload });
      this.pending = buf.subarray(offset + len);
    }
    return frames;
  }
}

export interface CloseInfo {
  /** 1006 when the connection dropped without a close frame. */
  code: number;
  reason: string;
}

/** A client-side WebSocket over an upgraded socket. */
export class WebSocket {
  private handler?: (data: Buffer, binary: boolean) => void;
  /** Messages that arrived (e.g. with the handshake) before a handler was set. */
  private queued: [Buffer, boolean][] = [];
  readonly closed: Promise<CloseInfo>;
  private closeSent = false;
  private resolveClosed!: (c: CloseInfo) => void;
  private fragments: Buffer[] = [];
  private fragmentBinary = true;
  private readonly parser = new FrameParser();

  constructor(
    private readonly socket: Duplex,
    readonly protocol: string,
    head: Buffer,
  ) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.resolveClosed({ code: 1006, reason: 'connection closed without a close frame' }));
    socket.on('error', () => socket.destroy());
    if (head.length > 0) this.receive(head);
  }

  /** Sets the receiver of complete messages (fragments joined); earlier messages are handed over first. */
  onMessage(handler: (data: Buffer, binary: boolean) => void): void {
    this.handler = handler;
    for (const [data, binary] of this.queued.splice(0)) handler(data, binary);
  }

  send(data: Buffer, binary = true): void {
    if (!this.closeSent) this.socket.write(encodeFrame(binary ? OP_BINARY : OP_TEXT, data, true));
  }

  close(code = 1000, reason = ''): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.socket.write(encodeFrame(OP_CLOSE, payload, true));
    // Give the server a moment to answer the close, then drop the connection.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.parser.push(chunk);
    } catch {
      this.socket.destroy();
      return;
    }
    for (const f of frames) {
      switch (f.opcode) {
        case OP_PING:
          if (!this.closeSent) this.socket.write(encodeFrame(OP_PONG, f.payload, true));
          break;
        case OP_PONG:
          break;
        case OP_CLOSE: {
          const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1005;
          const reason = f.payload.length > 2 ? f.payload.subarray(2).toString('utf8') : '';
          this.resolveClosed({ code, reason });
          this.close(code === 1005 ? 1000 : code);
          this.socket.end();
          return;
        }
        case OP_TEXT:
        case OP_BINARY:
          this.fragments = [f.payload];
          this.fragmentBinary = f.opcode === OP_BINARY;
          if (f.fin) this.deliver();
          break;
        case OP_CONTINUATION:
          this.fragments.push(f.payload);
          if (f.fin) this.deliver();
          break;
        default:
          this.socket.destroy();
          return;
      }
    }
  }

  private deliver(): void {
    const data = this.fragments.length === 1 ? this.fragments[0] : Buffer.concat(this.fragments);
    this.fragments = [];
    if (this.handler) this.handler(data, this.fragmentBinary);
    else this.queued.push([data, this.fragmentBinary]);
  }
}

/** Headers a client adds to its GET to ask for a WebSocket upgrade. */
export function upgradeHeaders(protocols: string[]): { key: string; headers: Record<string, string> } {
  const key = randomBytes(16).toString('base64');
  return {
    key,
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': key,
      'sec-websocket-protocol': protocols.join(', '),
    },
  };
}

/** The server refused the upgrade and answered with an ordinary HTTP response. */
export class UpgradeRefused extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: Buffer,
    readonly contentType: string | undefined,
  ) {
    super(`websocket upgrade refused with HTTP ${statusCode}`);
  }
}

/** Completes the handshake on a request built with `upgradeHeaders` and ends it. */
export function completeUpgrade(req: ClientRequest, key: string, protocols: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    req.on('upgrade', (res: IncomingMessage, socket: Duplex, head: Buffer) => {
      const accept = res.headers['sec-websocket-accept'];
      const protocol = String(res.headers['sec-websocket-protocol'] ?? '');
      if (accept !== acceptKey(key)) {
        socket.destroy();
        reject(new Error('websocket handshake failed: wrong Sec-WebSocket-Accept'));
      } else if (protocol !== '' && !protocols.includes(protocol)) {
        socket.destroy();
        reject(new Error(`websocket handshake failed: server chose unknown subprotocol "${protocol}"`));
      } else {
        resolve(new WebSocket(socket, protocol, head));
      }
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, Buffer.concat(chunks), res.headers['content-type'])));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
