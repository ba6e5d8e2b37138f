import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { readerOf, SocketReader, type ReadSink } from '../../lib/net/socket-reader';

/** A sink recording what it was given; `lend` is the region it offers for the next read. */
function recorder(): ReadSink & { seen: Array<[string, string, boolean?]>; lend: Buffer | undefined } {
  const sink = {
    seen: [] as Array<[string, string, boolean?]>,
    lend: undefined as Buffer | undefined,
    readTarget: () => sink.lend,
    onFilled: (count: number) => sink.seen.push(['filled', String(count)]),
    onChunk: (chunk: Buffer, borrowed: boolean) => sink.seen.push(['chunk', chunk.toString(), borrowed]),
  };
  return sink;
}

/** Reads `text` the way Node does with onread: into the buffer asked for last, then asks for the next one. */
function read(reader: SocketReader, text: string, into = reader.onread.buffer as () => Uint8Array): void {
  const buffer = into();
  Buffer.from(text).copy(buffer);
  reader.onread.callback(text.length, buffer);
}

describe('SocketReader', () => {
  const fakeSocket = (): Socket => new EventEmitter() as unknown as Socket;

  it('delivers onread bytes as borrowed chunks of its scratch buffer, reused for every read', () => {
    const reader = new SocketReader();
    const sink = recorder();
    reader.attach(fakeSocket(), sink);
    const first = (reader.onread.buffer as () => Uint8Array)();
    read(reader, 'abc');
    read(reader, 'de');
    expect(sink.seen).toEqual([
      ['chunk', 'abc', true],
      ['chunk', 'de', true],
    ]);
    expect((reader.onread.buffer as () => Uint8Array)()).toBe(first);
  });

  it('offers the region the sink lends and reports bytes read into it as filled', () => {
    const reader = new SocketReader();
    const sink = recorder();
    reader.attach(fakeSocket(), sink);
    const region = Buffer.alloc(10);
    sink.lend = region;
    const buffer = (reader.onread.buffer as () => Uint8Array)();
    expect(buffer).toBe(region);
    reader.onread.callback(4, buffer);
    expect(sink.seen).toEqual([['filled', '4']]);
  });

  it('treats bytes read into a buffer it did not hand out as a borrowed chunk', () => {
    const reader = new SocketReader();
    const sink = recorder();
    reader.attach(fakeSocket(), sink);
    sink.lend = Buffer.alloc(10);
    (reader.onread.buffer as () => Uint8Array)();
    reader.onread.callback(2, Buffer.from('xyz'));
    expect(sink.seen).toEqual([['chunk', 'xy', true]]);
  });

  it("ignores 'data' events once onread delivered bytes", () => {
    const reader = new SocketReader();
    const sink = recorder();
    const socket = fakeSocket();
    reader.attach(socket, sink);
    read(reader, 'one');
    socket.emit('data', Buffer.from('one'));
    expect(sink.seen).toEqual([['chunk', 'one', true]]);
  });

  it("falls back to 'data' events, owned chunks, and ignores onread after one arrived", () => {
    const reader = new SocketReader();
    const sink = recorder();
    const socket = fakeSocket();
    reader.attach(socket, sink);
    socket.emit('data', Buffer.from('two'));
    read(reader, 'two');
    expect(sink.seen).toEqual([['chunk', 'two', false]]);
  });

  it('keeps a copy of bytes read before a sink is attached and delivers them on attach', () => {
    const reader = new SocketReader();
    read(reader, 'early');
    read(reader, 'later');
    const sink = recorder();
    reader.attach(fakeSocket(), sink);
    expect(sink.seen).toEqual([
      ['chunk', 'early', false],
      ['chunk', 'later', false],
    ]);
  });

  it('is found from the socket it was bound to', () => {
    const reader = new SocketReader();
    const socket = reader.bind(fakeSocket());
    expect(readerOf(socket)).toBe(reader);
    expect(readerOf(fakeSocket())).toBeUndefined();
  });
});
