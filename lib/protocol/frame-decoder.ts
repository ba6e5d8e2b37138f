// Incremental proto-frame decoder: push arbitrary chunks, receive whole frames (header + body), or
// the body pieces of frames a sink takes.
// Checks version, known type and the declared length against a cap before allocating anything, and
// reserves storage for a large frame as its bytes arrive, not from its declared length alone.
// A caller may lend chunks it reuses (copied before anything is handed out) or read straight into
// the storage of the frame being assembled (bodyTarget/bodyFilled).
// Pure: no sockets, no timers. After it throws, the stream is desynchronised and the decoder refuses more input.

import { parseError } from '../errors';
import { DEFAULT_MAX_FRAME_BYTES, PROTO_HEADER_SIZE, PROTO_VERSION, messageTypeNames } from './constants';

export interface Frame {
  /** Message type from the header (1 info, 2 admin, 3 as_msg, 4 compressed). */
  readonly type: number;
  /** The whole frame, header included. */
  readonly bytes: Buffer;
  /** The body: `bytes` without the 8-byte header (a view, not a copy). */
  readonly body: Buffer;
}

/**
 * Takes chosen frames as body pieces instead of whole frames, so a caller that gathers bodies (one
 * reply built from many frames) copies each byte once, from the chunk to its destination.
 */
export interface FrameSink {
  /** A frame's header was read: true to receive this frame's body through piece() and end(). */
  begin(type: number, bodyLength: number): boolean;
  /** The next bytes of the body, in order: a view of the pushed chunk, to be copied if kept past the call. */
  piece(bytes: Buffer): void;
  /** The body of the frame begun last is complete. */
  end(): void;
}

export interface FrameDecoderOptions {
  /** Largest body length accepted; larger declared lengths are a parse_error. Default 128 MiB. */
  readonly maxFrameBytes?: number;
}

export function makeFrame(bytes: Buffer): Frame {
  return new SlicedFrame(bytes, 0, bytes.length);
}

/**
 * A frame inside a larger buffer; `bytes` and `body` are views made on first use (a command reply
 * needs only its body, and a view costs about as much as the rest of decoding a small frame).
 */
class SlicedFrame implements Frame {
  readonly type: number;
  private whole: Buffer | undefined = undefined;
  private inner: Buffer | undefined = undefined;

  constructor(
    private readonly source: Buffer,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.type = source[start + 1]!;
  }

  get bytes(): Buffer {
    return (this.whole ??= this.start === 0 && this.end === this.source.length ? this.source : this.source.subarray(this.start, this.end));
  }

  get body(): Buffer {
    return (this.inner ??= this.source.subarray(this.start + PROTO_HEADER_SIZE, this.end));
  }
}

/**
 * A frame spanning chunks gets at most this much storage up front; beyond it, storage doubles as
 * bytes arrive. A declared length alone (8 bytes from the peer) must not reserve up to maxFrameBytes.
 * Not a resizable ArrayBuffer growing in place: Buffers over one are much slower to slice (Node 20:
 * subarray ~15×), and the frame's records are sliced many times downstream.
 */
const EAGER_FRAME_BYTES = 1024 * 1024;

/** The most extra room whole-frame storage gets once frames are being recycled (see wholeStorage()). */
const RECYCLE_SLACK_BYTES = 128 * 1024;

