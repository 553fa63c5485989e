import assert from 'node:assert/strict';
import { duplexPair } from 'node:stream';
import { test } from 'node:test';
import {
  decodeHeaderBlock,
  encodeControlFrame,
  encodeDataFrame,
  encodeHeaderBlock,
  FLAG_FIN,
  FrameParser,
  FrameType,
  HeaderCompressor,
  HeaderDecompressor,
  negotiateSpdyProtocol,
  serveSpdyExec,
  type Frame,
  type SpdyExecSession,
} from './spdy.js';

test('frames survive a round trip through the parser, even when split across chunks', () => {
  const control = encodeControlFrame(FrameType.PING, 0, Buffer.from([0, 0, 0, 7]));
  const data = encodeDataFrame(5, FLAG_FIN, Buffer.from('hello'));
  assert.deepEqual([...control.subarray(0, 4)], [0x80, 0x03, 0x00, 0x06], 'control bit, version 3, type PING');
  assert.deepEqual([...data.subarray(0, 8)], [0, 0, 0, 5, FLAG_FIN, 0, 0, 5]);
  const parser = new FrameParser();
  const all = Buffer.concat([control, data]);
  const frames = [...parser.push(all.subarray(0, 11)), ...parser.push(all.subarray(11))];
  assert.deepEqual(frames, [
    { control: true, type: FrameType.PING, flags: 0, data: Buffer.from([0, 0, 0, 7]) },
    { control: false, streamId: 5, flags: FLAG_FIN, data: Buffer.from('hello') },
  ]);
});

test('the parser refuses control frames of another SPDY version', () => {
  const frame = encodeControlFrame(FrameType.PING, 0, Buffer.alloc(4));
  frame.writeUInt16BE(0x8002, 0);
  assert.throws(() => new FrameParser().push(frame), /unsupported SPDY version 2/);
});

test('header blocks: names lower-cased, several values NUL-separated, truncation detected', () => {
  const block = encodeHeaderBlock(
    new Map([
      ['StreamType', ['stdout']],
      ['x-multi', ['a', 'b']],
    ]),
  );
  assert.deepEqual(
    decodeHeaderBlock(block),
    new Map([
      ['streamtype', ['stdout']],
      ['x-multi', ['a', 'b']],
    ]),
  );
  assert.throws(() => decodeHeaderBlock(block.subarray(0, block.length - 1)), /truncated SPDY header block/);
});

test('header compression keeps one zlib context per direction: later blocks need the earlier ones', async () => {
  const compressor = new HeaderCompressor();
  const decompressor = new HeaderDecompressor();
  const first = new Map([['streamtype', ['error']]]);
  const second = new Map([['streamtype', ['stdout']]]);
  const a = await compressor.compress(first);
  const b = await compressor.compress(second);
  // Each block ends with a sync flush marker, so it can be decoded as soon as it arrives.
  assert.deepEqual([...a.subarray(-4)], [0, 0, 0xff, 0xff]);
  assert.deepEqual(await decompressor.decompress(a), first);
  assert.deepEqual(await decompressor.decompress(b), second);
  // A fresh context cannot decode the second block alone: it refers back to the first.
  const fresh = new HeaderDecompressor();
  await assert.rejects(fresh.decompress(b));
  for (const z of [compressor, decompressor, fresh]) z.close();
});

test('protocol negotiation picks the newest version the client offers', () => {
  assert.equal(negotiateSpdyProtocol(['v4.channel.k8s.io', 'v3.channel.k8s.io']), 'v4.channel.k8s.io');
  assert.equal(negotiateSpdyProtocol('channel.k8s.io, v2.channel.k8s.io'), 'v2.channel.k8s.io');
  assert.equal(negotiateSpdyProtocol('v5.channel.k8s.io'), undefined);
  assert.equal(negotiateSpdyProtocol(undefined), undefined);
});

