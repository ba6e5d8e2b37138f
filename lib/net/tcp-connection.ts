// One open socket to a node: owns the FrameDecoder, the in-flight read operation(s) and the per-read deadline.
// Operations are strictly one at a time (FIFO queue only when pipelining is on). Any error or early
// cancellation destroys the socket; the connection then refuses every later operation with network_error.

import type { Socket } from 'node:net';
import { inspect } from 'node:util';
import type { SchedulerLike, Subscription } from 'rxjs';
import { AerospikeError } from '../errors';
import type { Connection } from '../node-transport';
import { FrameDecoder, type Frame, type FrameSink } from '../protocol/frame-decoder';
import type { ReadOperation } from './read-operation';
import type { ConnectConfig } from './connect-config';
import { MAX_TIMER_DELAY_MS } from './deadline';
import { networkError } from './socket-errors';
import { readerOf, SocketReader, type ReadSink } from './socket-reader';
import { countAwaiting, holdBack, type DeferredWriter } from './write-coalescer';

type Phase = 'idle' | 'drain' | 'read' | 'paused';

/**
 * A frame body with at least this much still missing is read straight into its storage: the copy
 * it saves outweighs the extra read that may follow to fetch the next header.
 */
const DIRECT_READ_MIN_BYTES = 16 * 1024;

let nextConnectionId = 1;

export class TcpConnection implements Connection, ReadSink, DeferredWriter {
  readonly id = nextConnectionId++;
  readonly host: string;
  readonly port: number;
  readonly nodeName: string | undefined;
  readonly config: ConnectConfig;
  /** The transport's last per-call spec for this connection, reused while the call is the same. */
  specCache: unknown = undefined;
  private readonly decoder: FrameDecoder;
  private queue: ReadOperation[] = [];
  private failure: AerospikeError | null = null;
  private phase: Phase = 'idle';
  private timer: Subscription | null = null;
  /** Scheduler time at which the armed timer fires. */
  private timerDueAt = 0;
  private readStartedAt = 0;
  private progressed = false;
  /** The request begin() held back until the turn ends (write-coalescer.ts). */
  private deferred: Buffer | undefined = undefined;
  /** Counted among the connections awaiting a reply (write-coalescer.ts). */
  private awaiting = false;
  /**
   * While bytes are delivered: how many operations, from the head, had their requests written
   * before those bytes arrived. Only they may take them; one begun from a reply's handler may not.
   */
  private owed = 0;

  constructor(
    private readonly socket: Socket,
    config: ConnectConfig,
    private readonly scheduler: SchedulerLike,
    /** Whether begin() may hold a request back until the turn ends (write-coalescer.ts). */
    private readonly coalesce = true,
  ) {
    this.config = config;
    this.host = config.host;
    this.port = config.port;
    this.nodeName = config.nodeName;
    this.decoder = new FrameDecoder({ maxFrameBytes: config.maxFrameBytes });
    // One set of listeners for the connection's whole life: nothing is added per operation.
    (readerOf(socket) ?? new SocketReader()).attach(socket, this);
    socket.on('drain', this.onDrain);
    socket.on('error', this.onSocketError);
    socket.on('end', this.onSocketEnd);
    socket.on('close', this.onSocketClose);
  }

  get isOpen(): boolean {
    return this.failure === null;
  }

  /** Number of operations waiting for replies. */
  get inFlight(): number {
    return this.queue.length;
  }

