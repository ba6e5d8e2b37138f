// Reads a socket into buffers the connection chooses (Node's `onread`): a scratch buffer reused for
// every read, or a region the connection lends (the body of a large frame) for the kernel to fill.
// Falls back to 'data' events where the runtime ignores onread. Knows nothing of frames.

import type { OnReadOpts, Socket } from 'node:net';
import { readCallback } from './write-coalescer';

/** Where a reader delivers bytes: the connection. */
export interface ReadSink {
  /** The region the next read should fill, or undefined for the scratch buffer. */
  readTarget(): Buffer | undefined;
  /** `count` bytes landed in the region readTarget returned last. */
  onFilled(count: number): void;
  /** Bytes arrived in `chunk`; `borrowed`: it is reused after the call, so nothing may keep a view of it. */
  onChunk(chunk: Buffer, borrowed: boolean): void;
}

/**
 * Small replies (command$) never fill the scratch buffer; a read that does (a scan of small records)
 * grows it once, so idle pooled sockets hold 16 KiB each, not 64 KiB.
 */
const SCRATCH_START_BYTES = 16 * 1024;
const SCRATCH_MAX_BYTES = 64 * 1024;

type Mode = 'unknown' | 'onread' | 'data';

const readers = new WeakMap<Socket, SocketReader>();

/** The reader a socket was created with (see SocketReader.onread), if any. */
export function readerOf(socket: Socket): SocketReader | undefined {
  return readers.get(socket);
}

export class SocketReader {
  /** For `net.connect` / `tls.connect`: `buffer` is asked for the next read's buffer after every read. */
  readonly onread: OnReadOpts = {
    buffer: (): Uint8Array => this.nextBuffer(),
    // Never false (which would pause the socket): pausing is the connection's, through pause()/resume().
    callback: (count: number, buffer: Uint8Array): boolean => {
      readCallback(true);
      try {
        this.onRead(count, buffer);
      } finally {
        readCallback(false);
      }
      return true;
    },
  };
  // Zeroed: the socket references it, and freed memory may hold another connection's secrets.
  private scratch = Buffer.alloc(SCRATCH_START_BYTES);
  /** The buffer returned for the read in progress. */
  private lent: Uint8Array = this.scratch;
  private sink: ReadSink | undefined = undefined;
  // The first of onread and 'data' to deliver bytes decides; the other is ignored from then on, so a
  // runtime that ignores onread (or honours it and also emits 'data') never delivers a byte twice.
  private mode: Mode = 'unknown';
  /** Bytes read before a sink was attached, owned copies. */
  private early: Buffer[] = [];

  /** Registers the reader for `socket` (created with this.onread), so the connection finds it. */
  bind(socket: Socket): Socket {
    readers.set(socket, this);
    return socket;
  }

  /** Starts delivering the socket's bytes to `sink`, by onread or else 'data'. */
  attach(socket: Socket, sink: ReadSink): void {
    this.sink = sink;
    socket.on('data', this.onData);
    const early = this.early;
    this.early = [];
    for (const chunk of early) sink.onChunk(chunk, false);
  }

  private nextBuffer(): Uint8Array {
    this.lent = (this.mode !== 'data' ? this.sink?.readTarget() : undefined) ?? this.scratch;
    return this.lent;
  }

  private onRead(count: number, buffer: Uint8Array): void {
    if (this.mode === 'data') return;
    this.mode = 'onread';
    const sink = this.sink;
    if (sink === undefined) {
      this.early.push(Buffer.from(buffer.subarray(0, count)));
      return;
    }
    if (buffer === this.scratch) {
      sink.onChunk(this.scratch.subarray(0, count), true);
      if (count === this.scratch.length && this.scratch.length < SCRATCH_MAX_BYTES) this.scratch = Buffer.alloc(SCRATCH_MAX_BYTES);
    } else if (buffer === this.lent) {
      sink.onFilled(count);
    } else {
      // A runtime that read into a buffer of its own: treated as borrowed, never trusted as a lent region.
      sink.onChunk(Buffer.from(buffer.buffer, buffer.byteOffset, count), true);
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.mode === 'onread') return;
    this.mode = 'data';
    readCallback(true);
    try {
      this.sink!.onChunk(chunk, false);
    } finally {
      readCallback(false);
    }
  };
}
