import { FrameDecoder, type Frame, type FrameSink } from '../../lib/protocol/frame-decoder';
import { encodeFrame, encodeProtoHeader } from '../../lib/protocol/proto-header';
import { loadCapturedStreams } from './captures';

const MiB = 1024 * 1024;

/** Feeds `bytes` through one scratch buffer reused for every read, as the socket reader does. */
function feedBorrowed(decoder: FrameDecoder, bytes: Buffer, sizes: readonly number[], onFrame: (f: Frame) => void, sink?: FrameSink): void {
  const scratch = Buffer.alloc(Math.max(1, ...sizes));
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, bytes.length - offset);
    bytes.copy(scratch, 0, offset, offset + n);
    decoder.push(scratch.subarray(0, n), onFrame, sink, true);
    // the next read overwrites the scratch: a kept view would now show other bytes
    scratch.fill(0xee);
    offset += n;
  }
}

/** Reads `bytes` as the socket reader does: straight into a lent body region when there is one, else a scratch chunk. */
function feedDirect(decoder: FrameDecoder, bytes: Buffer, readBytes: number, minDirect: number, onFrame: (f: Frame) => void): number {
  const scratch = Buffer.alloc(readBytes);
  let offset = 0;
  let direct = 0;
  while (offset < bytes.length) {
    const target = decoder.bodyTarget(minDirect);
    const into = target ?? scratch;
    const n = Math.min(into.length, readBytes, bytes.length - offset);
    bytes.copy(into, 0, offset, offset + n);
    offset += n;
    if (target !== undefined) {
      direct += n;
      decoder.bodyFilled(n, onFrame);
    } else {
      decoder.push(scratch.subarray(0, n), onFrame, undefined, true);
      scratch.fill(0xee);
    }
  }
  return direct;
}

