import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { describe, it } from 'node:test';
import { acceptKey, encodeFrame, FrameParser, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, WebSocket } from './websocket.js';

describe('websocket framing', () => {
  it('computes the handshake accept value of RFC 6455', () => {
    // The example key and answer from RFC 6455 section 1.3.
    assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('round-trips frames of every length class, masked or not, fed byte by byte or at once', () => {
    for (const len of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
      for (const mask of [false, true]) {
        const payload = Buffer.alloc(len, len % 251);
        const frame = encodeFrame(OP_BINARY, payload, mask);
        const headerLen = (len < 126 ? 2 : len < 65536 ? 4 : 10) + (mask ? 4 : 0);
        assert.equal(frame.length, headerLen + len);
        assert.equal((frame[1] & 0x80) !== 0, mask);
        const whole = new FrameParser().push(frame);
        assert.equal(whole.length, 1);
        assert.ok(whole[0].payload.equals(payload), `len ${len} mask ${mask}`);
        if (len <= 130) {
          const p = new FrameParser();
          const got = [];
          for (const b of frame) got.push(...p.push(Buffer.from([b])));
          assert.equal(got.length, 1);
          assert.ok(got[0].payload.equals(payload));
        }
      }
    }
    const two = Buffer.concat([encodeFrame(OP_TEXT, Buffer.from('a'), false, false), encodeFrame(0, Buffer.from('b'), true)]);
    const frames = new FrameParser().push(two);
    assert.deepEqual(
      frames.map((f) => [f.fin, f.opcode, f.payload.toString()]),
      [
        [false, OP_TEXT, 'a'],
        [true, 0, 'b'],
      ],
    );
  });
});

/** A socket pair: what the client writes is parsed on the other side. */
function pair() {
  const fromClient = new FrameParser();
  const received: { opcode: number; payload: string; masked: boolean }[] = [];
  let ended = false;
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) {
      if (chunk.length > 1)
        for (const f of fromClient.push(chunk)) received.push({ opcode: f.opcode, payload: f.payload.toString(), masked: (chunk[1] & 0x80) !== 0 });
      cb();
    },
    final(cb) {
      ended = true;
      cb();
    },
  });
  return { socket, received, ended: () => ended };
}

describe('WebSocket', () => {
  it('answers pings, masks what it sends, and completes the closing handshake', async () => {
    const { socket, received, ended } = pair();
    const ws = new WebSocket(socket, 'v5.channel.k8s.io', encodeFrame(OP_BINARY, Buffer.from('early'), false));
    const messages: string[] = [];
    ws.onMessage((d) => messages.push(d.toString()));
    assert.deepEqual(messages, ['early'], 'a message that came with the handshake is kept');
    socket.push(encodeFrame(OP_PING, Buffer.from('hb'), false));
    await new Promise((r) => setImmediate(r));
    ws.send(Buffer.from('hello'));
    socket.push(encodeFrame(OP_CLOSE, Buffer.from([0x03, 0xe8, 0x6f, 0x6b]), false));
    const closed = await ws.closed;
    assert.deepEqual(closed, { code: 1000, reason: 'ok' });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      received.map((f) => [f.opcode, f.masked]),
      [
        [OP_PONG, true],
        [OP_BINARY, true],
        [OP_CLOSE, true],
      ],
    );
    assert.equal(received[0].payload, 'hb');
    assert.equal(received[1].payload, 'hello');
    assert.ok(ended());
    ws.destroy();
  });

  it('reports a dropped connection as 1006', async () => {
    const { socket } = pair();
    const ws = new WebSocket(socket, '', Buffer.alloc(0));
    socket.destroy();
    assert.equal((await ws.closed).code, 1006);
  });
});
