import { FrameDecoder, type Frame, type FrameSink } from '../../lib/protocol/frame-decoder';
import { encodeFrame, encodeProtoHeader } from '../../lib/protocol/proto-header';
import { loadCapturedStreams } from './captures';

/** What a sink and onFrame saw, in order: ['sink', type, body] for taken frames, ['frame', type, body] otherwise. */
type Seen = [string, number, string];

/** A sink taking the frames `takes` picks, copying its pieces as a real one must. */
function recorder(takes: (type: number, bodyLength: number) => boolean): { sink: FrameSink; seen: Seen[]; onFrame: (f: Frame) => void } {
  const seen: Seen[] = [];
  let type = 0;
  let pieces: Buffer[] = [];
  const sink: FrameSink = {
    begin: (t, bodyLength) => {
      if (!takes(t, bodyLength)) return false;
      type = t;
      pieces = [];
      return true;
    },
    piece: (bytes) => pieces.push(Buffer.from(bytes)),
    end: () => seen.push(['sink', type, Buffer.concat(pieces).toString('hex')]),
  };
  return { sink, seen, onFrame: (f) => seen.push(['frame', f.type, f.body.toString('hex')]) };
}

describe('FrameDecoder with a sink', () => {
  const streams = loadCapturedStreams().filter((s) => s.direction === 's2c');

  it('hands the body of every frame it takes in pieces, at every split of every captured reply stream', () => {
    for (const stream of streams) {
      const expected: Seen[] = stream.frames.map((f) => ['sink', f.type, stream.bytes.subarray(f.offset + 8, f.offset + 8 + f.length).toString('hex')]);
      const step = Math.max(1, Math.floor(stream.bytes.length / 400));
      for (let at = 0; at <= stream.bytes.length; at += step) {
        const { sink, seen, onFrame } = recorder(() => true);
        const decoder = new FrameDecoder();
        decoder.push(stream.bytes.subarray(0, at), onFrame, sink);
        decoder.push(stream.bytes.subarray(at), onFrame, sink);
        if (JSON.stringify(seen) !== JSON.stringify(expected)) {
          fail(`${stream.name} split at ${at}: the sink saw other bodies than the capture lists`);
          break;
        }
        expect(decoder.buffered).toBe(0);
      }
    }
  });

  it('sends the frames it declines to onFrame whole, in stream order with the ones it takes', () => {
    const stream = Buffer.concat([encodeFrame(3, Buffer.from('aa', 'hex')), encodeFrame(4, Buffer.from('bbbb', 'hex')), encodeFrame(3, Buffer.from('cc', 'hex'))]);
    for (const chunks of [[stream], [...stream].map((b) => Buffer.of(b))]) {
      const { sink, seen, onFrame } = recorder((type) => type === 3);
      const decoder = new FrameDecoder();
      for (const chunk of chunks) decoder.push(chunk, onFrame, sink);
      expect(seen).toEqual([
        ['sink', 3, 'aa'],
        ['frame', 4, 'bbbb'],
        ['sink', 3, 'cc'],
      ]);
    }
  });

  it('ends a zero-length frame it takes at once, with no piece', () => {
    const { sink, seen, onFrame } = recorder(() => true);
    const piece = spyOn(sink, 'piece').and.callThrough();
    new FrameDecoder().push(encodeProtoHeader(3, 0), onFrame, sink);
    expect(seen).toEqual([['sink', 3, '']]);
    expect(piece).not.toHaveBeenCalled();
  });

  it('counts a body in progress in awaitingBody and buffered, header included', () => {
    const { sink, onFrame } = recorder(() => true);
    const decoder = new FrameDecoder();
    decoder.push(Buffer.concat([encodeProtoHeader(3, 10), Buffer.alloc(4)]), onFrame, sink);
    expect(decoder.awaitingBody).toBeTrue();
    expect(decoder.buffered).toBe(12);
    decoder.push(Buffer.alloc(6), onFrame, sink);
    expect(decoder.awaitingBody).toBeFalse();
    expect(decoder.buffered).toBe(0);
  });

  it('still checks the header and the cap before the sink sees a frame', () => {
    const { sink, onFrame } = recorder(() => true);
    const begin = spyOn(sink, 'begin').and.callThrough();
    expect(() => new FrameDecoder({ maxFrameBytes: 100 }).push(encodeProtoHeader(3, 101), onFrame, sink)).toThrowError(/exceeds maxFrameBytes 100/);
    expect(begin).not.toHaveBeenCalled();
  });

  it('forgets a body in progress on reset', () => {
    const { sink, seen, onFrame } = recorder(() => true);
    const decoder = new FrameDecoder();
    decoder.push(Buffer.concat([encodeProtoHeader(3, 10), Buffer.alloc(4)]), onFrame, sink);
    decoder.reset();
    expect(decoder.buffered).toBe(0);
    decoder.push(encodeFrame(3, Buffer.from('01', 'hex')), onFrame, sink);
    expect(seen).toEqual([['sink', 3, '01']]);
  });
});
