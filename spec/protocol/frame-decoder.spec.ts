import { FrameDecoder, type Frame } from '../../lib/protocol/frame-decoder';
import { encodeProtoHeader } from '../../lib/protocol/proto-header';
import { loadCapturedStreams, type CapturedStream } from './captures';
import { expectParseError } from '../helpers/expect-parse-error';

/** Streams at most this long are split at every byte offset; larger ones at sampled offsets. */
const EVERY_SPLIT_LIMIT = 20_000;

function decodeChunks(chunks: readonly Uint8Array[], decoder = new FrameDecoder()): Frame[] {
  const frames: Frame[] = [];
  for (const chunk of chunks) decoder.push(chunk, (frame) => frames.push(frame));
  return frames;
}

/** Compares decoded frames with the capture's listing; returns a description of the first difference. */
function mismatch(stream: CapturedStream, frames: readonly Frame[]): string | undefined {
  if (frames.length !== stream.frames.length) return `${frames.length} frames, expected ${stream.frames.length}`;
  let offset = 0;
  for (let i = 0; i < frames.length; i++) {
    const got = frames[i]!;
    const want = stream.frames[i]!;
    if (got.type !== want.type) return `frame ${i}: type ${got.type}, expected ${want.type}`;
    if (got.body.length !== want.length) return `frame ${i}: length ${got.body.length}, expected ${want.length}`;
    if (offset !== want.offset) return `frame ${i}: offset ${offset}, expected ${want.offset}`;
    if (got.bytes[0] !== want.version) return `frame ${i}: version ${got.bytes[0]}, expected ${want.version}`;
    if (want.hex !== undefined) {
      const gotHex = want.hexTruncated === true ? got.bytes.subarray(0, want.hex.length / 2).toString('hex') : got.bytes.toString('hex');
      if (gotHex !== want.hex) return `frame ${i}: bytes differ from the listed hex`;
    }
    offset += got.bytes.length;
  }
  if (offset !== stream.bytes.length) return `frames cover ${offset} of ${stream.bytes.length} bytes`;
  return undefined;
}

/** Split points: every offset for small streams; for large ones, inside every header, around every boundary, and a sample. */
function splitOffsets(stream: CapturedStream): number[] {
  const n = stream.bytes.length;
  if (n <= EVERY_SPLIT_LIMIT) return Array.from({ length: n + 1 }, (_, i) => i);
  const offsets = new Set<number>([0, n]);
  for (const frame of stream.frames) {
    for (let d = -1; d <= 9; d++) offsets.add(frame.offset + d);
    offsets.add(frame.offset + 8 + frame.length - 1);
  }
  for (let i = 1; i < 200; i++) offsets.add(Math.floor((n * i) / 200));
  return [...offsets].filter((o) => o >= 0 && o <= n).sort((a, b) => a - b);
}


