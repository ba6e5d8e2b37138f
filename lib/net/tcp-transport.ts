// TcpTransport: the NodeTransport over node:net / node:tls. Every method validates its arguments at
// call time (TypeError/RangeError) and returns a cold Observable that does its work on subscribe.
// Socket handling lives in TcpConnection, reply shapes in read-operations.ts, login order in login-flow.ts.

import { asyncScheduler, Observable, of, type SchedulerLike, type Subscriber } from 'rxjs';
import { map, mergeMap } from 'rxjs/operators';
import { AerospikeError } from '../errors';
import type {
  CommandOptions,
  Connection,
  ConnectOptions,
  FramesOptions,
  InfoReply,
  LoginOptions,
  LoginReply,
  NodeTransport,
  PendingCall,
  ReplySink,
  Request,
  StreamOptions,
  TransportOptions,
} from '../node-transport';
import { maybeCompressFrame } from '../protocol/compression';
import { encodeInfoRequest, parseInfoReply } from '../protocol/info';
import { decodeLoginReply } from '../protocol/login';
import { cancelSpan, channels, closeSpan, hasSpanSubscribers, openSpan, type SpanContext } from '../telemetry';
import { checkCommandCall, checkStreamCall, PLAIN_COMMAND, type CheckedCommand } from './call-checks';
import { checkLoginOptions, connectCredentials, describeValue, resolveConnectConfig } from './connect-config';
import { connectLogin$, singleLogin$, type LoginOutcome } from './login-flow';
import { backpressuredFrames } from './frame-iterable';
import { defaultSocketFactory, openSocket$, type SocketFactory } from './open-socket';
import { CommandStreamRead, SingleReplyRead, SinkReplyRead, StreamRead, type ReadContext, type ReplyKind } from './read-operations';
import { TcpConnection } from './tcp-connection';

export interface TcpTransportOptions extends TransportOptions {
  /** Creates each socket (default: net.connect, or tls.connect when the tls option is set). */
  readonly socketFactory?: SocketFactory;
  /**
   * Default true: requests that replies set off in one event-loop turn, while more than a few other
   * connections await replies, are written together at the turn's end (write-coalescer.ts). False
   * writes every request at once, as it is begun.
   */
  readonly coalesceWrites?: boolean;
}

type AnyRead<T> = SingleReplyRead<T> | CommandStreamRead | StreamRead | SinkReplyRead;
type CreateRead<T> = (sub: Subscriber<T>, ctx: ReadContext) => AnyRead<T>;

/** What one call runs: made once per call, and the context its read operation keeps. */
interface RunSpec extends ReadContext {
  readonly compress: boolean;
  readonly attempt: number;
  /** info$ / login: an rpc span with these commands; otherwise command send + recv spans. */
  readonly rpcCommands?: readonly string[];
}

// The read of each call shape, made once per subscription: no closure is made per call.
const identity = (body: Buffer): Buffer => body;
const commandRead: CreateRead<Buffer> = (sub, ctx) => new SingleReplyRead(sub, ctx, identity);
const commandStreamRead: CreateRead<Buffer> = (sub, ctx) => new CommandStreamRead(sub, ctx);
const streamRead: CreateRead<Buffer> = (sub, ctx) => new StreamRead(sub, ctx);
const infoRead: CreateRead<InfoReply> = (sub, ctx) => new SingleReplyRead(sub, ctx, parseInfoReply);
const loginRead: CreateRead<LoginOutcome> = (sub, ctx) => new SingleReplyRead(sub, ctx, decodeLoginOutcome, refusalOf);

function runSpec(conn: TcpConnection, kind: ReplyKind, deadlineMs: number, compress: boolean, attempt: number, pipelinable: boolean, rpcCommands?: readonly string[]): RunSpec {
  const config = conn.config;
  const spec = { kind, deadlineMs, compress, attempt, pipelinable, maxFrameBytes: config.maxFrameBytes, address: config.address, label: config.label };
  return rpcCommands === undefined ? spec : { ...spec, rpcCommands };
}

