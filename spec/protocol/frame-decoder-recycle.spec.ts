import { FrameDecoder, type Frame } from '../../lib/protocol/frame-decoder';
import { asMsgFrame, asMsgRecord } from '../../lib/testing/frame-builders';

function frameOf(bytes: number, seed: number): Buffer {
  const value = Buffer.alloc(bytes, seed);
  return asMsgFrame(asMsgRecord({ generation: seed, ops: [{ op: 1, name: 'b', value }] }));
}

/** Pushes `frame` in 4 KiB chunks (so it is assembled in storage); returns the frames completed. */
function pushSplit(decoder: FrameDecoder, frame: Buffer, onFrame: (f: Frame) => void): void {
  for (let at = 0; at < frame.length; at += 4096) decoder.push(frame.subarray(at, at + 4096), onFrame);
}

describe('FrameDecoder recycle', () => {
  it('assembles the next frame in the storage of a recycled one, and that frame is whole', () => {
    const decoder = new FrameDecoder();
    const first = frameOf(50_000, 1);
    const second = frameOf(50_100, 2);
    const third = frameOf(49_000, 3);
    const got: Frame[] = [];
    const onFrame = (f: Frame): void => {
      got.push(f);
      decoder.recycle(f);
    };
    pushSplit(decoder, first, onFrame);
    pushSplit(decoder, second, onFrame);
    pushSplit(decoder, third, onFrame);
    expect(got.length).toBe(3);
    // the first frame's storage was exact (the second is larger); the second's had room for the third
    expect(got[2]!.bytes.buffer).toBe(got[1]!.bytes.buffer);
    expect(got[2]!.bytes.toString('hex')).toBe(third.toString('hex'));
    expect(got[2]!.bytes.length).toBe(third.length);
  });

  it('never reuses the storage of a frame that was not recycled', () => {
    const decoder = new FrameDecoder();
    const got: Frame[] = [];
    for (let i = 0; i < 4; i++) pushSplit(decoder, frameOf(30_000, i), (f) => got.push(f));
    expect(new Set(got.map((f) => f.bytes.buffer)).size).toBe(4);
    got.forEach((f, i) => expect(f.bytes.toString('hex')).toBe(frameOf(30_000, i).toString('hex')));
  });

  it('lends only the frame\'s own region of larger recycled storage to a direct read', () => {
    const decoder = new FrameDecoder();
    const onFrame = (f: Frame): void => decoder.recycle(f);
    pushSplit(decoder, frameOf(60_000, 1), onFrame);
    pushSplit(decoder, frameOf(60_000, 2), onFrame);
    const next = frameOf(40_000, 3);
    decoder.push(next.subarray(0, 100), onFrame);
    const target = decoder.bodyTarget(1024)!;
    expect(target.length).toBe(next.length - 100);
  });

  it('lets go of its spare on dropSpare() and reset()', () => {
    const decoder = new FrameDecoder();
    const got: Frame[] = [];
    const onFrame = (f: Frame): void => {
      got.push(f);
      decoder.recycle(f);
    };
    pushSplit(decoder, frameOf(30_000, 1), onFrame);
    pushSplit(decoder, frameOf(30_000, 2), onFrame);
    decoder.dropSpare();
    pushSplit(decoder, frameOf(30_000, 3), (f) => got.push(f));
    expect(got[2]!.bytes.buffer).not.toBe(got[1]!.bytes.buffer);
  });
});