describe('FrameDecoder', () => {
  const streams = loadCapturedStreams();

  it('finds the captures beside the repository', () => {
    expect(streams.length).toBeGreaterThanOrEqual(38);
    expect(streams.filter((s) => s.direction === 's2c').length).toBe(streams.length / 2);
  });

  it('decodes every captured stream fed whole into exactly the listed frames', () => {
    for (const stream of streams) {
      expect(mismatch(stream, decodeChunks([stream.bytes]))).withContext(stream.name).toBeUndefined();
    }
  });

  it('decodes every captured stream split into two chunks at every byte offset', () => {
    for (const stream of streams) {
      for (const at of splitOffsets(stream)) {
        const problem = mismatch(stream, decodeChunks([stream.bytes.subarray(0, at), stream.bytes.subarray(at)]));
        if (problem !== undefined) {
          fail(`${stream.name} split at ${at}: ${problem}`);
          break;
        }
      }
    }
  });

  it('decodes every captured stream fed one byte at a time', () => {
    for (const stream of streams) {
      const decoder = new FrameDecoder();
      const frames: Frame[] = [];
      for (let i = 0; i < stream.bytes.length; i++) decoder.push(stream.bytes.subarray(i, i + 1), (f) => frames.push(f));
      expect(mismatch(stream, frames)).withContext(stream.name).toBeUndefined();
      expect(decoder.buffered).withContext(stream.name).toBe(0);
    }
  }, 30_000);

  it('accepts plain Uint8Array chunks', () => {
    const frame = Buffer.from('0201000000000006' + '6275696c640a', 'hex');
    const frames = decodeChunks([new Uint8Array(frame.subarray(0, 3)), new Uint8Array(frame.subarray(3))]);
    expect(frames.map((f) => f.bytes.toString('hex'))).toEqual([frame.toString('hex')]);
  });

  it('emits zero-length frames as bare 8-byte headers, whole or split', () => {
    const stream = Buffer.concat([encodeProtoHeader(3, 0), encodeProtoHeader(2, 0), encodeProtoHeader(1, 0)]);
    for (const chunks of [[stream], [...stream].map((byte) => Uint8Array.of(byte)), [stream.subarray(0, 5), stream.subarray(5)]]) {
      const frames = decodeChunks(chunks);
      expect(frames.map((f) => [f.type, f.bytes.length, f.body.length])).toEqual([
        [3, 8, 0],
        [2, 8, 0],
        [1, 8, 0],
      ]);
    }
  });

  it('keeps an incomplete frame until the rest arrives', () => {
    const decoder = new FrameDecoder();
    const frames: Frame[] = [];
    decoder.push(Buffer.from('02010000000000', 'hex'), (f) => frames.push(f));
    expect(decoder.buffered).toBe(7);
    expect(decoder.awaitingBody).toBe(false);
    decoder.push(Buffer.from('0362', 'hex'), (f) => frames.push(f));
    expect(decoder.awaitingBody).toBe(true);
    decoder.push(Buffer.from('75690201', 'hex'), (f) => frames.push(f));
    expect(frames.map((f) => f.body.toString())).toEqual(['bui']);
    expect(decoder.buffered).toBe(2);
  });

  it('rejects a version other than 2 with a parse_error naming expected and got', () => {
    expectParseError(() => decodeChunks([Buffer.from('0301000000000000', 'hex')]), 'version', 'expected 2', 'got 3');
    expectParseError(() => decodeChunks([Buffer.from('00', 'hex'), Buffer.from('01000000000000', 'hex')]), 'expected 2', 'got 0');
  });

  it('rejects an unknown message type with a parse_error naming expected and got', () => {
    expectParseError(() => decodeChunks([Buffer.from('0205000000000000', 'hex')]), 'type', '[1, 2, 3, 4]', 'got 5');
    expectParseError(() => decodeChunks([Buffer.from('020000', 'hex'), Buffer.from('0000000000', 'hex')]), 'got 0');
  });

  it('rejects a declared length above the cap before allocating for it', () => {
    const allocUnsafe = spyOn(Buffer, 'allocUnsafe').and.callThrough();
    const alloc = spyOn(Buffer, 'alloc').and.callThrough();
    const huge = encodeProtoHeader(3, 2 ** 47);
    expectParseError(() => decodeChunks([huge]), 'declared frame length 140737488355328', 'maxFrameBytes 134217728');
    expectParseError(() => decodeChunks([huge.subarray(0, 4), huge.subarray(4)]), 'exceeds maxFrameBytes');
    const sizes = [...allocUnsafe.calls.allArgs(), ...alloc.calls.allArgs()].map((args) => args[0] as number);
    expect(sizes.every((size) => size <= 8)).withContext(`allocations: ${sizes.join(', ')}`).toBeTrue();
  });

  it('accepts a declared length equal to the cap and rejects one byte more', () => {
    expect(decodeChunks([encodeProtoHeader(3, 4), Buffer.alloc(4)], new FrameDecoder({ maxFrameBytes: 4 })).length).toBe(1);
    expectParseError(() => decodeChunks([encodeProtoHeader(3, 5)], new FrameDecoder({ maxFrameBytes: 4 })), 'declared frame length 5 exceeds maxFrameBytes 4');
  });

  it('refuses any further input after an error, even valid frames', () => {
    const decoder = new FrameDecoder();
    const first = expectParseError(() => decoder.push(Buffer.from('0909000000000000', 'hex'), () => undefined));
    const again = expectParseError(() => decoder.push(encodeProtoHeader(3, 0), () => fail('no frame after an error')));
    expect(again).toBe(first);
  });

  it('rejects a maxFrameBytes that is not a non-negative integer', () => {
    for (const maxFrameBytes of [-1, 1.5, Number.NaN, Infinity]) {
      expect(() => new FrameDecoder({ maxFrameBytes })).withContext(String(maxFrameBytes)).toThrowError(RangeError, /maxFrameBytes/);
    }
  });

  it('forgets a partial frame and a past error on reset', () => {
    const decoder = new FrameDecoder();
    decoder.push(Buffer.from('0203000000000010aa', 'hex'), () => undefined);
    decoder.reset();
    expect(decoder.buffered).toBe(0);
    expect(decodeChunks([Buffer.from('02010000000000016a', 'hex')], decoder).map((f) => f.body.toString())).toEqual(['j']);
  });
});
