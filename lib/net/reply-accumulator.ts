// Builds commandStream$'s one reply Buffer: the pieces of its frame bodies are kept as they come and
// joined once at the end, into memory of the reply's own. No sockets, no timers.
//
// Not a resizable ArrayBuffer grown in place (what this once did past 1 MiB): a Buffer over one is
// slow to slice (a subarray costs ~0.8 µs on Node 20 and ~0.4 µs on Node 22, against ~60 ns), and a
// batch reply is sliced for every digest and blob it holds, so a 2 MiB reply of 2,000 records decoded
// in 2.3 ms against 0.66 ms. The pieces are already copies of the socket's reused read buffer, so
// growing in place no longer saved a copy either.

export class ReplyAccumulator {
  /** Bytes appended so far. */
  length = 0;
  private parts: Buffer[] = [];

  /** Appends `piece`, which is kept as it is (it must not change afterwards). */
  append(piece: Buffer): void {
    if (piece.length === 0) return;
    this.parts.push(piece);
    this.length += piece.length;
  }

  /**
   * Bytes [start, end) as one contiguous view, for walking the records of the frame just appended.
   * Joins (once) the parts it covers when they are several; valid until the next append.
   */
  view(start: number, end: number): Buffer {
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
    const result = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.length);
    this.parts = [];
    this.length = 0;
    return result;
  }
}