/** A minimal SPDY client over an in-memory socket pair, for the exchange tests. */
async function exchange(session: SpdyExecSession, opening: (send: (b: Buffer) => void, syn: (id: number, type: string) => Promise<void>) => Promise<void>) {
  const [server, client] = duplexPair();
  const compressor = new HeaderCompressor();
  const decompressor = new HeaderDecompressor();
  let head = '';
  let raw = Buffer.alloc(0);
  const parser = new FrameParser();
  const frames: Frame[] = [];
  const ended = new Promise<void>((resolve) => client.on('end', resolve));
  client.on('data', (c: Buffer) => {
    if (!head.includes('\r\n\r\n')) {
      raw = Buffer.concat([raw, c]);
      const at = raw.indexOf('\r\n\r\n');
      if (at < 0) return;
      head = raw.subarray(0, at + 4).toString();
      c = raw.subarray(at + 4);
    }
    frames.push(...parser.push(c));
  });
  client.resume();
  serveSpdyExec(server, session);
  const send = (b: Buffer) => void client.write(b);
  const syn = async (id: number, type: string) => {
    const block = await compressor.compress(new Map([['streamtype', [type]]]));
    const fixed = Buffer.alloc(10);
    fixed.writeUInt32BE(id, 0);
    send(encodeControlFrame(FrameType.SYN_STREAM, 0, Buffer.concat([fixed, block])));
  };
  await opening(send, syn);
  await ended;
  client.end();
  // Each SYN_REPLY as [stream id, number of headers].
  const replies: [number, number][] = [];
  for (const f of frames)
    if (f.control && f.type === FrameType.SYN_REPLY) replies.push([f.data.readUInt32BE(0), (await decompressor.decompress(f.data.subarray(4))).size]);
  const data = (id: number) => frames.filter((f): f is Extract<Frame, { control: false }> => !f.control && f.streamId === id);
  compressor.close();
  decompressor.close();
  return { head, frames, replies, data };
}

const output = { stdout: Buffer.from('hi\n'), stderr: Buffer.from('oops\n'), error: Buffer.from('{"metadata":{},"status":"Success"}') };

test('an exec exchange: 101 answer, SYN_REPLY per stream, output and status each ending with FIN', async () => {
  const session = { protocol: 'v4.channel.k8s.io', stdin: false, stdout: true, stderr: true, tty: false, output };
  const { head, replies, data } = await exchange(session, async (_send, syn) => {
    await syn(1, 'error');
    await syn(3, 'stdout');
    await syn(5, 'stderr');
  });
  assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(head, /\r\nUpgrade: SPDY\/3\.1\r\n/);
  assert.match(head, /\r\nX-Stream-Protocol-Version: v4\.channel\.k8s\.io\r\n/);
  assert.deepEqual(
    replies,
    [
      [1, 0],
      [3, 0],
      [5, 0],
    ],
    'one SYN_REPLY (with no headers) per stream',
  );
  const text = (id: number) => Buffer.concat(data(id).map((f) => f.data)).toString();
  assert.equal(text(3), 'hi\n');
  assert.equal(text(5), 'oops\n');
  assert.deepEqual(JSON.parse(text(1)), { metadata: {}, status: 'Success' });
  for (const id of [1, 3, 5]) assert.equal(data(id).at(-1)!.flags & FLAG_FIN, FLAG_FIN, `stream ${id} ends with FIN`);
});

test('flow control: the output waits for the window the client grants, and stdin data is acknowledged', async () => {
  const big = { ...output, stdout: Buffer.alloc(100, 'a') };
  const session = { protocol: 'v4.channel.k8s.io', stdin: true, stdout: true, stderr: false, tty: false, output: big };
  const { frames, data } = await exchange(session, async (send, syn) => {
    const settings = Buffer.alloc(12);
    settings.writeUInt32BE(1, 0);
    settings.writeUInt32BE(7, 4); // SETTINGS_INITIAL_WINDOW_SIZE
    settings.writeUInt32BE(40, 8);
    send(encodeControlFrame(FrameType.SETTINGS, 0, settings));
    await syn(1, 'error');
    await syn(3, 'stdin');
    send(encodeDataFrame(3, 0, Buffer.from('input')));
    await syn(5, 'stdout');
    await new Promise((r) => setTimeout(r, 50));
    const update = Buffer.alloc(8);
    update.writeUInt32BE(5, 0);
    update.writeUInt32BE(100, 4);
    send(encodeControlFrame(FrameType.WINDOW_UPDATE, 0, update));
  });
  const sizes = data(5).map((f) => f.data.length);
  assert.equal(sizes[0], 40, 'the first frame fills the granted window only');
  assert.equal(
    sizes.reduce((a, b) => a + b, 0),
    100,
  );
  const updates = frames.filter((f) => f.control && f.type === FrameType.WINDOW_UPDATE).map((f) => [f.data.readUInt32BE(0), f.data.readUInt32BE(4)]);
  assert.deepEqual(updates, [
    [3, 5],
    [0, 5],
  ]);
});