  /**
   * Registers `op` and writes `request`. Throws connection_busy (nothing written, nothing disturbed)
   * or network_error when the connection is no longer usable.
   */
  begin(op: ReadOperation, request: Buffer | readonly Uint8Array[]): void {
    if (this.failure !== null) this.throwUnusable();
    if (this.queue.length > 0) {
      const pipelined = this.config.pipeline && op.pipelinable && this.queue.every((o) => o.pipelinable);
      if (!pipelined) {
        throw new AerospikeError('connection_busy', `connection to ${this.config.address} already has an operation in flight`, {
          node: this.config.label,
        });
      }
    }
    if (this.phase === 'paused' && this.queue.length === 0) this.socket.resume();
    this.queue.push(op);
    this.setAwaiting(true);
    // only the head's request is ever held back: written below, ahead of this one
    const heldHead = this.deferred !== undefined;
    let flushed: boolean;
    if (Buffer.isBuffer(request)) {
      // only a lone request may wait for the turn's end: a pipelined one follows its queue's order
      if (this.coalesce && this.queue.length === 1 && holdBack(this)) {
        this.deferred = request;
        flushed = true;
      } else {
        this.writeDeferred();
        flushed = this.socket.write(request);
      }
    } else {
      this.writeDeferred();
      this.socket.cork();
      for (const part of request as readonly Uint8Array[]) this.socket.write(part);
      this.socket.uncork();
      flushed = !this.socket.writableNeedDrain;
    }
    if (this.queue.length === 1) {
      if (flushed) this.startRead();
      else this.startPhase('drain');
    } else if (!flushed && heldHead) {
      this.startPhase('drain');
    }
    // Otherwise a pipelined request that does not drain leaves the head's deadline alone (its read,
    // or its own request's drain): this request's drain is bounded once it is the head (finishHead).
  }

  /** DeferredWriter: the turn ended; writes the request begin() held back, if the connection still stands. */
  flushDeferred(): void {
    if (this.deferred === undefined || this.failure !== null) return;
    if (!this.writeDeferred() && this.phase === 'read') this.startPhase('drain');
  }

  /** Writes a held-back request, if any; false when the socket's buffer is now full. */
  private writeDeferred(): boolean {
    const request = this.deferred;
    if (request === undefined) return true;
    this.deferred = undefined;
    return this.socket.write(request);
  }

  private setAwaiting(awaiting: boolean): void {
    if (this.awaiting === awaiting) return;
    this.awaiting = awaiting;
    countAwaiting(awaiting);
  }

  /** The subscriber left before the end: drops a pipelined reply, otherwise the socket is destroyed. */
  cancel(op: ReadOperation): void {
    const index = this.queue.indexOf(op);
    if (index < 0) return;
    if (this.config.pipeline && op.pipelinable) {
      if (this.deferred !== undefined && this.queue.length === 1) {
        // its request is still held back (write-coalescer.ts): never written, so nothing is owed
        this.deferred = undefined;
        this.queue.length = 0;
        this.setAwaiting(false);
        if (this.phase !== 'paused') this.phase = 'idle';
        return;
      }
      // Its reply still arrives in order: read it (under its deadline) and drop it.
      op.dropped = true;
      return;
    }
    this.queue.splice(index, 1);
    this.fail(new AerospikeError('network_error', `operation on ${this.config.address} was cancelled before its reply ended; the socket is closed`));
  }

  /**
   * Stops reading from the socket (TCP flow control then stalls the server) while a consumer
   * catches up; the read deadline does not run while paused.
   */
  pauseReading(): void {
    if (this.failure !== null || this.phase === 'paused') return;
    this.socket.pause();
    this.stopTimer();
    this.phase = 'paused';
  }

  /** Resumes reading; the current read gets a fresh deadline. */
  resumeReading(): void {
    if (this.failure !== null || this.phase !== 'paused') return;
    this.socket.resume();
    if (this.queue.length > 0) this.startRead();
    else this.phase = 'idle';
  }

  /** Destroys the socket; an operation in flight ends with network_error. Idempotent, never throws. */
  close(): void {
    this.fail(new AerospikeError('network_error', `connection to ${this.config.address} was closed by the client`));
  }

