/**
 * `pods/exec` over SPDY/3.1 (what kubectl before 1.30 speaks): the server side of the
 * remotecommand protocol as kube-apiserver answers it. The client opens one SPDY stream per
 * channel (named by its `streamtype` header: error, stdin, stdout, stderr, resize); once the
 * streams the query asked for are there, the command's output goes out on stdout/stderr, the
 * exit status on the error stream, each ending with FLAG_FIN, and the connection closes.
 */
import type { Duplex } from 'node:stream';
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';

/** Newest first: the server picks the first of these the client offers (X-Stream-Protocol-Version). */
export const SPDY_EXEC_PROTOCOLS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

const SPDY_VERSION = 3;
export const FLAG_FIN = 0x01;
export const FrameType = {
  SYN_STREAM: 1,
  SYN_REPLY: 2,
  RST_STREAM: 3,
  SETTINGS: 4,
  PING: 6,
  GOAWAY: 7,
  HEADERS: 8,
  WINDOW_UPDATE: 9,
} as const;
const SETTINGS_INITIAL_WINDOW_SIZE = 7;
const DEFAULT_WINDOW = 64 * 1024;
const RST_PROTOCOL_ERROR = 1;
const MAX_DATA_FRAME = 16 * 1024;

/** SPDY/3's zlib dictionary for name/value header blocks: length-prefixed words, then a tail. */
export const SPDY_DICTIONARY: Buffer = (() => {
  const words = [
    'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
    'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
    'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date', 'etag',
    'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since',
    'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
    'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning',
    'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url', 'public', 'set-cookie',
    'keep-alive', 'origin',
  ]; // prettier-ignore
  const tail =
    '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
    '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
    '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
    'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
    'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
    'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';
  const parts = words.map((w) => {
    const b = Buffer.alloc(4 + w.length);
    b.writeUInt32BE(w.length, 0);
    b.write(w, 4, 'latin1');
    return b;
  });
  return Buffer.concat([...parts, Buffer.from(tail, 'latin1')]);
})();

export type Frame = { control: false; streamId: number; flags: number; data: Buffer } | { control: true; type: number; flags: number; data: Buffer };

export function encodeDataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((flags & 0xff) << 24) | data.length, 4);
  return Buffer.concat([head, data]);
}

export function encodeControlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
  return Buffer.concat([head, payload]);
}

/** Splits a byte stream into frames (keeps partial frames until the rest arrives). */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: Frame[] = [];
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4) & 0xffffff;
      if (this.pending.length < 8 + length) break;
      const flags = this.pending[4]!;
      const data = this.pending.subarray(8, 8 + length);
      if (this.pending[0]! & 0x80) {
        const version = this.pending.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new Error(`unsupported SPDY version ${version} (only 3 is spoken)`);
        frames.push({ control: true, type: this.pending.readUInt16BE(2), flags, data });
      } else {
        frames.push({ control: false, streamId: this.pending.readUInt32BE(0) & 0x7fffffff, flags, data });
      }
      this.pending = this.pending.subarray(8 + length);
    }
    return frames;
  }
}

/** Header names are lower case on the wire; a name's several values are NUL-separated. */
export type Headers = Map<string, string[]>;

export function encodeHeaderBlock(headers: Headers): Buffer {
  const parts: Buffer[] = [u32(headers.size)];
  for (const [name, values] of headers) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(values.join('\0'));
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): Headers {
  const headers: Headers = new Map();
  let at = 0;
  const u32At = (): number => {
    if (at + 4 > block.length) throw new Error('truncated SPDY header block');
    at += 4;
    return block.readUInt32BE(at - 4);
  };
  const take = (): Buffer => {
    const len = u32At();
    if (at + len > block.length) throw new Error('truncated SPDY header block');
    at += len;
    return block.subarray(at - len, at);
  };
  const count = u32At();
  for (let i = 0; i < count; i++) {
    const name = take().toString().toLowerCase();
    const values = take().toString().split('\0');
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  return headers;
}

/**
 * One zlib context per direction for the whole connection (SPDY/3 header compression): each
 * block is flushed with Z_SYNC_FLUSH so the peer can decode it alone, yet shares the history.
 */
class ZlibContext {
  private out: Buffer[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly stream: Inflate | Deflate) {
    stream.on('data', (c: Buffer) => this.out.push(c));
    stream.on('error', () => {});
  }

  /** Feeds `input` and returns what came out once flushed (calls run one at a time, in order). */
  process(input: Buffer): Promise<Buffer> {
    const run = () =>
      new Promise<Buffer>((resolve, reject) => {
        const onError = (e: Error) => reject(new Error(`SPDY header compression: ${e.message}`));
        this.stream.once('error', onError);
        this.stream.write(input);
        this.stream.flush(constants.Z_SYNC_FLUSH, () => {
          this.stream.off('error', onError);
          const result = Buffer.concat(this.out);
          this.out = [];
          resolve(result);
        });
      });
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => {});
    return next;
  }

  close(): void {
    this.stream.destroy();
  }
}

