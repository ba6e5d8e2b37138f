// The contract between a TcpConnection and the read operation at the head of its queue: what the
// connection asks of an operation waiting for reply frames, and of one that gathers frame bodies itself.

import type { AerospikeError } from '../errors';
import type { Frame } from '../protocol/frame-decoder';

/** What the connection needs from an operation waiting for reply frames. */
export interface ReadOperation {
  /** Per-read deadline: the header, then the body, of every frame. */
  readonly deadlineMs: number;
  /** Only command$ replies may be pipelined. */
  readonly pipelinable: boolean;
  /** Set when the subscriber left a pipelined operation: its reply is read and dropped. */
  dropped: boolean;
  /** Takes one frame; true when it ends the operation. Throws an AerospikeError on a protocol violation. */
  onFrame(frame: Frame): boolean;
  /** Called after the operation left the queue, so the subscriber may start the next one. */
  onEnd(): void;
  /** The connection failed; the error has no node/inDoubt context yet. */
  onError(error: AerospikeError): void;
  /** Set when the operation gathers frame bodies itself (commandStream$): see BodySink. */
  readonly sink: BodySink | undefined;
  /** Its reply may carry a secret (a session token): the reused read buffer is wiped after it. */
  readonly secret: boolean;
  /** The subscriber keeps nothing of a frame once it has taken it (stream$ lendFrames): its storage may be reused. */
  readonly lendsFrames: boolean;
  /**
   * The operation is done with each frame before onFrame/onEnd return (commandCall with a borrowing
   * sink): a frame wholly inside a read may be a view of the reader's scratch buffer, not a copy.
   */
  readonly takesBorrowed: boolean;
}

/** Frame bodies handed over in pieces, straight from the socket's chunks. */
export interface BodySink {
  /** True to take this frame (by its header) in pieces; false sends it to onFrame whole. */
  begin(type: number, bodyLength: number): boolean;
  piece(bytes: Buffer): void;
  /** The frame's body is complete; true when it ends the operation. */
  end(): boolean;
}