  /** Destroys the socket because of `error`; every queued operation not dropped receives it. */
  fail(error: AerospikeError): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.deferred = undefined;
    this.setAwaiting(false);
    this.stopTimer();
    this.phase = 'idle';
    this.socket.destroy();
    const ops = this.queue;
    this.queue = [];
    // a dropped (cancelled pipelined) operation's subscriber is gone and its span already closed
    for (const op of ops) if (!op.dropped) op.onError(error);
  }

  private throwUnusable(): never {
    throw new AerospikeError('network_error', `connection to ${this.config.address} is closed (${this.failure!.code}): ${this.failure!.message}`, {
      node: this.config.label,
    });
  }

  /** ReadSink: the decoder lends a large frame's unfilled body for the next read. */
  readTarget(): Buffer | undefined {
    return this.failure === null ? this.decoder.bodyTarget(DIRECT_READ_MIN_BYTES) : undefined;
  }

  /** ReadSink: `count` bytes landed in the body readTarget lent. */
  onFilled(count: number): void {
    this.received(undefined, count, false);
  }

  /** ReadSink: a chunk, from the reader's scratch buffer (borrowed) or from a 'data' event. */
  onChunk(chunk: Buffer, borrowed: boolean): void {
    const wipe = borrowed && this.secretAwaited();
    this.received(chunk, chunk.length, borrowed);
    // The scratch buffer outlives the reply and is reachable from the socket (inspect shows it).
    if (wipe) chunk.fill(0);
  }

  /** Some operation awaiting a reply may take a secret (a session token) from this read: pipelined, not only the head. */
  private secretAwaited(): boolean {
    const queue = this.queue;
    for (let i = 0; i < queue.length; i++) if (queue[i]!.secret) return true;
    return false;
  }

  /** `count` bytes arrived, in `chunk` or (undefined) straight into the lent body region. */
  private received(chunk: Buffer | undefined, count: number, borrowed: boolean): void {
    if (this.failure !== null) return;
    // a request held back until the turn ends (only ever the head's) is not written yet
    const owed = this.deferred === undefined ? this.queue.length : this.queue.length - 1;
    if (owed === 0) {
      this.fail(new AerospikeError('network_error', `received ${count} bytes from ${this.config.address} while no operation awaited a reply`));
      return;
    }
    this.owed = owed;
    const head = this.queue[0];
    const wasAwaitingBody = this.decoder.awaitingBody;
    this.progressed = false;
    try {
      if (chunk === undefined) {
        this.decoder.bodyFilled(count, this.onFrame);
      } else {
        // Only an operation that gathers bodies is offered frames in pieces (a later head without a
        // sink would get whole frames through onFrame, which every read handles).
        this.decoder.push(chunk, this.onFrame, head!.sink === undefined ? undefined : this.frameSink, borrowed, this.headTakesBorrowed);
      }
    } catch (err) {
      this.fail(toAerospikeError(err));
      return;
    }
    if (this.failure !== null) return;
    if (this.owed === 0) {
      // A partial frame is left after the last reply these bytes were for. An operation begun from a
      // reply's handler is not its owner: its read was started by begin().
      if (this.decoder.buffered > 0) this.fail(this.beyondReplies());
      return;
    }
    // A completed frame starts the next header read; a completed header starts the body read. When
    // the head changed, begin() or finishHead() started the new head's read in this same turn.
    if (this.phase === 'paused' || this.queue[0] !== head) return;
    if (this.progressed || (!wasAwaitingBody && this.decoder.awaitingBody)) {
      if (this.phase !== 'read') this.startRead();
      else this.readStartedAt = this.scheduler.now();
    }
  }

  private readonly onFrame = (frame: Frame): void => {
    if (this.failure !== null) return;
    if (this.owed === 0) throw this.beyondReplies();
    const op = this.queue[0]!;
    this.progressed = true;
    if (op.onFrame(frame)) this.finishHead(op);
    else if (op.lendsFrames) this.decoder.recycle(frame);
  };

  /** Asked by the decoder before it copies a frame out of a borrowed read: the head may take a view. */
  private readonly headTakesBorrowed = (): boolean => this.queue[0]?.takesBorrowed === true;

  /** Routes frames to the head operation's sink when it wants them in pieces. */
  private readonly frameSink: FrameSink = {
    begin: (type, bodyLength) => {
      if (this.failure !== null) return false;
      if (this.owed === 0) throw this.beyondReplies();
      const sink = this.queue[0]?.sink;
      return sink !== undefined && sink.begin(type, bodyLength);
    },
    piece: (bytes) => this.queue[0]!.sink!.piece(bytes),
    end: () => {
      const op = this.queue[0]!;
      this.progressed = true;
      if (op.sink!.end()) this.finishHead(op);
    },
  };

  /** Bytes that arrived after the replies of every operation then written: a protocol violation. */
  private beyondReplies(): AerospikeError {
    return new AerospikeError('network_error', `received bytes from ${this.config.address} beyond the end of the reply`);
  }

  /** `op`, the head of the queue, has its whole reply. */
  private finishHead(op: ReadOperation): void {
    this.queue.shift();
    this.owed--;
    // an idle pooled connection must not hold a recycled frame's megabyte
    if (op.lendsFrames) this.decoder.dropSpare();
    if (this.queue.length === 0) {
      this.setAwaiting(false);
      // The deadline timer stays armed: the next operation usually reuses it (see restartTimer);
      // if none comes it fires once on an idle connection and lapses. close()/fail() clear it.
      if (this.phase !== 'paused') this.phase = 'idle';
    } else if (this.phase !== 'paused') {
      // the next pipelined request may still be draining: bounded by connectTimeoutMs, then its read
      this.phase = this.socket.writableNeedDrain ? 'drain' : 'read';
      this.restartTimer();
    }
    if (!op.dropped) op.onEnd();
  }

  private readonly onDrain = (): void => {
    if (this.phase === 'drain' && this.failure === null) this.startRead();
  };

  private readonly onSocketError = (err: Error): void => {
    this.fail(networkError(err, this.config.address, this.config.label));
  };

  private readonly onSocketEnd = (): void => {
    const partial = this.decoder.buffered > 0 ? ` after ${this.decoder.buffered} bytes of an incomplete frame` : '';
    this.fail(new AerospikeError('network_error', `connection closed by ${this.config.address}${partial}`));
  };

  private readonly onSocketClose = (): void => {
    this.fail(new AerospikeError('network_error', `connection to ${this.config.address} closed`));
  };

  private startRead(): void {
    this.startPhase('read');
  }

  private startPhase(phase: Phase): void {
    this.phase = phase;
    this.restartTimer();
  }

  private restartTimer(): void {
    const now = this.scheduler.now();
    this.readStartedAt = now;
    const delay = Math.min(this.currentLimitMs(), MAX_TIMER_DELAY_MS);
    // An armed timer due no later than this read's deadline is kept (onTimer waits out the rest):
    // clearing and setting a timer per operation was the largest per-op cost in the profile.
    if (this.timer !== null && this.timerDueAt <= now + delay) return;
    this.arm(now, delay);
  }

  private arm(now: number, delay: number): void {
    this.stopTimer();
    this.timerDueAt = now + delay;
    this.timer = this.scheduler.schedule(this.onTimer, delay);
  }

  private currentLimitMs(): number {
    return this.phase === 'drain' ? this.config.connectTimeoutMs : (this.queue[0]?.deadlineMs ?? 0);
  }

  private stopTimer(): void {
    if (this.timer !== null) {
      this.timer.unsubscribe();
      this.timer = null;
    }
  }

  // Lazy deadline: progress only moves readStartedAt; the timer re-arms itself for the remainder.
  private readonly onTimer = (): void => {
    this.timer = null;
    if (this.failure !== null || this.queue.length === 0) return;
    const limit = this.currentLimitMs();
    const now = this.scheduler.now();
    const elapsed = now - this.readStartedAt;
    if (elapsed < limit) {
      this.arm(now, Math.min(limit - elapsed, MAX_TIMER_DELAY_MS));
      return;
    }
    const what =
      this.phase === 'drain'
        ? `writing the request did not drain within connectTimeoutMs ${limit}`
        : `no ${this.decoder.awaitingBody ? 'frame body' : 'frame header'} within the ${limit} ms read deadline`;
    this.fail(new AerospikeError('timeout', `transport timed out on ${this.config.address}: ${what}`));
  };

  [inspect.custom](): string {
    const state = this.failure === null ? `open, ${this.queue.length} in flight` : `closed (${this.failure.code})`;
    return `TcpConnection { ${this.config.label}${this.config.tls ? ' tls' : ''}, ${state} }`;
  }

  toJSON(): object {
    return { host: this.host, port: this.port, nodeName: this.nodeName, isOpen: this.isOpen };
  }
}

function toAerospikeError(err: unknown): AerospikeError {
  if (err instanceof AerospikeError) return err;
  return new AerospikeError('parse_error', `unexpected failure while decoding a reply: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
