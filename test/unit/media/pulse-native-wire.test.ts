// The native protocol's wire format (main/media/audio/pulse-native/wire.ts): tagstructs written and read
// back, byte layouts checked against pulsecore/tagstruct.c, frames cut out of a stream split anywhere.
import { describe, expect, it } from 'vitest';
import { parseServer } from '../../../main/media/audio/pulse-native/connection.js';
import { audioFrame, CONTROL_CHANNEL, frame, FRAME_HEADER, FrameReader, ProtocolError, TagReader, TagWriter } from '../../../main/media/audio/pulse-native/wire.js';

describe('tagstruct', () => {
  it('reads back every type it writes, in order', () => {
    const w = new TagWriter()
      .u32(0xfffffffe)
      .u8(200)
      .u64(1n << 40n)
      .s64(-5n)
      .usec(20_000n)
      .bool(true)
      .bool(false)
      .string('headset')
      .string(null)
      .string('Гарнитура')
      .arbitrary(Buffer.from([1, 2, 3]))
      .sampleSpec({ format: 3, channels: 1, rate: 8000 })
      .channelMap([0])
      .cvolume([0x10000])
      .timeval(1_700_000_000_123.5)
      .proplist({ 'media.name': 'talk', 'application.name': 'dispatch-phone' });
    const r = new TagReader(w.bytes());
    expect(r.u32()).toBe(0xfffffffe);
    expect(r.u8()).toBe(200);
    expect(r.u64()).toBe(1n << 40n);
    expect(r.s64()).toBe(-5n);
    expect(r.usec()).toBe(20_000n);
    expect(r.bool()).toBe(true);
    expect(r.bool()).toBe(false);
    expect(r.string()).toBe('headset');
    expect(r.string()).toBeNull();
    expect(r.string()).toBe('Гарнитура');
    expect([...r.arbitrary()]).toEqual([1, 2, 3]);
    expect(r.sampleSpec()).toEqual({ format: 3, channels: 1, rate: 8000 });
    expect(r.channelMap()).toEqual([0]);
    expect(r.cvolume()).toEqual([0x10000]);
    expect(r.timeval()).toBeCloseTo(1_700_000_000_123.5, 3);
    expect(r.proplist()).toEqual({ 'media.name': 'talk', 'application.name': 'dispatch-phone' });
    expect(r.eof()).toBe(true);
  });

  it('lays bytes out as pulsecore does (tag, then big-endian values; strings NUL-terminated; proplist values with their NUL)', () => {
    expect([...new TagWriter().u32(0x01020304).bytes()]).toEqual([0x4c, 1, 2, 3, 4]);
    expect([...new TagWriter().string('ab').string(null).bytes()]).toEqual([0x74, 0x61, 0x62, 0, 0x4e]);
    expect([...new TagWriter().sampleSpec({ format: 3, channels: 1, rate: 48000 }).bytes()]).toEqual([0x61, 3, 1, 0, 0, 0xbb, 0x80]);
    expect([...new TagWriter().bool(true).bool(false).bytes()]).toEqual([0x31, 0x30]);
    expect([...new TagWriter().proplist({ k: 'v' }).bytes()]).toEqual([0x50, 0x74, 0x6b, 0, 0x4c, 0, 0, 0, 2, 0x78, 0, 0, 0, 2, 0x76, 0, 0x4e]);
  });

  it('refuses a value of another type, and a truncated one', () => {
    expect(() => new TagReader(new TagWriter().string('x').bytes()).u32()).toThrow(ProtocolError);
    expect(() => new TagReader(new TagWriter().u32(1).bytes().subarray(0, 3)).u32()).toThrow(ProtocolError);
    expect(() => new TagReader(Buffer.alloc(0)).bool()).toThrow(ProtocolError);
  });
});

describe('frames', () => {
  it('puts a 20-byte header before the payload: length, channel, offset 0, flags 0 (relative seek)', () => {
    const f = frame(CONTROL_CHANNEL, Buffer.from([9, 8, 7]));
    expect(f.length).toBe(FRAME_HEADER + 3);
    expect(f.readUInt32BE(0)).toBe(3);
    expect(f.readUInt32BE(4)).toBe(0xffffffff);
    expect([...f.subarray(8, 20)]).toEqual(new Array(12).fill(0));
    const a = audioFrame(7, new Int16Array([1, -2, 0x7fff]));
    expect(a.readUInt32BE(0)).toBe(6);
    expect(a.readUInt32BE(4)).toBe(7);
    expect([a.readInt16LE(20), a.readInt16LE(22), a.readInt16LE(24)]).toEqual([1, -2, 0x7fff]);
  });

  it('cuts frames out of a byte stream split at every offset, several in one read', () => {
    const cmd = new TagWriter().u32(2).u32(5).u32(42).bytes();
    const stream = Buffer.concat([frame(CONTROL_CHANNEL, cmd), audioFrame(3, new Int16Array([5, 6, 7, 8])), frame(CONTROL_CHANNEL, Buffer.alloc(0))]);
    for (let cut = 0; cut <= stream.length; cut++) {
      for (const step of [1, 7, stream.length]) {
        const got: [number, number[]][] = [];
        const reader = new FrameReader((channel, payload) => got.push([channel, [...payload]]));
        const parts = [stream.subarray(0, cut), ...chunks(stream.subarray(cut), step)];
        for (const p of parts) reader.push(Buffer.from(p));
        expect(got.map((g) => g[0])).toEqual([CONTROL_CHANNEL, 3, CONTROL_CHANNEL]);
        expect(got[0]![1]).toEqual([...cmd]);
        expect(got[1]![1]).toEqual([5, 0, 6, 0, 7, 0, 8, 0]);
        expect(got[2]![1]).toEqual([]);
      }
    }
  });

  it('refuses a frame larger than the server would ever send', () => {
    const head = Buffer.alloc(FRAME_HEADER);
    head.writeUInt32BE(0x7fffffff, 0);
    expect(() => new FrameReader(() => undefined).push(head)).toThrow(ProtocolError);
  });
});

describe('server strings', () => {
  it('takes unix sockets, paths, tcp hosts and the per-user default', () => {
    expect(parseServer('unix:/tmp/pa/native', {})).toEqual({ path: '/tmp/pa/native' });
    expect(parseServer('/tmp/pa/native other', {})).toEqual({ path: '/tmp/pa/native' });
    expect(parseServer('{abc}unix:/x', {})).toEqual({ path: '/x' });
    expect(parseServer('tcp:10.0.0.2:4714', {})).toEqual({ host: '10.0.0.2', port: 4714 });
    expect(parseServer('pulsebox', {})).toEqual({ host: 'pulsebox', port: 4713 });
    expect(parseServer(undefined, { XDG_RUNTIME_DIR: '/run/user/7' })).toEqual({ path: '/run/user/7/pulse/native' });
  });
});

function chunks(b: Buffer, step: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += step) out.push(b.subarray(i, i + step));
  return out;
}