function body(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe('FrameDecoder with borrowed chunks and direct reads', () => {
  const streams = loadCapturedStreams().filter((s) => s.direction === 's2c');

  it('hands out frames that stay byte-identical after the borrowed chunk is overwritten, at every split of every captured reply stream', () => {
    for (const stream of streams) {
      const step = Math.max(1, Math.floor(stream.bytes.length / 400));
      for (let at = 1; at <= stream.bytes.length; at += step) {
        const frames: Frame[] = [];
        feedBorrowed(new FrameDecoder(), stream.bytes, [at], (f) => frames.push(f));
        const got = Buffer.concat(frames.map((f) => f.bytes));
        if (!got.equals(stream.bytes) || frames.length !== stream.frames.length) {
          fail(`${stream.name} read ${at} bytes at a time: frames differ from the capture`);
          break;
        }
      }
    }
  });

  it('hands out frames that stay byte-identical when reads split them at every byte boundary', () => {
    const stream = Buffer.concat([encodeFrame(3, body(40, 1)), encodeFrame(3, Buffer.alloc(0)), encodeFrame(1, body(9, 2)), encodeFrame(3, body(300, 3))]);
    for (let at = 0; at <= stream.length; at++) {
      const frames: Frame[] = [];
      feedBorrowed(new FrameDecoder(), stream, [at || 1, stream.length], (f) => frames.push(f));
      expect(Buffer.concat(frames.map((f) => f.bytes)).equals(stream)).withContext(`split at ${at}`).toBeTrue();
      expect(frames.length).withContext(`split at ${at}`).toBe(4);
    }
  });

  it('hands a sink pieces that stay byte-identical after the borrowed chunk is overwritten', () => {
    const bodies = [body(700, 4), body(5, 5), body(2000, 6)];
    const stream = Buffer.concat(bodies.map((b) => encodeFrame(3, b)));
    for (const size of [1, 7, 64, 701, 4096]) {
      const pieces: Buffer[] = [];
      const ended: number[] = [];
      const sink: FrameSink = { begin: () => true, piece: (bytes) => pieces.push(bytes), end: () => ended.push(pieces.length) };
      feedBorrowed(new FrameDecoder(), stream, [size], () => fail('no whole frame expected'), sink);
      expect(Buffer.concat(pieces).equals(Buffer.concat(bodies))).withContext(`reads of ${size}`).toBeTrue();
      expect(ended.length).toBe(3);
    }
  });

  it('copies a borrowed chunk once, however many small frames it holds', () => {
    const stream = Buffer.concat(Array.from({ length: 50 }, (_, i) => encodeFrame(3, body(20, i))));
    const original = Buffer.from(stream);
    const frames: Frame[] = [];
    new FrameDecoder().push(stream, (f) => frames.push(f), undefined, true);
    stream.fill(0xee);
    expect(frames.length).toBe(50);
    expect(Buffer.concat(frames.map((f) => f.bytes)).equals(original)).toBeTrue();
    expect(new Set(frames.map((f) => f.bytes.buffer)).size).toBe(1);
    expect(frames.every((f, i) => i === 0 || f.bytes.byteOffset === frames[i - 1]!.bytes.byteOffset + frames[i - 1]!.bytes.length)).toBeTrue();
  });

  it('lends a whole frame of a borrowed chunk as a view when asked, and copies the rest once when the next consumer does not take views', () => {
    const stream = Buffer.concat([encodeFrame(3, body(20, 1)), encodeFrame(3, body(20, 2)), encodeFrame(3, body(20, 3))]);
    const original = Buffer.from(stream);
    const seen: Array<{ lent: boolean; bytes: Buffer }> = [];
    let lend = true;
    new FrameDecoder().push(
      stream,
      (f) => {
        // a borrowing consumer reads its frame now; the second frame's consumer wants it kept
        seen.push({ lent: f.bytes.buffer === stream.buffer, bytes: Buffer.from(f.bytes) });
        lend = false;
      },
      undefined,
      true,
      () => lend,
    );
    expect(seen.map((s) => s.lent)).toEqual([true, false, false]);
    expect(Buffer.concat(seen.map((s) => s.bytes)).equals(original)).toBeTrue();
  });

  it('keeps views of a chunk that is not borrowed', () => {
    const stream = Buffer.concat([encodeFrame(3, body(20, 1)), encodeFrame(3, body(20, 2))]);
    const frames: Frame[] = [];
    new FrameDecoder().push(stream, (f) => frames.push(f));
    expect(frames.every((f) => f.bytes.buffer === stream.buffer)).toBeTrue();
  });

  it('lends the unfilled body of a large frame and completes it from direct reads, at several read sizes', () => {
    const big = encodeFrame(3, body(3 * MiB + 17, 7));
    const stream = Buffer.concat([encodeFrame(3, body(10, 8)), big, encodeFrame(3, body(100_000, 9)), encodeFrame(3, body(3, 10))]);
    for (const readBytes of [65_536, 16_384, 100_003]) {
      const frames: Frame[] = [];
      const direct = feedDirect(new FrameDecoder(), stream, readBytes, 16_384, (f) => frames.push(f));
      expect(Buffer.concat(frames.map((f) => f.bytes)).equals(stream)).withContext(`reads of ${readBytes}`).toBeTrue();
      expect(frames.length).toBe(4);
      expect(direct).withContext('bytes read straight into frame storage').toBeGreaterThan(3 * MiB - 2 * readBytes);
    }
  });

  it('lends nothing outside a frame body or when fewer than minBytes of it are missing', () => {
    const decoder = new FrameDecoder();
    expect(decoder.bodyTarget(16)).toBeUndefined();
    decoder.push(encodeProtoHeader(3, 100), () => undefined);
    expect(decoder.bodyTarget(101)).toBeUndefined();
    expect(decoder.bodyTarget(100)!.length).toBe(100);
  });

  it('ends the lent region at the frame end, so a direct read never holds the next frame', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.concat([encodeProtoHeader(3, 50_000), body(1000, 1)]), () => undefined);
    expect(decoder.bodyTarget(1)!.length).toBe(49_000);
  });

  it('lends at most 1 MiB for a declared 128 MiB body of which 1 KiB arrived, and grows it only as bytes arrive', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.concat([encodeProtoHeader(3, 128 * MiB), body(1024, 1)]), () => undefined);
    const first = decoder.bodyTarget(16_384)!;
    expect(first.length).toBeLessThanOrEqual(MiB);
    decoder.bodyFilled(first.length, () => undefined);
    const second = decoder.bodyTarget(16_384)!;
    expect(second.length).toBeLessThanOrEqual(MiB + 16_384);
    expect(decoder.buffered).toBe(8 + 1024 + first.length);
  });

  it('refuses a fill that does not match a lent region', () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.bodyFilled(1, () => undefined)).toThrowError(RangeError, /none lent/);
    decoder.push(encodeProtoHeader(3, 100), () => undefined);
    expect(decoder.bodyTarget(1)!.length).toBe(100);
    expect(() => decoder.bodyFilled(101, () => undefined)).toThrowError(RangeError, /100 bytes/);
  });

  it('withdraws a lent region when bytes are pushed instead', () => {
    const decoder = new FrameDecoder();
    decoder.push(encodeProtoHeader(3, 100), () => undefined);
    decoder.bodyTarget(1);
    decoder.push(body(10, 1), () => undefined);
    expect(() => decoder.bodyFilled(10, () => undefined)).toThrowError(RangeError, /none lent/);
  });
});
