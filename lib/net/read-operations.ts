// The reply readers of each execution shape: one reply (command$, info$, login), all frames up to the
// terminal marker as one buffer (commandStream$), each frame as it arrives (stream$).
// They validate the frame type for their call, inflate type-4 frames, and own their telemetry span.

import type { Subscriber } from 'rxjs';
import { AerospikeError, parseError } from '../errors';
import type { MessageKind, PendingCall, ReplySink } from '../node-transport';
import { findAdminTerminal } from '../protocol/admin';
import { findAsMsgLast } from '../protocol/as-msg';
import { inflateCompressedBody } from '../protocol/compression';
import { MessageType } from '../protocol/constants';
import { makeFrame, type Frame } from '../protocol/frame-decoder';
import { cancelSpan, closeSpan, type SpanContext, channels } from '../telemetry';
import { ReplyAccumulator } from './reply-accumulator';
import type { BodySink, ReadOperation } from './read-operation';

type Channel = (typeof channels)[keyof typeof channels];
export type ReplyKind = MessageKind | 'info';

const EXPECTED: Readonly<Record<ReplyKind, readonly number[]>> = {
  info: [MessageType.INFO],
  admin: [MessageType.ADMIN],
  as_msg: [MessageType.AS_MSG, MessageType.AS_MSG_COMPRESSED],
};

/** EXPECTED as bit masks (bit n: type n accepted), checked per frame. */
const ACCEPTS: Readonly<Record<ReplyKind, number>> = {
  info: 1 << MessageType.INFO,
  admin: 1 << MessageType.ADMIN,
  as_msg: (1 << MessageType.AS_MSG) | (1 << MessageType.AS_MSG_COMPRESSED),
};

export interface ReadContext {
  readonly kind: ReplyKind;
  readonly deadlineMs: number;
  readonly maxFrameBytes: number;
  /** host:port, for messages. */
  readonly address: string;
  /** The `node` of errors. */
  readonly label: string;
  readonly pipelinable: boolean;
  /** stream$ with lendFrames: each frame's storage may be reused once the subscriber's next() returns. */
  readonly lendFrames?: boolean;
}

function checkType(frame: Frame, ctx: ReadContext, accepts: number): void {
  if (((accepts >>> frame.type) & 1) === 0) {
    throw parseError(`unexpected proto type in ${ctx.kind} reply from ${ctx.address}: expected [${EXPECTED[ctx.kind].join(', ')}], got ${frame.type}`);
  }
}

/** A plain frame: type-4 frames are inflated (and checked) into their inner type-3 frame. */
function plainFrame(frame: Frame, ctx: ReadContext): Frame {
  return frame.type === MessageType.AS_MSG_COMPRESSED ? makeFrame(inflateCompressedBody(frame.body, ctx.maxFrameBytes)) : frame;
}

/** What cancels a read whose subscriber left early (the connection). */
export interface ReadOwner {
  cancel(op: ReadOperation): void;
}

/** Where a read delivers: the call's Subscriber. */
type ReadTarget<T> = Pick<Subscriber<T>, 'next' | 'error' | 'complete'>;

/**
 * A read is also its subscription's teardown (RxJS calls unsubscribe() on it), so an operation
 * costs no closure for that.
 */
abstract class BaseRead<T> implements ReadOperation {
  dropped = false;
  ended = false;
  /** Set once the request is handed to the connection. */
  owner: ReadOwner | undefined = undefined;
  /** Why the connection refused to start this read (closed, failed, busy). */
  startError: unknown = undefined;
  sink: BodySink | undefined = undefined;
  protected bytes = 0;
  protected readonly accepts: number;
  private span: { channel: Channel; context: SpanContext | undefined } | undefined = undefined;

  constructor(
    protected readonly subscriber: ReadTarget<T>,
    protected readonly ctx: ReadContext,
  ) {
    this.accepts = ACCEPTS[ctx.kind];
  }

  get deadlineMs(): number {
    return this.ctx.deadlineMs;
  }

  get pipelinable(): boolean {
    return this.ctx.pipelinable;
  }

  get lendsFrames(): boolean {
    return this.ctx.lendFrames === true;
  }

  get takesBorrowed(): boolean {
    return false;
  }

  /** Admin replies carry session tokens (login). */
  get secret(): boolean {
    return this.ctx.kind === 'admin';
  }

  /** Attaches the telemetry span this read closes (recv, or the info/login rpc span). */
  trace(channel: Channel, context: SpanContext | undefined): void {
    if (context !== undefined) this.span = { channel, context };
  }

  abstract onFrame(frame: Frame): boolean;

  protected abstract emit(): void;

  onEnd(): void {
    this.ended = true;
    if (this.span !== undefined) closeSpan(this.span.channel, this.span.context, this.bytes, this.spanError());
    this.emit();
  }

  /** An error to record on the span although the operation itself succeeded (a refused login). */
  protected spanError(): unknown {
    return undefined;
  }

  onError(error: AerospikeError): void {
    this.ended = true;
    const contextual = error.withContext(this.ctx.label, true);
    if (this.span !== undefined) closeSpan(this.span.channel, this.span.context, this.bytes, contextual);
    this.deliverError(contextual);
  }

  protected deliverError(error: AerospikeError): void {
    this.subscriber.error(error);
  }

  /** Teardown of the subscription: a subscriber that leaves before the end cancels the read. */
  unsubscribe(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.span !== undefined) cancelSpan(this.span.channel, this.span.context, this.bytes);
    this.owner?.cancel(this);
  }
}

