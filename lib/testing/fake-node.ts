// One registered node of the FakeTransport: its script queues (FIFO per call shape), its counters and
// call log, and the per-connection handle state. Plain bookkeeping: no observables are subscribed
// here, no timers are started and nothing is sent anywhere.

import { concat, from, isObservable, of, throwError, type Observable } from 'rxjs';
import { AerospikeError } from '../errors';
import type { CommandOptions, Connection, FramesOptions, InfoReply, LoginReply, StreamOptions } from '../node-transport';

/** A scripted reply: a value (delivered at once), an error, or an Observable (its timing is the reply's timing). */
export type ScriptEntry<T> = T | AerospikeError | Observable<T>;

/** A connect attempt: 'ok' (connect at once), an error, or an Observable whose first emission is the handshake. */
export type ConnectOutcome = 'ok' | AerospikeError | Observable<unknown>;

/** A stream script: whole frames (an Observable for timing, or an array delivered at once), or an error at open. */
export type StreamScript = Observable<Uint8Array> | readonly Uint8Array[] | AerospikeError;

export type CallShape = 'connect' | 'info' | 'command' | 'commandStream' | 'stream' | 'login';

/** Login options as recorded: the user and mode only; passwords and tokens are never kept. */
export interface RecordedLoginOptions {
  readonly user?: string;
  readonly authMode?: string;
  readonly loginTimeoutMs?: number;
}

/** One operation that reached the node (passed the handle, busy and disconnect checks), in call order. */
export interface FakeCall {
  readonly kind: Exclude<CallShape, 'connect'>;
  /** The request as one Buffer (array requests concatenated); info: the encoded info request; login: empty. */
  readonly request: Buffer;
  /** The per-read deadline applied: the argument, or infoTimeoutMs / loginTimeoutMs. */
  readonly deadlineMs: number;
  readonly options: CommandOptions | StreamOptions | FramesOptions | RecordedLoginOptions | undefined;
  /** info$ only: the command names, in order. */
  readonly commands?: readonly string[];
}

/**
 * Computes a reply from the call: an info reply, command body, stream frames or login reply (or an
 * AerospikeError, or a cold Observable for timing), matching the call's kind; undefined = no answer.
 */
export type FakeResponder = (call: FakeCall) => ScriptEntry<unknown> | StreamScript | undefined;

export interface PendingScripts {
  readonly connect: number;
  readonly info: number;
  readonly command: number;
  readonly commandStream: number;
  readonly stream: number;
  readonly login: number;
}

export class FakeNode {
  disconnected = false;
  connectCount = 0;
  closeCount = 0;
  streamCloseCount = 0;
  readonly calls: FakeCall[] = [];
  readonly handles = new Set<HandleState>();
  readonly connectQueue: ConnectOutcome[] = [];
  /** Keyed by the exact ordered name list. */
  readonly infoQueues = new Map<string, ScriptEntry<InfoReply>[]>();
  readonly commandQueue: ScriptEntry<Uint8Array>[] = [];
  readonly commandStreamQueue: ScriptEntry<Uint8Array>[] = [];
  readonly streamQueue: StreamScript[] = [];
  readonly loginQueue: ScriptEntry<LoginReply>[] = [];
  responder: FakeResponder | undefined;

  constructor(
    readonly id: string,
    readonly host: string,
    readonly port: number,
  ) {}

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  pending(): PendingScripts {
    let info = 0;
    for (const queue of this.infoQueues.values()) info += queue.length;
    return {
      connect: this.connectQueue.length,
      info,
      command: this.commandQueue.length,
      commandStream: this.commandStreamQueue.length,
      stream: this.streamQueue.length,
      login: this.loginQueue.length,
    };
  }
}

export function infoKey(names: readonly string[]): string {
  return JSON.stringify(names);
}

/** An operation in flight on a handle; `abort` ends it from outside (close, disconnect, a pipelined failure). */
export interface InFlight {
  readonly shape: Exclude<CallShape, 'connect'>;
  abort(error: AerospikeError, countsAsStreamClose: boolean): void;
}

export interface HandleState {
  readonly node: FakeNode;
  /** `node` on errors: nodeName, else host:port. */
  readonly label: string;
  readonly infoTimeoutMs: number;
  /** login$'s deadline when it is not given one: loginTimeoutMs at connect, else connectTimeoutMs. */
  readonly loginTimeoutMs: number;
  readonly maxFrameBytes: number;
  closed: boolean;
  /** Why the handle is unusable, or null while it is open. */
  deadReason: string | null;
  /** Operations in flight, oldest first: at most one unless the handle pipelines command$. */
  readonly inFlight: InFlight[];
  /** Connected with `pipeline: true`. */
  readonly pipeline: boolean;
  /** Connected with the tls option, and allowInsecureExternalAuth: login$'s auth rules depend on them. */
  readonly tls: boolean;
  readonly allowInsecureExternalAuth: boolean;
}

/** The handle callers hold. Its state is private, so util.inspect shows only host, port and name. */
export class FakeConnection implements Connection {
  readonly #state: HandleState;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly nodeName: string | undefined,
    state: HandleState,
  ) {
    this.#state = state;
  }

  get isOpen(): boolean {
    return this.#state.deadReason === null;
  }

  /** @internal The state, for the FakeTransport that created this handle only. */
  static stateOf(conn: Connection): HandleState | undefined {
    return conn instanceof FakeConnection ? conn.#state : undefined;
  }
}

/** A script entry as an Observable: values are delivered at once, errors thrown on subscribe. */
export function entryToObservable<T>(entry: ScriptEntry<T>): Observable<T> {
  if (isObservable(entry)) return entry as Observable<T>;
  if (entry instanceof AerospikeError) return throwError(() => entry);
  return of(entry as T);
}

export function streamToObservable(script: StreamScript, terminalError?: AerospikeError): Observable<Uint8Array> {
  if (script instanceof AerospikeError) return throwError(() => script);
  const frames = isObservable(script) ? script : from(script);
  return terminalError === undefined ? frames : concat(frames, throwError(() => terminalError));
}

export function connectToObservable(outcome: ConnectOutcome): Observable<unknown> {
  if (outcome === 'ok') return of(true);
  if (outcome instanceof AerospikeError) return throwError(() => outcome);
  return outcome;
}
