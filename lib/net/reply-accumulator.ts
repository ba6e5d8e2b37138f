// Builds commandStream$'s one reply Buffer with a single copy of each byte: small replies keep views
// of the socket's chunks and are joined once at the end; past PROMOTE_BYTES the bytes move into one
// ArrayBuffer that grows in place (resizable), so no copy is made when it grows and the emitted
// Buffer is that same memory. No sockets, no timers.

import { constants as bufferConstants } from 'node:buffer';

/** Below this a reply is joined from chunk views at the end (a copy this small costs nothing). */
const PROMOTE_BYTES = 1024 * 1024;

/**
 * Address space reserved per large reply: growth is a commit inside it, never a move. Resizable
 * ArrayBuffers reserve, they do not allocate, so 4 GiB per reply is cheap on a 64-bit process.
 */
const RESERVE_BYTES = Math.min(2 ** 32, bufferConstants.MAX_LENGTH);

type ResizableArrayBuffer = ArrayBuffer & { readonly resizable: boolean; readonly maxByteLength: number; resize(byteLength: number): void };

/** A resizable ArrayBuffer of at most `maxBytes`, or undefined where the runtime has none. */
function resizableBuffer(maxBytes: number): ResizableArrayBuffer | undefined {
  try {
    const store = new (ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ResizableArrayBuffer)(0, { maxByteLength: maxBytes });
    return store.resizable === true ? store : undefined;
  } catch {
    return undefined;
  }
}

export class ReplyAccumulator {
  /** Bytes appended so far. */
  length = 0;
  private parts: Buffer[] = [];
  private store: ResizableArrayBuffer | undefined;
  private bytes: Uint8Array | undefined;
  /** Set once the runtime refused a resizable buffer: stay with parts. */
  private noStore = false;

  /** Appends `piece`. While small, the piece itself is kept (it must not change afterwards). */
  append(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.store === undefined && (this.length + piece.length <= PROMOTE_BYTES || this.noStore || !this.promote())) {
      this.parts.push(piece);
      this.length += piece.length;
      return;
    }
    this.write(piece);
  }

  /**
   * Bytes [start, end) as one contiguous view, for walking the records of the frame just appended.
   * Joins (once) the parts it covers when they are several; valid until the next append.
   */
  view(start: number, end: number): Buffer {
    if (this.store !== undefined) return Buffer.from(this.store, start, end - start);
    let offset = 0;
    let first = 0;
    while (offset + this.parts[first]!.length <= start) offset += this.parts[first++]!.length;
    const head = this.parts[first]!;
    if (end - offset <= head.length) return head.subarray(start - offset, end - offset);
    let last = first;
    let covered = offset;
    while (covered < end) covered += this.parts[last++]!.length;
    const joined = Buffer.concat(this.parts.slice(first, last));
    this.parts.splice(first, last - first, joined);
    return joined.subarray(start - offset, end - offset);
  }

  /** The whole reply as one Buffer; the accumulator is empty afterwards. */
  take(): Buffer {
    let result: Buffer;
    if (this.store !== undefined) {
      this.store.resize(this.length);
      result = Buffer.from(this.store, 0, this.length);
    } else {
      result = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.length);
    }
    this.parts = [];
    this.store = undefined;
    this.bytes = undefined;
    this.length = 0;
    return result;
  }

  /** Moves the parts into a resizable buffer; false where the runtime has none. */
  private promote(): boolean {
    const store = resizableBuffer(RESERVE_BYTES);
    if (store === undefined) {
      this.noStore = true;
      return false;
    }
    this.store = store;
    const parts = this.parts;
    this.parts = [];
    this.length = 0;
    for (const part of parts) this.write(part);
    return true;
  }

  private write(piece: Buffer): void {
    const store = this.store!;
    const needed = this.length + piece.length;
    if (needed > store.maxByteLength) {
      throw new RangeError(`a commandStream$ reply above ${store.maxByteLength} bytes cannot be held in one Buffer`);
    }
    // Exactly what arrived: a resize commits (and zeroes) pages, and committing ahead of the bytes
    // would cost as much as the bytes themselves.
    store.resize(needed);
    this.bytes ??= new Uint8Array(store);
    this.bytes.set(piece, this.length);
    this.length = needed;
  }
}
