/**
 * `pods/exec` over WebSocket (the channel.k8s.io protocols kubectl 1.30+ and client libraries
 * speak) or SPDY/3.1 (kubectl 1.29 and older; see spdy.ts): the request's `command` params run in
 * a simulated container, stdout and stderr go out on channels 1 and 2 (SPDY: the stdout and
 * stderr streams), and the v4 status JSON (exit code) on channel 3 (SPDY: the error stream).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, pathNotFound } from '../../apiserver/errors.js';
import { negotiateSpdyProtocol, serveSpdyExec, SPDY_EXEC_PROTOCOLS } from './spdy.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Newest first: the server picks the first of these the client offers. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'];

export type ExecFn = (namespace: string, pod: string, container: string | undefined, argv: string[]) => { code: number; stdout: Buffer; stderr: string };

/**
 * Handles an HTTP upgrade (already authenticated and authorised by the API server's gate);
 * answers non-exec paths and refusals with a Status, as the API server would.
 */
/** How long after the handshake the output starts. */
const STREAM_START_DELAY_MS = 50;

export function handleExecUpgrade(req: IncomingMessage, socket: Duplex, exec: ExecFn | undefined): void {
  try {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)\/?$/.exec(url.pathname);
    if (!m) throw pathNotFound();
    const [, namespace, pod, sub] = m.map(decodeURIComponent);
    if (sub !== 'exec') throw badRequest(`${sub} is not supported by the local control plane`);
    if (!exec) throw badRequest(`pod ${pod} does not have a host assigned`);
    const upgrade = (req.headers.upgrade ?? '').toLowerCase();
    if (upgrade === 'spdy/3.1')
      return upgradeToSpdy(req, socket, url, () => exec(namespace, pod, url.searchParams.get('container') ?? undefined, url.searchParams.getAll('command')));
    if (upgrade !== 'websocket') throw badRequest(`unsupported upgrade ${JSON.stringify(req.headers.upgrade ?? '')} for exec: WebSocket or SPDY/3.1 expected`);
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((s) => s.trim());
    const protocol = EXEC_PROTOCOLS.find((p) => offered.includes(p));
    if (!protocol)
      throw badRequest(`unable to upgrade connection: none of the offered subprotocols ${JSON.stringify(offered)} is supported (${EXEC_PROTOCOLS.join(', ')})`);
    const argv = url.searchParams.getAll('command');
    const container = url.searchParams.get('container') ?? undefined;
    // Errors before the command starts (no pod, no container) are answered as HTTP errors.
    const result = exec(namespace, pod, container, argv);
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    );
    // Read (and drop) whatever the client sends until it closes.
    socket.on('data', () => {});
    socket.on('error', () => socket.destroy());
    // The output follows the handshake a moment later, as from a container runtime: a client
    // (kubectl's WebSocket executor) drops frames that come before it has opened its streams.
    setTimeout(() => {
      if (socket.destroyed) return;
      const channel = (n: number, data: Buffer) => socket.write(frame(2, Buffer.concat([Buffer.from([n]), data])));
      // Streams open with an empty frame per channel (as the API server does), then the data.
      if (url.searchParams.get('stdout') !== 'false' && url.searchParams.get('stdout') !== '0') {
        channel(1, Buffer.alloc(0));
        if (result.stdout.length) for (let i = 0; i < result.stdout.length; i += 32 * 1024) channel(1, result.stdout.subarray(i, i + 32 * 1024));
      }
      if (url.searchParams.get('stderr') !== 'false' && url.searchParams.get('stderr') !== '0' && result.stderr) channel(2, Buffer.from(result.stderr));
      const status = execStatus(argv, result.code);
      channel(3, Buffer.from(JSON.stringify(status)));
      socket.write(frame(8, Buffer.from([0x03, 0xe8])));
      setTimeout(() => socket.end(), 100).unref();
    }, STREAM_START_DELAY_MS);
  } catch (e) {
    refuseUpgrade(socket, e);
  }
}

/** The v4 exit status (a metav1.Status) sent after the output. */
export function execStatus(argv: string[], code: number): object {
  return code === 0
    ? { metadata: {}, status: 'Success' }
    : {
        metadata: {},
        status: 'Failure',
        message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`,
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
      };
}

/** Query flags are true unless given as false/0 (stdout/stderr) and false unless true/1 (stdin/tty). */
function flag(url: URL, name: string, byDefault: boolean): boolean {
  const v = url.searchParams.get(name);
  if (v === null) return byDefault;
  return v === 'true' || v === '1';
}

function upgradeToSpdy(req: IncomingMessage, socket: Duplex, url: URL, run: () => ReturnType<ExecFn>): void {
  const protocol = negotiateSpdyProtocol(req.headers['x-stream-protocol-version']);
  if (!protocol)
    throw badRequest(
      `unable to upgrade connection: none of the offered X-Stream-Protocol-Version values ${JSON.stringify(req.headers['x-stream-protocol-version'] ?? '')} is supported (${SPDY_EXEC_PROTOCOLS.join(', ')})`,
    );
  const argv = url.searchParams.getAll('command');
  // Errors before the command starts (no pod, no container) are answered as HTTP errors.
  const result = run();
  const status = execStatus(argv, result.code);
  // Before v4 the error stream carries only a failure's message, as text.
  const error =
    protocol === 'v4.channel.k8s.io' ? Buffer.from(JSON.stringify(status)) : Buffer.from(result.code === 0 ? '' : (status as { message: string }).message);
  serveSpdyExec(socket, {
    protocol,
    stdin: flag(url, 'stdin', false),
    stdout: flag(url, 'stdout', true),
    stderr: flag(url, 'stderr', true),
    tty: flag(url, 'tty', false),
    output: { stdout: result.stdout, stderr: Buffer.from(result.stderr), error },
  });
}

/** Answers an upgrade request with an error Status instead of switching protocols. */
export function refuseUpgrade(socket: Duplex, e: unknown): void {
  const err = e instanceof ApiError ? e : badRequest((e as Error).message);
  const body = JSON.stringify(err.status);
  socket.end(
    `HTTP/1.1 ${err.code} ${httpText(err.code)}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** One unmasked server-to-client WebSocket frame. */
export function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 255]) : Buffer.alloc(10);
  if (len >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

function httpText(code: number): string {
  return { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' }[code] ?? 'Error';
}
