// the module object itself (not an import-star copy), so spies see the library's calls
import zlib = require('node:zlib');
import { findAsMsgLast, walkAsMsgRecords } from '../../lib/protocol/as-msg';
import { compressFrame, inflateCompressedBody, maybeCompressFrame } from '../../lib/protocol/compression';
import { DEFAULT_MAX_FRAME_BYTES } from '../../lib/protocol/constants';
import { FrameDecoder, type Frame } from '../../lib/protocol/frame-decoder';
import { encodeFrame } from '../../lib/protocol/proto-header';
import { capturedStream, hex } from './captures';
import { expectParseError } from '../helpers/expect-parse-error';

/** V6: the 91-byte envelope CPython's zlib produced for the 285-byte compressed-PUT frame. */
const V6_ENVELOPE = hex(`
  02 04 00 00 00 00 00 53  00 00 00 00 00 00 01 1d  78 9c 63 62 66 00 02 46 51 31
  06 46 06 34 c0 0c 16 62 65 28 49 2d 2e 01 31 18 53 52 73 f3 81 0c 51 96 37 13 25
  75 bd eb 7b 1e c7 c6 56 5c f6 3e 95 7a 7a d5 aa 93 09 40 89 0b 4c cc 0c 2c 49 99
  79 86 89 c3 04 00 00 7f d4 5c 8e`);

/** V6 plain frame: the V3 PUT layout with server timeout 0 and bin1 = 200 × 'a'. */
const V6_PLAIN = Buffer.concat([
  hex('02 03 00 00 00 00 01 15  16 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 00 01'),
  hex('00 00 00 05 00 74 65 73 74'),
  hex('00 00 00 05 01 64 65 6d 6f'),
  hex('00 00 00 15 04 ec 91 19 2d 4b 7f 8c e3 5d 5d 78 d3 4b ca 65 cb aa aa c9 60'),
  hex('00 00 00 d0 02 03 00 04 62 69 6e 31'),
  Buffer.alloc(200, 'a'),
]);