export class FrameDecoder {
  readonly maxFrameBytes: number;
  private readonly header = Buffer.alloc(PROTO_HEADER_SIZE);
  private headerFill = 0;
  /** Storage of the frame being assembled once its header is known and its body spans chunks. */
  private pending: Buffer | null = null;
  /** The whole size (header + body) of the frame being assembled. */
  private pendingLength = 0;
  private pendingFill = 0;
  /** Body bytes still due to the sink for the frame it took; 0 when none. */
  private sinkRemaining = 0;
  private sinkFill = 0;
  private sink: FrameSink | null = null;
  /** The region bodyTarget last lent, until bodyFilled or any other input. */
  private target: Buffer | null = null;
  /** The storage and frame bytes of the last frame assembled in storage, until the next one: what recycle() may take back. */
  private assembledStorage: Buffer | null = null;
  private assembledBytes: Buffer | null = null;
  /** A recycled frame's storage, used for the next frame it can hold (see recycle()). */
  private spare: Buffer | null = null;
  /** A consumer recycles frames: whole-frame storage gets slack. */
  private spareWanted = false;
  private failed: Error | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`maxFrameBytes must be a non-negative integer, got ${max}`);
    this.maxFrameBytes = max;
  }

  /** True when a header has been read and the body is still incomplete (the "body read" phase). */
  get awaitingBody(): boolean {
    return this.pending !== null || this.sinkRemaining > 0;
  }

  /** Bytes received that do not yet form a whole frame. */
  get buffered(): number {
    if (this.sinkRemaining > 0) return PROTO_HEADER_SIZE + this.sinkFill;
    return this.pending !== null ? this.pendingFill : this.headerFill;
  }

  /** Forgets any partial frame (used when a connection is reset between operations). */
  reset(): void {
    this.headerFill = 0;
    this.pending = null;
    this.pendingFill = 0;
    this.sinkRemaining = 0;
    this.sink = null;
    this.target = null;
    this.failed = null;
    this.dropSpare();
  }

  /**
   * The consumer is done with `frame` (it keeps no view of it): when it is the last frame assembled
   * in storage, that storage may hold a later frame. A scan's frames are about 1 MiB each; fresh
   * storage for every one cost more in page faults (kernel time) than decoding its records.
   */
  recycle(frame: Frame): void {
    this.spareWanted = true;
    if (this.assembledBytes !== null && frame.bytes === this.assembledBytes) this.spare = this.assembledStorage;
    this.assembledStorage = null;
    this.assembledBytes = null;
  }

  /** Lets go of recycled storage (the stream that recycled it ended). */
  dropSpare(): void {
    this.spare = null;
    this.spareWanted = false;
    this.assembledStorage = null;
    this.assembledBytes = null;
  }

  /**
   * Consumes `chunk`, calling `onFrame` for each frame it completes, in order. Frames wholly inside
   * `chunk` are zero-copy views of it; a frame spanning chunks is copied into storage sized from its
   * (already checked) header, up to 1 MiB up front and grown as bytes arrive beyond that. A frame
   * `sink` takes (by its header) is handed over in body pieces instead, never assembled. Throws a
   * parse_error AerospikeError on a bad header.
   *
   * `borrowed`: the caller reuses `chunk` after the call, so frames and pieces must not be views of
   * it. The unconsumed rest of the chunk is then copied once, at the first frame or piece handed
   * out, and everything after is a view of that copy: one allocation per chunk however many small
   * frames it holds, and none for bytes that only go into a spanning frame's storage. Unless
   * `lendBorrowed()` says the consumer of the next frame is done with it before onFrame returns: that
   * frame is then a view of the chunk itself.
   */
  push(chunk: Uint8Array, onFrame: (frame: Frame) => void, sink?: FrameSink, borrowed = false, lendBorrowed?: () => boolean): void {
    if (this.failed !== null) throw this.failed;
    this.target = null;
    let data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let offset = 0;
    let end = data.length;
    while (offset < end) {
      if (this.sinkRemaining > 0) {
        if (borrowed) {
          data = ownedCopy(data, offset, end);
          end -= offset;
          offset = 0;
          borrowed = false;
        }
        const take = Math.min(end - offset, this.sinkRemaining);
        this.sinkRemaining -= take;
        this.sinkFill += take;
        offset += take;
        const taker = this.sink!;
        taker.piece(data.subarray(offset - take, offset));
        if (this.sinkRemaining === 0) this.endSink(taker);
        continue;
      }
      if (this.pending !== null) {
        const take = Math.min(end - offset, this.pendingLength - this.pendingFill);
        this.reserve(this.pendingFill + take);
        data.copy(this.pending, this.pendingFill, offset, offset + take);
        this.pendingFill += take;
        offset += take;
        if (this.pendingFill === this.pendingLength) onFrame(makeFrame(this.completePending()));
        continue;
      }

      let bodyLength: number;
      if (this.headerFill === 0 && end - offset >= PROTO_HEADER_SIZE) {
        bodyLength = this.checkHeader(data, offset);
        if (sink?.begin(data[offset + 1]!, bodyLength) === true) {
          offset += PROTO_HEADER_SIZE;
          this.startSink(sink, bodyLength);
          continue;
        }
        // a consumer done with the frame before onFrame returns may take it as a view of the borrowed chunk
        if (offset + PROTO_HEADER_SIZE + bodyLength <= end && borrowed && lendBorrowed?.() !== true) {
          data = ownedCopy(data, offset, end);
          end -= offset;
          offset = 0;
          borrowed = false;
        }
        const frameEnd = offset + PROTO_HEADER_SIZE + bodyLength;
        if (frameEnd <= end) {
          const frame = new SlicedFrame(data, offset, frameEnd);
          offset = frameEnd;
          onFrame(frame);
          continue;
        }
        this.startPending(PROTO_HEADER_SIZE + bodyLength);
        continue; // the copy loop above takes the header and the available body bytes
      }

      const take = Math.min(end - offset, PROTO_HEADER_SIZE - this.headerFill);
      data.copy(this.header, this.headerFill, offset, offset + take);
      this.headerFill += take;
      offset += take;
      if (this.headerFill < PROTO_HEADER_SIZE) return;
      this.headerFill = 0;
      bodyLength = this.checkHeader(this.header, 0);
      if (sink?.begin(this.header[1]!, bodyLength) === true) {
        this.startSink(sink, bodyLength);
        continue;
      }
      if (bodyLength === 0) {
        onFrame(makeFrame(Buffer.from(this.header)));
        continue;
      }
      this.startPending(PROTO_HEADER_SIZE + bodyLength);
      this.header.copy(this.pending!, 0);
      this.pendingFill = PROTO_HEADER_SIZE;
    }
  }

  /**
   * Where the next bytes may be read straight into: the unfilled part of the storage of the frame
   * being assembled, when at least `minBytes` of its body are still missing (undefined otherwise).
   * The region ends at the frame's end, so a read into it never holds the next frame's bytes. The
   * storage grows as for pushed bytes (doubling behind the bytes received), never to the declared size.
   */
  bodyTarget(minBytes: number): Buffer | undefined {
    this.target = null;
    if (this.pending === null || this.failed !== null || this.pendingLength - this.pendingFill < minBytes) return undefined;
    this.reserve(this.pendingFill + minBytes);
    // capped at the frame's end: recycled storage may be larger than the frame
    this.target = this.pending.subarray(this.pendingFill, Math.min(this.pending.length, this.pendingLength));
    return this.target;
  }

  /** `count` bytes were read into the region bodyTarget returned last; completes the frame when it is whole. */
  bodyFilled(count: number, onFrame: (frame: Frame) => void): void {
    if (this.failed !== null) throw this.failed;
    const target = this.target;
    this.target = null;
    if (target === null || !Number.isInteger(count) || count < 0 || count > target.length) {
      throw new RangeError(`bodyFilled(${count}) does not match a region lent by bodyTarget (${target === null ? 'none lent' : `${target.length} bytes`})`);
    }
    this.pendingFill += count;
    if (this.pendingFill === this.pendingLength) onFrame(makeFrame(this.completePending()));
  }

  /** The assembled frame's bytes (its storage may be a larger recycled buffer), remembered for recycle(). */
  private completePending(): Buffer {
    const storage = this.pending!;
    const bytes = storage.length === this.pendingLength ? storage : storage.subarray(0, this.pendingLength);
    this.pending = null;
    this.pendingFill = 0;
    this.assembledStorage = storage;
    this.assembledBytes = bytes;
    return bytes;
  }

  private startSink(sink: FrameSink, bodyLength: number): void {
    if (bodyLength === 0) {
      sink.end();
      return;
    }
    this.sink = sink;
    this.sinkRemaining = bodyLength;
    this.sinkFill = 0;
  }

  private endSink(sink: FrameSink): void {
    this.sink = null;
    this.sinkFill = 0;
    sink.end();
  }

  private startPending(frameLength: number): void {
    this.pendingLength = frameLength;
    this.pendingFill = 0;
    const spare = this.spare;
    if (spare !== null && spare.length >= frameLength) {
      this.spare = null;
      this.pending = spare;
      return;
    }
    this.pending = frameLength <= EAGER_FRAME_BYTES ? this.wholeStorage(frameLength) : Buffer.allocUnsafe(EAGER_FRAME_BYTES);
  }

  /**
   * Storage for a whole frame: exactly its size, or, once frames are being recycled, an eighth more
   * (16 KiB to 128 KiB), so the next frame (real scan frames differ by a record or so) fits in it too.
   */
  private wholeStorage(frameLength: number): Buffer {
    if (!this.spareWanted) return Buffer.allocUnsafe(frameLength);
    const slack = Math.min(RECYCLE_SLACK_BYTES, Math.max(16 * 1024, frameLength >>> 3));
    return Buffer.allocUnsafe(Math.min(frameLength + slack, this.maxFrameBytes + PROTO_HEADER_SIZE));
  }

  /**
   * Grows the pending storage to hold `needed` bytes: doubling, never past the frame's size. Once
   * the rest of the frame is within EAGER_FRAME_BYTES of the bytes received, it takes the whole frame
   * at once, while little is there to copy: real scan frames are 1 MiB plus one record, and growing
   * only when full copied each whole frame a second time for its last few KiB.
   */
  private reserve(needed: number): void {
    const current = this.pending!;
    if (current.length >= this.pendingLength) return;
    const wholeNow = this.pendingFill + EAGER_FRAME_BYTES >= this.pendingLength;
    if (needed <= current.length && !wholeNow) return;
    const grown = wholeNow ? this.wholeStorage(this.pendingLength) : Buffer.allocUnsafe(Math.min(this.pendingLength, Math.max(needed, current.length * 2)));
    current.copy(grown, 0, 0, this.pendingFill);
    this.pending = grown;
  }

  private checkHeader(buf: Buffer, offset: number): number {
    const version = buf[offset]!;
    const type = buf[offset + 1]!;
    if (version !== PROTO_VERSION) {
      throw this.fail(`unexpected proto version: expected ${PROTO_VERSION}, got ${version}`);
    }
    if (messageTypeNames[type] === undefined) {
      throw this.fail(`unexpected proto type: expected one of [1, 2, 3, 4], got ${type}`);
    }
    const length = ((buf[offset + 2]! << 8) | buf[offset + 3]!) * 0x1_0000_0000 + (((buf[offset + 4]! << 24) | (buf[offset + 5]! << 16) | (buf[offset + 6]! << 8) | buf[offset + 7]!) >>> 0);
    if (length > this.maxFrameBytes) {
      throw this.fail(`declared frame length ${length} exceeds maxFrameBytes ${this.maxFrameBytes}`);
    }
    return length;
  }

  private fail(message: string): Error {
    this.failed = parseError(message);
    this.pending = null;
    this.sinkRemaining = 0;
    this.sink = null;
    this.target = null;
    this.headerFill = 0;
    return this.failed;
  }
}

/**
 * Bytes [start, end) of `data` in memory of their own. Not from Buffer's shared pool: a reply's
 * ArrayBuffer (shown by inspect with showHidden) must hold only that read's bytes, as the socket's
 * own per-read buffers did, not whatever else the process put in the pool (passwords, keys).
 */
function ownedCopy(data: Buffer, start: number, end: number): Buffer {
  const copy = Buffer.allocUnsafeSlow(end - start);
  data.copy(copy, 0, start, end);
  return copy;
}