/** A stream$ spec whose frames are lent (ReadContext.lendFrames); fields listed, as specs are per call. */
function lendingSpec(spec: RunSpec): RunSpec {
  return {
    kind: spec.kind,
    deadlineMs: spec.deadlineMs,
    compress: spec.compress,
    attempt: spec.attempt,
    pipelinable: spec.pipelinable,
    maxFrameBytes: spec.maxFrameBytes,
    address: spec.address,
    label: spec.label,
    lendFrames: true,
  };
}

export class TcpTransport implements NodeTransport {
  private readonly scheduler: SchedulerLike;
  private readonly socketFactory: SocketFactory;
  private readonly coalesceWrites: boolean;
  private warnedInsecureTls = false;

  constructor(options: TcpTransportOptions = {}) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.socketFactory = options.socketFactory ?? defaultSocketFactory;
    const coalesce = options.coalesceWrites;
    if (coalesce !== undefined && typeof coalesce !== 'boolean') throw new TypeError(`coalesceWrites must be a boolean, got ${describeValue(coalesce)}`);
    this.coalesceWrites = coalesce ?? true;
  }

  connect$(host: string, port: number, opts?: ConnectOptions): Observable<Connection> {
    const config = resolveConnectConfig(host, port, opts);
    return new Observable<Connection>((subscriber) => {
      if (config.tls?.rejectUnauthorized === false && !this.warnedInsecureTls) {
        this.warnedInsecureTls = true;
        process.emitWarning(`TLS certificate verification is disabled (tls.rejectUnauthorized: false) for ${config.address}`, {
          code: 'AEROSPIKE_TLS_INSECURE',
        });
      }
      const span = openSpan(channels.connect, () => ({ nodeName: config.nodeName, address: config.address }));
      let conn: TcpConnection | undefined;
      let settled = false;
      const subscription = openSocket$(config, this.scheduler, this.socketFactory)
        .pipe(
          mergeMap((socket) => {
            conn = new TcpConnection(socket, config, this.scheduler, this.coalesceWrites);
            const opened = conn;
            const auth = connectCredentials(config);
            if (auth === undefined) return of(opened);
            return connectLogin$(auth, (request) => this.loginRoundTrip$(opened, request, config.loginTimeoutMs)).pipe(map(() => opened));
          }),
        )
        .subscribe({
          next: (opened) => {
            settled = true;
            closeSpan(channels.connect, span, 0);
            subscriber.next(opened);
            subscriber.complete();
          },
          error: (err: unknown) => {
            settled = true;
            const error = err instanceof AerospikeError ? err.withContext(config.label, false) : err;
            if (conn !== undefined) {
              conn.fail(error instanceof AerospikeError ? error : new AerospikeError('connection_error', `connecting to ${config.address} failed`, { node: config.label, cause: err }));
            }
            closeSpan(channels.connect, span, 0, error);
            subscriber.error(error);
          },
        });
      return () => {
        subscription.unsubscribe();
        if (!settled) {
          conn?.close();
          cancelSpan(channels.connect, span, 0);
        }
      };
    });
  }

  info$(conn: Connection, commands: readonly string[]): Observable<InfoReply> {
    const tcp = this.own(conn);
    if (!Array.isArray(commands) || commands.some((c) => typeof c !== 'string')) {
      throw new TypeError(`commands must be an array of strings, got ${describeValue(commands)}`);
    }
    const names = [...commands];
    const request = encodeInfoRequest(names);
    return this.run$(tcp, request, runSpec(tcp, 'info', tcp.config.infoTimeoutMs, false, 0, false, names), infoRead);
  }

  command$(conn: Connection, request: Request, deadlineMs: number, opts?: CommandOptions): Observable<Buffer> {
    const tcp = this.own(conn);
    return this.run$(tcp, request, this.commandSpec(tcp, request, deadlineMs, opts, true), commandRead);
  }

  /** command$ with its outcome handed to `sink`; the read itself is the PendingCall. */
  commandCall(conn: Connection, request: Request, deadlineMs: number, opts: CommandOptions | undefined, sink: ReplySink): PendingCall {
    const tcp = this.own(conn);
    const spec = this.commandSpec(tcp, request, deadlineMs, opts, true);
    if (sink === null || typeof sink !== 'object' || typeof sink.reply !== 'function' || typeof sink.fail !== 'function') {
      throw new TypeError(`sink must be an object with reply() and fail(), got ${describeValue(sink)}`);
    }
    const op = new SinkReplyRead(sink, spec);
    const wire = request instanceof Uint8Array ? toBuffer(request) : (request as readonly Uint8Array[]);
    if (!this.start(tcp, wire, spec, op)) sink.fail(op.startError);
    return op;
  }

  commandStream$(conn: Connection, request: Request, deadlineMs: number, opts?: CommandOptions): Observable<Buffer> {
    const tcp = this.own(conn);
    return this.run$(tcp, request, this.commandSpec(tcp, request, deadlineMs, opts, false), commandStreamRead);
  }

  stream$(conn: Connection, request: Request, deadlineMs: number, opts?: StreamOptions): Observable<Buffer> {
    const tcp = this.own(conn);
    const spec = this.checkedSpec(tcp, checkStreamCall(request, deadlineMs, opts), deadlineMs, false);
    return this.run$(tcp, request, opts?.lendFrames === true ? lendingSpec(spec) : spec, streamRead);
  }

  /**
   * stream$ as an AsyncIterable with backpressure: when the loop falls behind, the socket is paused
   * (and the read deadline with it) until the queue drains. Breaking out of the loop tears down.
   */
  frames(conn: Connection, request: Request, deadlineMs: number, opts?: FramesOptions): AsyncIterable<Buffer> {
    const tcp = this.own(conn);
    // frames() queues frames for the loop: they are never lent
    const streamOpts: StreamOptions | undefined = opts?.lendFrames === true ? { useCompression: opts.useCompression, attempt: opts.attempt } : opts;
    return backpressuredFrames(this.stream$(conn, request, deadlineMs, streamOpts), tcp, opts);
  }

  login$(conn: Connection, opts: LoginOptions): Observable<LoginReply> {
    const tcp = this.own(conn);
    if (opts === null || typeof opts !== 'object') throw new TypeError(`login options must be an object, got ${describeValue(opts)}`);
    const checked = checkLoginOptions(opts, tcp.config.tls !== undefined, tcp.config.allowInsecureExternalAuth, true)!;
    // design §3: loginTimeoutMs bounds the login reply; the connection's (default connectTimeoutMs) applies otherwise
    const timeoutMs = checked.loginTimeoutMs ?? tcp.config.loginTimeoutMs;
    return singleLogin$(checked, (request) => this.loginRoundTrip$(tcp, request, timeoutMs)).pipe(
      map((outcome) => {
        if ('reply' in outcome) return outcome.reply;
        const error = outcome.refused.withContext(tcp.config.label, true);
        tcp.fail(error);
        throw error;
      }),
    );
  }

  close(conn: Connection): void {
    if (conn instanceof TcpConnection) conn.close();
  }

  /** One admin round trip whose refusal (a result code) comes back as a value, not an error. */
  private loginRoundTrip$(conn: TcpConnection, request: Buffer, timeoutMs: number): Observable<LoginOutcome> {
    return this.run$<LoginOutcome>(conn, request, runSpec(conn, 'admin', timeoutMs, false, 0, false, LOGIN_COMMANDS), loginRead);
  }

  private own(conn: Connection): TcpConnection {
    if (!(conn instanceof TcpConnection)) {
      throw new TypeError(`conn must be a Connection emitted by TcpTransport.connect$, got ${describeValue(conn)}`);
    }
    return conn;
  }

  private commandSpec(conn: TcpConnection, request: Request, deadlineMs: number, opts: CommandOptions | undefined, pipelinable: boolean): RunSpec {
    return this.checkedSpec(conn, checkCommandCall(request, deadlineMs, opts), deadlineMs, pipelinable);
  }

  private checkedSpec(conn: TcpConnection, checked: CheckedCommand, deadlineMs: number, pipelinable: boolean): RunSpec {
    // a cluster client's first attempt passes options that change nothing: the plain spec serves it
    if (checked === PLAIN_COMMAND) return this.plainSpec(conn, deadlineMs, pipelinable);
    return runSpec(conn, checked.kind, deadlineMs, checked.compress, checked.attempt, pipelinable && conn.config.pipeline);
  }

  /** The spec of an uncompressed first-attempt as_msg call: the same call shape again (a loop of gets) reuses it, as it is immutable. */
  private plainSpec(conn: TcpConnection, deadlineMs: number, pipelinable: boolean): RunSpec {
    const pipelined = pipelinable && conn.config.pipeline;
    const cached = conn.specCache as RunSpec | undefined;
    if (cached !== undefined && cached.deadlineMs === deadlineMs && cached.pipelinable === pipelined) return cached;
    return (conn.specCache = runSpec(conn, 'as_msg', deadlineMs, false, 0, pipelined));
  }

  private run$<T>(conn: TcpConnection, request: Request, spec: RunSpec, create: CreateRead<T>): Observable<T> {
    const wire = request instanceof Uint8Array ? toBuffer(request) : (request as readonly Uint8Array[]);
    return new Observable<T>((subscriber) => {
      const op = create(subscriber, spec);
      if (this.start(conn, wire, spec, op)) return op;
      subscriber.error(op.startError);
      return undefined;
    });
  }

  /**
   * Sends `wire` with `op` as its read, opening the telemetry spans when anyone listens. False when the
   * connection refused it (closed, failed, busy): the reason is left in op.startError.
   */
  private start<T>(conn: TcpConnection, wire: Buffer | readonly Uint8Array[], spec: RunSpec, op: AnyRead<T>): boolean {
    const traced = spec.rpcCommands !== undefined ? hasSpanSubscribers(channels.infoRpc) : hasSpanSubscribers(channels.commandSend) || hasSpanSubscribers(channels.commandRecv);
    if (!traced) {
      // the untraced path: no span context is made (this is every operation's path in production)
      try {
        conn.begin(op, spec.compress ? maybeCompressFrame(toBuffer(wire)) : wire);
      } catch (err) {
        op.startError = err;
        return false;
      }
      op.owner = conn;
      return true;
    }
    const config = conn.config;
    const makeContext = (): SpanContext =>
      spec.rpcCommands !== undefined
        ? { nodeName: config.nodeName, address: config.address, commands: spec.rpcCommands, deadlineMs: spec.deadlineMs }
        : { nodeName: config.nodeName, address: config.address, attempt: spec.attempt, deadlineMs: spec.deadlineMs };

    const rpcSpan = spec.rpcCommands !== undefined ? openSpan(channels.infoRpc, makeContext) : undefined;
    const sent = spec.compress ? maybeCompressFrame(toBuffer(wire)) : wire;
    const sendSpan = spec.rpcCommands === undefined ? openSpan(channels.commandSend, makeContext) : undefined;
    try {
      conn.begin(op, sent);
    } catch (err) {
      closeSpan(channels.commandSend, sendSpan, 0, err);
      closeSpan(channels.infoRpc, rpcSpan, 0, err);
      op.startError = err;
      return false;
    }
    closeSpan(channels.commandSend, sendSpan, byteLength(sent));
    if (rpcSpan !== undefined) op.trace(channels.infoRpc, rpcSpan);
    else op.trace(channels.commandRecv, openSpan(channels.commandRecv, makeContext));
    op.owner = conn;
    return true;
  }
}

const LOGIN_COMMANDS = ['login'] as const;

/** A refused login is a value for the fallback logic, but an error on its telemetry span. */
function refusalOf(outcome: LoginOutcome): unknown {
  return 'refused' in outcome ? outcome.refused : undefined;
}

function decodeLoginOutcome(body: Buffer): LoginOutcome {
  try {
    return { reply: decodeLoginReply(body) };
  } catch (err) {
    // A result code is the server's answer; only a malformed reply breaks the connection here.
    if (err instanceof AerospikeError && err.code !== 'parse_error') return { refused: err };
    throw err;
  }
}

function toBuffer(request: Request): Buffer {
  if (Buffer.isBuffer(request)) return request;
  if (request instanceof Uint8Array) return Buffer.from(request.buffer, request.byteOffset, request.byteLength);
  return Buffer.concat(request as readonly Uint8Array[]);
}

function byteLength(request: Request): number {
  if (request instanceof Uint8Array) return request.length;
  let n = 0;
  for (const part of request as readonly Uint8Array[]) n += part.length;
  return n;
}
