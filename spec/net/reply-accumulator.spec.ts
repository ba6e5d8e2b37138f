import { ReplyAccumulator } from '../../lib/net/reply-accumulator';

const KiB = 1024;

/** `count` pieces of `size` bytes, each filled with its own index. */
const pieces = (count: number, size: number): Buffer[] => Array.from({ length: count }, (_, i) => Buffer.alloc(size, i & 0xff));

describe('ReplyAccumulator', () => {
  it('returns a single small piece itself, without copying it', () => {
    const acc = new ReplyAccumulator();
    const piece = Buffer.from('abc');
    acc.append(piece);
    expect(acc.take()).toBe(piece);
  });

  it('joins small pieces once, in order', () => {
    const acc = new ReplyAccumulator();
    const parts = pieces(5, 10 * KiB);
    for (const p of parts) acc.append(p);
    expect(acc.length).toBe(50 * KiB);
    expect(acc.take().equals(Buffer.concat(parts))).toBeTrue();
  });

  it('joins a reply past 1 MiB once, into memory of its own that is not resizable, bytes in order', () => {
    const acc = new ReplyAccumulator();
    const parts = pieces(40, 64 * KiB + 3);
    for (const p of parts) acc.append(p);
    const reply = acc.take();
    expect(reply.equals(Buffer.concat(parts))).toBeTrue();
    // a Buffer over a resizable ArrayBuffer is an order of magnitude slower to slice
    expect((reply.buffer as ArrayBuffer & { resizable?: boolean }).resizable === true).toBeFalse();
    expect(reply.byteOffset).toBe(0);
    expect(reply.buffer.byteLength).toBe(reply.length);
  });

  it('views a span across pieces as one contiguous Buffer', () => {
    const acc = new ReplyAccumulator();
    acc.append(Buffer.from('hello '));
    acc.append(Buffer.from('wor'));
    acc.append(Buffer.from('ld'));
    expect(acc.view(3, 11).toString()).toBe('lo world');
    expect(acc.view(6, 9).toString()).toBe('wor');
    expect(acc.take().toString()).toBe('hello world');
  });

  it('views a span of a reply past 1 MiB', () => {
    const acc = new ReplyAccumulator();
    for (const p of pieces(20, 100 * KiB)) acc.append(p);
    const span = acc.view(150 * KiB, 250 * KiB);
    expect(span.length).toBe(100 * KiB);
    expect(span[0]).toBe(1);
    expect(span[span.length - 1]).toBe(2);
  });

  it('ignores empty pieces and starts empty again after take', () => {
    const acc = new ReplyAccumulator();
    acc.append(Buffer.alloc(0));
    expect(acc.take().length).toBe(0);
    acc.append(Buffer.from('x'));
    expect(acc.take().toString()).toBe('x');
    expect(acc.length).toBe(0);
  });
});