/** Deterministic bytes that do not compress (mulberry32). */
function noise(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let a = seed;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

/** A type-4 body: 8-byte big-endian declared size, then a zlib stream. */
function envelopeBody(declared: number, stream: Buffer): Buffer {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64BE(BigInt(declared));
  return Buffer.concat([prefix, stream]);
}


describe('compression', () => {
  it('inflates the V6 envelope to the 285-byte plain frame', () => {
    expect(V6_PLAIN.length).toBe(285);
    const inner = inflateCompressedBody(V6_ENVELOPE.subarray(8), DEFAULT_MAX_FRAME_BYTES);
    expect(inner.toString('hex')).toBe(V6_PLAIN.toString('hex'));
  });

  it('unwraps the captured client requests of 08-compress into valid type-3 frames', () => {
    const stream = capturedStream('08-compress.conn2.c2s');
    const frames: Frame[] = [];
    new FrameDecoder().push(stream.bytes, (f) => frames.push(f));
    const compressed = frames.map((f, i) => [f, stream.frames[i]!] as const).filter(([f]) => f.type === 4);
    expect(compressed.length).toBe(2);
    for (const [frame, listed] of compressed) {
      const inner = inflateCompressedBody(frame.body, DEFAULT_MAX_FRAME_BYTES);
      expect(inner.length).toBe(listed.compressed!.orig_sz_be);
      const decoded: Frame[] = [];
      new FrameDecoder().push(inner, (f) => decoded.push(f));
      expect(decoded.map((f) => [f.type, f.body.length])).toEqual([[3, listed.compressed!.inner_len]]);
      const records: [number, number][] = [];
      walkAsMsgRecords(decoded[0]!.body, (r) => {
        records.push([r.fieldCount, r.opCount]);
      });
      expect(records).toEqual(listed.inner!.msgs.map((m) => [m.n_fields, m.n_ops] as [number, number]));
      expect(findAsMsgLast(decoded[0]!.body)).toBeUndefined();
    }
  });

  it('wraps a whole frame as type 4 with its size prefix and a zlib stream that inflates back to it', () => {
    const envelope = compressFrame(V6_PLAIN);
    expect(envelope.subarray(0, 2).toString('hex')).toBe('0204');
    expect(envelope.readUIntBE(2, 6)).toBe(envelope.length - 8);
    expect(envelope.readBigUInt64BE(8)).toBe(285n);
    expect(envelope[16]).toBe(0x78);
    expect(zlib.inflateSync(envelope.subarray(16)).equals(V6_PLAIN)).toBeTrue();
    // the Adler-32 trailer is a property of the input, not of the zlib build
    expect(envelope.subarray(-4).toString('hex')).toBe('7fd45c8e');
  });

  it('round-trips through its own decompressor', () => {
    expect(inflateCompressedBody(compressFrame(V6_PLAIN).subarray(8), 1024).equals(V6_PLAIN)).toBeTrue();
  });

  it('leaves a frame of at most 128 bytes plain', () => {
    const frame = encodeFrame(3, Buffer.alloc(120, 'a'));
    expect(frame.length).toBe(128);
    expect(maybeCompressFrame(frame)).toBe(frame);
  });

  it('compresses a frame over 128 bytes when the envelope is smaller', () => {
    const frame = encodeFrame(3, Buffer.alloc(121, 'a'));
    const sent = maybeCompressFrame(frame);
    expect(sent[1]).toBe(4);
    expect(sent.length).toBeLessThan(frame.length);
    expect(inflateCompressedBody(sent.subarray(8), 1024).equals(frame)).toBeTrue();
  });

  it('sends a frame plain when compressing would not make it strictly smaller (140 random bytes)', () => {
    const frame = encodeFrame(3, noise(132, 7));
    expect(frame.length).toBe(140);
    expect(compressFrame(frame).length).toBeGreaterThanOrEqual(frame.length);
    expect(maybeCompressFrame(frame)).toBe(frame);
  });

  it('rejects a body without its 8-byte size prefix', () => {
    expectParseError(() => inflateCompressedBody(Buffer.alloc(7), 1024), 'missing its 8-byte uncompressed-size prefix');
  });

  it('rejects a declared size below the 8-byte inner header', () => {
    expectParseError(() => inflateCompressedBody(envelopeBody(7, zlib.deflateSync(Buffer.alloc(7))), 1024), 'incomplete proto header');
  });

  it('rejects a declared size above maxFrameBytes + 8 before inflating', () => {
    const inflate = spyOn(zlib, 'inflateSync').and.callThrough();
    expectParseError(() => inflateCompressedBody(envelopeBody(285, zlib.deflateSync(V6_PLAIN)), 276), 'declares an uncompressed size of 285', 'maxFrameBytes 276');
    expectParseError(() => inflateCompressedBody(envelopeBody(2 ** 60, Buffer.alloc(0)), DEFAULT_MAX_FRAME_BYTES), 'maxFrameBytes');
    expect(inflate).not.toHaveBeenCalled();
    expect(inflateCompressedBody(envelopeBody(285, zlib.deflateSync(V6_PLAIN)), 277).length).toBe(285);
  });

  it('never inflates beyond the declared size (a zip bomb stops at the prefix)', () => {
    const inflate = spyOn(zlib, 'inflateSync').and.callThrough();
    const bomb = zlib.deflateSync(Buffer.alloc(64 * 1024 * 1024));
    expectParseError(() => inflateCompressedBody(envelopeBody(1000, bomb), DEFAULT_MAX_FRAME_BYTES), 'size mismatch', '1000');
    expect(inflate.calls.mostRecent().args[1]).toEqual(jasmine.objectContaining({ maxOutputLength: 1000 }));
  });

  it('rejects a stream that does not inflate', () => {
    expectParseError(() => inflateCompressedBody(envelopeBody(285, Buffer.from('not zlib at all')), 1024), 'failed to inflate');
    expectParseError(() => inflateCompressedBody(envelopeBody(285, zlib.deflateSync(V6_PLAIN).subarray(0, 20)), 1024), 'failed to inflate');
  });

  it('rejects bytes after the end of the zlib stream, naming how many', () => {
    const stream = zlib.deflateSync(V6_PLAIN);
    expectParseError(() => inflateCompressedBody(envelopeBody(285, Buffer.concat([stream, Buffer.from([0, 1, 2])])), 1024), '3 trailing bytes', `${stream.length} of ${stream.length + 3}`);
    expectParseError(() => inflateCompressedBody(envelopeBody(285, Buffer.concat([stream, stream])), 1024), `${stream.length} trailing bytes`);
  });

  it('rejects an inflated size that differs from the prefix, naming both', () => {
    expectParseError(() => inflateCompressedBody(envelopeBody(300, zlib.deflateSync(V6_PLAIN)), 1024), 'size mismatch', '300', '285');
    expectParseError(() => inflateCompressedBody(envelopeBody(284, zlib.deflateSync(V6_PLAIN)), 1024), 'size mismatch', '284');
  });

  it('rejects an inner frame whose version is not 2, naming expected and got', () => {
    const inner = Buffer.from(V6_PLAIN);
    inner[0] = 1;
    expectParseError(() => inflateCompressedBody(envelopeBody(285, zlib.deflateSync(inner)), 1024), 'version', 'expected 2, got 1');
  });

  it('rejects an inner frame whose type is not 3, naming expected and got', () => {
    const inner = encodeFrame(1, Buffer.from('build\n'));
    expectParseError(() => inflateCompressedBody(envelopeBody(inner.length, zlib.deflateSync(inner)), 1024), 'type', 'expected 3, got 1');
  });

  it('rejects an inner header declaring more body than was inflated', () => {
    const inner = Buffer.from(V6_PLAIN);
    inner.writeUIntBE(278, 2, 6);
    expectParseError(() => inflateCompressedBody(envelopeBody(285, zlib.deflateSync(inner)), 1024), 'truncated body', '278');
  });

  it('rejects an inner header declaring less body than was inflated', () => {
    const inner = Buffer.from(V6_PLAIN);
    inner.writeUIntBE(276, 2, 6);
    expectParseError(() => inflateCompressedBody(envelopeBody(285, zlib.deflateSync(inner)), 1024), '276', '277');
  });
});