export class HeaderCompressor {
  private readonly zlib = new ZlibContext(createDeflate({ dictionary: SPDY_DICTIONARY }));
  compress(headers: Headers): Promise<Buffer> {
    return this.zlib.process(encodeHeaderBlock(headers));
  }
  close(): void {
    this.zlib.close();
  }
}

export class HeaderDecompressor {
  private readonly zlib = new ZlibContext(createInflate({ dictionary: SPDY_DICTIONARY }));
  async decompress(block: Buffer): Promise<Headers> {
    return decodeHeaderBlock(await this.zlib.process(block));
  }
  close(): void {
    this.zlib.close();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** Picks the newest protocol both sides speak from the client's X-Stream-Protocol-Version values. */
export function negotiateSpdyProtocol(offered: string | string[] | undefined): string | undefined {
  const list = (Array.isArray(offered) ? offered : [offered ?? ''])
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  return SPDY_EXEC_PROTOCOLS.find((p) => list.includes(p));
}

export interface SpdyExecSession {
  /** The negotiated X-Stream-Protocol-Version. */
  protocol: string;
  /** Which streams the request's query asked for. */
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** The finished command's output and its status for the error stream (protocol-dependent bytes). */
  output: { stdout: Buffer; stderr: Buffer; error: Buffer };
}

/** How long the client gets to open the streams it asked for. */
const STREAM_WAIT_MS = 30_000;

/**
 * Switches `socket` to SPDY/3.1 (the 101 answer) and serves one remotecommand exchange on it.
 */
export function serveSpdyExec(socket: Duplex, session: SpdyExecSession): void {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${session.protocol}\r\n\r\n`);
  new SpdyExecConnection(socket, session);
}

class SpdyExecConnection {
  private readonly parser = new FrameParser();
  private readonly inflater = new HeaderDecompressor();
  private readonly deflater = new HeaderCompressor();
  private readonly streams = new Map<string, number>();
  /** Our send windows, per stream and for the connection (SPDY/3.1), as the client grants them. */
  private initialWindow = DEFAULT_WINDOW;
  private connectionWindow = DEFAULT_WINDOW;
  private readonly streamWindows = new Map<number, number>();
  /**
   * Whether the client takes part in flow control: Kubernetes' spdystream never sends
   * WINDOW_UPDATE, so windows are honoured only once a client has shown it grants them.
   */
  private clientGrantsWindows = false;
  private readonly waiters: (() => void)[] = [];
  private frameQueue: Promise<void> = Promise.resolve();
  private started = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly socket: Duplex,
    private readonly session: SpdyExecSession,
  ) {
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = this.parser.push(chunk);
      } catch {
        return this.close();
      }
      for (const f of frames) this.frameQueue = this.frameQueue.then(() => this.handle(f)).catch(() => this.close());
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    this.timer = setTimeout(() => this.close(), STREAM_WAIT_MS);
    this.timer.unref();
  }

  private expected(): string[] {
    const s = this.session;
    const types = ['error'];
    if (s.stdin) types.push('stdin');
    if (s.stdout) types.push('stdout');
    // With a TTY stderr is merged into stdout; resize exists from v3 on.
    if (s.stderr && !s.tty) types.push('stderr');
    if (s.tty && (s.protocol === 'v3.channel.k8s.io' || s.protocol === 'v4.channel.k8s.io')) types.push('resize');
    return types;
  }

  private async handle(f: Frame): Promise<void> {
    if (this.closed) return;
    if (!f.control) {
      // Stdin and resize data are read and dropped (simulated commands take no input); give the
      // client its window back so it never stalls.
      if (f.data.length) {
        this.send(encodeControlFrame(FrameType.WINDOW_UPDATE, 0, Buffer.concat([u32(f.streamId), u32(f.data.length)])));
        this.send(encodeControlFrame(FrameType.WINDOW_UPDATE, 0, Buffer.concat([u32(0), u32(f.data.length)])));
      }
      return;
    }
    switch (f.type) {
      case FrameType.SYN_STREAM: {
        const streamId = f.data.readUInt32BE(0) & 0x7fffffff;
        const headers = await this.inflater.decompress(f.data.subarray(10));
        const type = headers.get('streamtype')?.[0] ?? '';
        if (!['error', 'stdin', 'stdout', 'stderr', 'resize'].includes(type)) {
          this.send(encodeControlFrame(FrameType.RST_STREAM, 0, Buffer.concat([u32(streamId), u32(RST_PROTOCOL_ERROR)])));
          return;
        }
        this.streams.set(type, streamId);
        this.streamWindows.set(streamId, this.initialWindow);
        const reply = await this.deflater.compress(new Map());
        this.send(encodeControlFrame(FrameType.SYN_REPLY, 0, Buffer.concat([u32(streamId), reply])));
        if (!this.started && this.expected().every((t) => this.streams.has(t))) {
          this.started = true;
          void this.respond();
        }
        return;
      }
      case FrameType.HEADERS:
        // Keeps the shared decompression context in step with the client's.
        await this.inflater.decompress(f.data.subarray(4));
        return;
      case FrameType.SETTINGS: {
        const count = f.data.readUInt32BE(0);
        for (let i = 0; i < count; i++) {
          const id = f.data.readUInt32BE(4 + i * 8) & 0xffffff;
          const value = f.data.readUInt32BE(8 + i * 8);
          if (id === SETTINGS_INITIAL_WINDOW_SIZE) {
            const delta = value - this.initialWindow;
            this.initialWindow = value;
            this.clientGrantsWindows = true;
            for (const [id, w] of this.streamWindows) this.streamWindows.set(id, w + delta);
          }
        }
        this.wake();
        return;
      }
      case FrameType.WINDOW_UPDATE: {
        const streamId = f.data.readUInt32BE(0) & 0x7fffffff;
        const delta = f.data.readUInt32BE(4) & 0x7fffffff;
        this.clientGrantsWindows = true;
        if (streamId === 0) this.connectionWindow += delta;
        else this.streamWindows.set(streamId, (this.streamWindows.get(streamId) ?? this.initialWindow) + delta);
        this.wake();
        return;
      }
      case FrameType.PING:
        // Client pings have odd ids; echo them.
        if (f.data.readUInt32BE(0) % 2 === 1) this.send(encodeControlFrame(FrameType.PING, 0, f.data.subarray(0, 4)));
        return;
      case FrameType.GOAWAY:
        this.close();
        return;
      default:
        // RST_STREAM from the client (it gave up a stream) and unknown types need no answer.
        return;
    }
  }

  /** Writes the output and status, each stream ending with FIN, then closes. */
  private async respond(): Promise<void> {
    clearTimeout(this.timer);
    const { output } = this.session;
    const stdoutId = this.streams.get('stdout');
    const stderrId = this.streams.get('stderr');
    if (stdoutId !== undefined) await this.writeStream(stdoutId, this.session.tty ? Buffer.concat([output.stdout, output.stderr]) : output.stdout);
    if (stderrId !== undefined) await this.writeStream(stderrId, output.stderr);
    await this.writeStream(this.streams.get('error')!, output.error);
    for (const type of ['stdin', 'resize']) {
      const id = this.streams.get(type);
      if (id !== undefined) this.send(encodeDataFrame(id, FLAG_FIN, Buffer.alloc(0)));
    }
    // The client hangs up once it has read everything; close anyway if it does not.
    setTimeout(() => this.close(), 1000).unref();
  }

  private async writeStream(streamId: number, data: Buffer): Promise<void> {
    let at = 0;
    while (at < data.length && !this.closed) {
      let size = Math.min(MAX_DATA_FRAME, data.length - at);
      if (this.clientGrantsWindows) {
        size = Math.min(size, this.connectionWindow, this.streamWindows.get(streamId) ?? 0);
        if (size <= 0) {
          await new Promise<void>((resolve) => this.waiters.push(resolve));
          continue;
        }
        this.connectionWindow -= size;
        this.streamWindows.set(streamId, (this.streamWindows.get(streamId) ?? 0) - size);
      }
      this.send(encodeDataFrame(streamId, 0, data.subarray(at, at + size)));
      at += size;
    }
    this.send(encodeDataFrame(streamId, FLAG_FIN, Buffer.alloc(0)));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private send(frame: Buffer): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(frame);
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.wake();
    this.inflater.close();
    this.deflater.close();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }
}
