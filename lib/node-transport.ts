// The NodeTransport contract (design.md §1–2): the only surface cluster code uses for node I/O.
// Types only; implementations live in lib/net/ (TcpTransport) and lib/testing/ (FakeTransport).

import type { Observable, SchedulerLike } from 'rxjs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';

/** Complete wire bytes (proto header + body); an array is one frame given in parts. */
export type Request = Uint8Array | readonly Uint8Array[];

/** Info reply: name → value, in a null-prototype object. */
export type InfoReply = Readonly<Record<string, string>>;

export type MessageKind = 'as_msg' | 'admin';

export interface CommandOptions {
  /** Send requests over 128 bytes as type-4 frames when that is smaller. Never applies to admin. */
  readonly useCompression?: boolean;
  /** `as_msg` (default) expects type 3/4 replies; `admin` expects type 2. */
  readonly messageType?: MessageKind;
  /** Retry attempt number, for telemetry only (default 0). */
  readonly attempt?: number;
}

export interface StreamOptions {
  readonly useCompression?: boolean;
  readonly attempt?: number;
  /**
   * The subscriber keeps nothing of a frame (no view into it) once its next() returns, so the
   * transport may read a later frame into the same memory. Default false. A transport may ignore it
   * (FakeTransport does); TcpTransport reuses the storage of frames it assembled across reads.
   */
  readonly lendFrames?: boolean;
}

/** frames(): stream$ options plus the queue limits past which reading pauses. */
export interface FramesOptions extends StreamOptions {
  /** Pause reading once this many bytes are queued for the consumer. Default 8 MiB. */
  readonly highWaterBytes?: number;
  /** Pause reading once this many frames are queued for the consumer. Default 256. */
  readonly highWaterFrames?: number;
}

export type AuthMode = 'internal' | 'external' | 'pki';

export interface LoginOptions {
  readonly user?: string;
  readonly password?: string;
  readonly authMode?: AuthMode;
  readonly sessionToken?: Uint8Array;
  /** Deadline of the login reply read; defaults to the connection's loginTimeoutMs, itself defaulting to connectTimeoutMs. */
  readonly loginTimeoutMs?: number;
}

export type LoginReply =
  | { readonly kind: 'session'; readonly token: Buffer; readonly ttlSeconds?: number }
  | { readonly kind: 'ok_no_token' }
  | { readonly kind: 'security_not_enabled' };

/** Node TLS options plus Aerospike's TLS name. */
export interface TlsOptions extends Omit<TlsConnectionOptions, 'host' | 'port' | 'socket' | 'servername'> {
  /** Aerospike's tls-name: SNI and certificate name. Defaults to the host; null = no SNI, no name check. */
  readonly servername?: string | null;
}

export interface ConnectOptions extends LoginOptions {
  /** TCP (+ TLS) handshake and write drain deadline. Default 5000. */
  readonly connectTimeoutMs?: number;
  /** Per-read deadline of info$. Default connectTimeoutMs. */
  readonly infoTimeoutMs?: number;
  /** Default true. */
  readonly tcpNoDelay?: boolean;
  /** Default true. */
  readonly tcpKeepAlive?: boolean;
  /** Label for errors and telemetry; defaults to host:port in errors. */
  readonly nodeName?: string;
  /** Largest declared body length (and inflated size) accepted. Default 128 MiB. */
  readonly maxFrameBytes?: number;
  /** Present: connect over TLS. */
  readonly tls?: TlsOptions;
  /** External auth sends the clear password: refused without TLS unless this is true. */
  readonly allowInsecureExternalAuth?: boolean;
  /** Opt in to several command$ in flight on this connection, replies matched in order. */
  readonly pipeline?: boolean;
}

/** An open connection to one node. Opaque to callers beyond these read-only facts. */
export interface Connection {
  readonly host: string;
  readonly port: number;
  readonly nodeName: string | undefined;
  /** False once the socket is destroyed (error, early unsubscribe, close). */
  readonly isOpen: boolean;
}

/** Where commandCall delivers its outcome: exactly one of the two, at most once. */
export interface ReplySink {
  /**
   * The sink keeps nothing of `body` (no view into it) once reply() returns, so the transport may hand
   * it bytes in memory it reuses (TcpTransport: its socket read buffer, which saves an allocation and a
   * copy per reply). Default false. A transport may ignore it.
   */
  readonly borrowsBody?: boolean;
  /** The reply body, as command$ would emit it (valid only during the call when borrowsBody is set). */
  reply(body: Buffer): void;
  /** The error command$ would end with. */
  fail(error: unknown): void;
}

/** A commandCall in flight. */
export interface PendingCall {
  /** As unsubscribing command$ early: the read is cut short (socket destroyed) and the sink hears nothing more. Idempotent. */
  cancel(): void;
}

export interface NodeTransport {
  connect$(host: string, port: number, opts?: ConnectOptions): Observable<Connection>;
  info$(conn: Connection, commands: readonly string[]): Observable<InfoReply>;
  command$(conn: Connection, request: Request, deadlineMs: number, opts?: CommandOptions): Observable<Buffer>;
  /**
   * command$ without an Observable, for a caller that runs a great many (the cluster's key commands):
   * the same checks (thrown at call time), request, deadline, errors and telemetry, the outcome handed
   * to `sink`, possibly before this returns. Optional: a transport without it is driven through command$.
   */
  commandCall?(conn: Connection, request: Request, deadlineMs: number, opts: CommandOptions | undefined, sink: ReplySink): PendingCall;
  commandStream$(conn: Connection, request: Request, deadlineMs: number, opts?: CommandOptions): Observable<Buffer>;
  stream$(conn: Connection, request: Request, deadlineMs: number, opts?: StreamOptions): Observable<Buffer>;
  login$?(conn: Connection, opts: LoginOptions): Observable<LoginReply>;
  /**
   * stream$ as an AsyncIterable with backpressure: each frame (terminal included); while the loop
   * is behind by a high-water mark, reading pauses and so does the read deadline. Nothing is sent
   * until iteration starts; `break` (or a throw in the loop) tears down like unsubscribing; errors
   * are thrown from the iterator as AerospikeError.
   */
  frames?(conn: Connection, request: Request, deadlineMs: number, opts?: FramesOptions): AsyncIterable<Buffer>;
  /** Idempotent; never throws. An operation in flight ends with network_error. */
  close(conn: Connection): void;
}

export interface TransportOptions {
  /** Scheduler for every deadline (default asyncScheduler); a TestScheduler runs them in virtual time. */
  readonly scheduler?: SchedulerLike;
}