/** One reply frame decoded by `decode` (command$ body, info$ map, login reply). */
export class SingleReplyRead<T> extends BaseRead<T> {
  private value: T | undefined;

  constructor(
    subscriber: Subscriber<T>,
    ctx: ReadContext,
    private readonly decode: (body: Buffer) => T,
    private readonly failureOf?: (value: T) => unknown,
  ) {
    super(subscriber, ctx);
  }

  protected override spanError(): unknown {
    return this.failureOf?.(this.value as T);
  }

  onFrame(frame: Frame): boolean {
    checkType(frame, this.ctx, this.accepts);
    this.bytes = frame.body.length;
    this.value = this.decode(plainFrame(frame, this.ctx).body);
    return true;
  }

  protected emit(): void {
    this.subscriber.next(this.value as T);
    this.subscriber.complete();
  }
}

/** A read that delivers to a ReplySink has no Subscriber: using this one is a bug. */
const NO_SUBSCRIBER: ReadTarget<never> = {
  next: () => {
    throw new Error('a sink read has no subscriber');
  },
  error: () => {
    throw new Error('a sink read has no subscriber');
  },
  complete: () => {
    throw new Error('a sink read has no subscriber');
  },
};

/**
 * command$'s read for commandCall: the reply body (a type-4 frame inflated) or the error goes to a
 * ReplySink, and the read is the call's PendingCall, so a call makes no Observable, Subscriber or closure.
 */
export class SinkReplyRead extends BaseRead<never> implements PendingCall {
  private body: Buffer | undefined;

  constructor(
    private readonly replySink: ReplySink,
    ctx: ReadContext,
  ) {
    super(NO_SUBSCRIBER, ctx);
  }

  /** The reply reaches the sink inside onEnd, which runs inside the frame's onFrame: a borrowing sink may get a view. */
  override get takesBorrowed(): boolean {
    return this.replySink.borrowsBody === true;
  }

  onFrame(frame: Frame): boolean {
    checkType(frame, this.ctx, this.accepts);
    this.bytes = frame.body.length;
    this.body = plainFrame(frame, this.ctx).body;
    return true;
  }

  protected emit(): void {
    const body = this.body!;
    this.body = undefined;
    this.replySink.reply(body);
  }

  protected override deliverError(error: AerospikeError): void {
    this.replySink.fail(error);
  }

  cancel(): void {
    this.unsubscribe();
  }
}

/**
 * Frames up to the terminal marker, emitted as one buffer. as_msg: bodies concatenated (inflated,
 * zero-length frames skipped), terminal = a record with INFO3_LAST anywhere in the frame; plain
 * bodies come in pieces straight from the socket's chunks and are copied once, into the reply.
 * admin: whole frames concatenated (zero-length ones kept), terminal = the first record with a non-zero result.
 */
export class CommandStreamRead extends BaseRead<Buffer> implements BodySink {
  private readonly reply = new ReplyAccumulator();
  private readonly adminFrames: Buffer[] = [];
  private frameStart = 0;

  constructor(subscriber: Subscriber<Buffer>, ctx: ReadContext) {
    super(subscriber, ctx);
    if (ctx.kind === 'as_msg') this.sink = this;
  }

  begin(type: number): boolean {
    // type-4 frames are inflated whole, and any other type fails the type check of onFrame
    if (type !== MessageType.AS_MSG) return false;
    this.frameStart = this.reply.length;
    return true;
  }

  piece(bytes: Buffer): void {
    this.reply.append(bytes);
  }

  end(): boolean {
    return this.frameEnded();
  }

  onFrame(frame: Frame): boolean {
    checkType(frame, this.ctx, this.accepts);
    if (this.ctx.kind === 'admin') {
      this.adminFrames.push(frame.bytes);
      this.bytes += frame.bytes.length;
      return frame.body.length > 0 && findAdminTerminal(frame.body) !== undefined;
    }
    this.frameStart = this.reply.length;
    this.reply.append(plainFrame(frame, this.ctx).body);
    return this.frameEnded();
  }

  /** The body appended since frameStart is a whole frame: is it the last? */
  private frameEnded(): boolean {
    const end = this.reply.length;
    this.bytes = end;
    if (end === this.frameStart) return false;
    return findAsMsgLast(this.reply.view(this.frameStart, end)) !== undefined;
  }

  protected emit(): void {
    const result = this.ctx.kind === 'admin' ? Buffer.concat(this.adminFrames, this.bytes) : this.reply.take();
    this.adminFrames.length = 0;
    this.subscriber.next(result);
    this.subscriber.complete();
  }
}

/** Each frame as it arrives (whole plain frame, header included), the terminal frame last. */
export class StreamRead extends BaseRead<Buffer> {
  private terminal: Buffer | undefined;

  onFrame(frame: Frame): boolean {
    checkType(frame, this.ctx, this.accepts);
    const plain = plainFrame(frame, this.ctx);
    this.bytes += plain.bytes.length;
    const last = plain.body.length > 0 && findAsMsgLast(plain.body) !== undefined;
    if (last) {
      // Emitted from onEnd, once the connection is idle again, so the consumer may reuse it at once.
      this.terminal = plain.bytes;
      return true;
    }
    this.subscriber.next(plain.bytes);
    return false;
  }

  protected emit(): void {
    this.subscriber.next(this.terminal!);
    this.subscriber.complete();
  }
}
