// FakeTransport: a scripted NodeTransport for tests, with the real transport's rules (cold, per-read
// deadlines on the injected scheduler, one operation per connection, dead handles after errors).
// It never opens a socket or starts a timer outside RxJS; scripts are consumed only on subscribe.

import { asyncScheduler, Observable, take, throwError, timeout, type SchedulerLike } from 'rxjs';
import { AerospikeError } from '../errors';
import type {
  CommandOptions,
  ConnectOptions,
  Connection,
  FramesOptions,
  InfoReply,
  LoginOptions,
  LoginReply,
  NodeTransport,
  Request,
  StreamOptions,
} from '../node-transport';
import { encodeInfoRequest } from '../protocol/info';
import { checkReplySize, checkStreamFrame } from './fake-frames';
import { backpressuredFrames } from '../net/frame-iterable';
import { checkCommandCall, checkStreamCall } from '../net/call-checks';
import { checkConnectOptions, checkLoginOptions, describeValue } from '../net/connect-config';
import { abortAll, FakeFlow, killHandle, operation$, timeoutError, withContext, type OpShape } from './fake-operation';
import {
  FakeConnection,
  FakeNode,
  connectToObservable,
  entryToObservable,
  infoKey,
  streamToObservable,
  type ConnectOutcome,
  type FakeCall,
  type FakeResponder,
  type HandleState,
  type PendingScripts,
  type ScriptEntry,
  type StreamScript,
} from './fake-node';

export interface FakeTransportOptions {
  /** Scheduler of every deadline (default asyncScheduler, which runs in virtual time inside TestScheduler.run). */
  readonly scheduler?: SchedulerLike;
  /** Nodes to register at once. */
  readonly nodes?: readonly { readonly id: string; readonly host: string; readonly port: number }[];
}

/**
 * Scripts per node and call shape, FIFO; an empty queue uses setDefaultReply's entry or errors with
 * no_script. connect$ never authenticates (script a login failure as a connect outcome; login$
 * consumes scriptLogin). With `pipeline: true`, several command$ may be in flight; replies are
 * delivered in call order (a reply scripted to arrive early waits for the ones before it).
 */
export class FakeTransport implements NodeTransport {
  private readonly scheduler: SchedulerLike;
  private readonly nodesById = new Map<string, FakeNode>();
  private readonly nodesByAddress = new Map<string, FakeNode>();
  private readonly defaults = new Map<OpShape, unknown>();

  constructor(options: FakeTransportOptions = {}) {
    this.scheduler = options.scheduler ?? asyncScheduler;
    for (const node of options.nodes ?? []) this.registerNode(node.id, node.host, node.port);
  }

  // ---- nodes and scripts -------------------------------------------------------------------

  registerNode(id: string, host: string, port: number): void {
    const address = `${host}:${port}`;
    if (this.nodesById.has(id)) throw new Error(`fake node ${id} is already registered`);
    if (this.nodesByAddress.has(address)) throw new Error(`a fake node is already registered at ${address}`);
    const node = new FakeNode(id, host, port);
    this.nodesById.set(id, node);
    this.nodesByAddress.set(address, node);
  }

  scriptConnect(id: string, outcome: ConnectOutcome): void {
    this.node(id).connectQueue.push(outcome);
  }

  /** Keyed by the exact ordered name list: ['node', 'build'] does not answer ['build', 'node']. */
  scriptInfo(id: string, names: readonly string[], reply: ScriptEntry<Readonly<Record<string, string>>>): void {
    const node = this.node(id);
    const key = infoKey(names);
    const queue = node.infoQueues.get(key) ?? [];
    queue.push(reply);
    node.infoQueues.set(key, queue);
  }

  /** The reply body command$ emits (a record, e.g. asMsgRecord(…)), whatever the request bytes. */
  scriptCommand(id: string, reply: ScriptEntry<Uint8Array>): void {
    this.node(id).commandQueue.push(reply);
  }

  /** The one Buffer commandStream$ emits (concatenated bodies for as_msg, whole frames for admin). */
  scriptCommandStream(id: string, reply: ScriptEntry<Uint8Array>): void {
    this.node(id).commandStreamQueue.push(reply);
  }

  /**
   * Whole frames for stream$, which ends after the first frame holding a LAST record. An array is
   * delivered at once, then `terminalError` if given; an Observable gives the timing; a script that
   * ends before a terminal frame is a network_error (the server closed early), as on a socket.
   */
  scriptStream(id: string, frames: StreamScript, terminalError?: AerospikeError): void {
    this.node(id).streamQueue.push(terminalError === undefined ? frames : streamToObservable(frames, terminalError));
  }

  scriptLogin(id: string, reply: ScriptEntry<LoginReply>): void {
    this.node(id).loginQueue.push(reply);
  }

  /**
   * Answers a node's calls computed from the call itself (kind, request bytes, info names), consulted
   * when that shape's script queue is empty and before setDefaultReply's entry. A responder returning
   * undefined falls through to the default. `undefined` removes the node's responder.
   */
  setResponder(id: string, responder: FakeResponder | undefined): void {
    this.node(id).responder = responder;
  }

  /** The entry used, for every node, when a call shape's queue is empty; undefined restores no_script. */
  setDefaultReply(shape: 'info', entry: ScriptEntry<Readonly<Record<string, string>>> | undefined): void;
  setDefaultReply(shape: 'command' | 'commandStream', entry: ScriptEntry<Uint8Array> | undefined): void;
  setDefaultReply(shape: 'stream', entry: StreamScript | undefined): void;
  setDefaultReply(shape: 'login', entry: ScriptEntry<LoginReply> | undefined): void;
  setDefaultReply(shape: OpShape, entry: unknown): void {
    if (entry === undefined) this.defaults.delete(shape);
    else this.defaults.set(shape, entry);
  }

  /** Live handles of the node die (in-flight operations end with network_error); new connects are refused. */
  disconnect(id: string): void {
    const node = this.node(id);
    node.disconnected = true;
    for (const state of [...node.handles]) {
      const error = new AerospikeError('network_error', `node ${id} was disconnected`, { node: state.label });
      killHandle(state, `node ${id} was disconnected`);
      abortAll(state, error, false);
    }
  }

  /** New connects succeed again; handles that died on disconnect stay dead, like reset sockets. */
  reconnect(id: string): void {
    this.node(id).disconnected = false;
  }

  // ---- introspection -----------------------------------------------------------------------

  /** Every connect attempt, failures included. */
  connectCount(id: string): number {
    return this.node(id).connectCount;
  }

  /** close() calls, counting only the first per handle. */
  closeCount(id: string): number {
    return this.node(id).closeCount;
  }

  /**
   * Handles of the node that connected and are neither closed nor dead: what a client still holds.
   * Unlike connectCount − closeCount it ignores refused connects and handles the transport
   * destroyed after an error, so 0 after a client's close() means it leaked nothing.
   */
  openConnections(id: string): number {
    return this.node(id).handles.size;
  }

  /** Streams ended by the consumer (unsubscribe or close) before their terminal frame. */
  streamCloseCount(id: string): number {
    return this.node(id).streamCloseCount;
  }

  /** Every operation that reached the node, in order. */
  calls(id: string): readonly FakeCall[] {
    return [...this.node(id).calls];
  }

  /** The last command$ or commandStream$ call, or undefined. */
  lastCommand(id: string): FakeCall | undefined {
    const calls = this.node(id).calls;
    for (let i = calls.length - 1; i >= 0; i--) {
      const call = calls[i]!;
      if (call.kind === 'command' || call.kind === 'commandStream') return call;
    }
    return undefined;
  }

  /** Scripts not consumed yet, per call shape. */
  pendingScripts(id: string): PendingScripts {
    return this.node(id).pending();
  }

  // ---- NodeTransport -------------------------------------------------------------------------

  /**
   * Never runs auth: credentials are accepted and ignored (script a login failure with scriptConnect).
   * The options are checked at call time as TcpTransport checks them (the tls option too, but no TLS
   * context is built: a key or certificate TcpTransport would refuse is accepted here).
   */
  connect$(host: string, port: number, opts?: ConnectOptions): Observable<Connection> {
    const config = checkConnectOptions(host, port, opts);
    const { connectTimeoutMs, infoTimeoutMs, loginTimeoutMs: connLoginTimeoutMs, maxFrameBytes, pipeline } = config;
    const nodeName = config.nodeName;
    const address = `${host}:${port}`;
    const label = nodeName ?? address;
    return new Observable<Connection>((subscriber) => {
      const node = this.nodesByAddress.get(address);
      if (node === undefined) {
        subscriber.error(new AerospikeError('connection_error', `no node registered at ${address}`, { node: label }));
        return;
      }
      node.connectCount++;
      if (node.disconnected) {
        subscriber.error(new AerospikeError('connection_error', `connection refused by ${address} (node ${node.id} is disconnected)`, { node: label }));
        return;
      }
      const outcome = node.connectQueue.shift() ?? 'ok';
      let connected = false;
      const inner = connectToObservable(outcome)
        .pipe(
          timeout({ each: connectTimeoutMs, with: () => throwError(() => timeoutError(`connect to ${address}`, connectTimeoutMs, label, false)), scheduler: this.scheduler }),
          take(1),
        )
        .subscribe({
          next: () => {
            connected = true;
            if (node.disconnected) {
              subscriber.error(new AerospikeError('connection_error', `connection to ${address} reset (node ${node.id} was disconnected)`, { node: label }));
              return;
            }
            const tls = config.tls !== undefined;
            const allowInsecureExternalAuth = config.allowInsecureExternalAuth;
            const state: HandleState = { node, label, infoTimeoutMs, loginTimeoutMs: connLoginTimeoutMs, maxFrameBytes, closed: false, deadReason: null, inFlight: [], pipeline, tls, allowInsecureExternalAuth };
            node.handles.add(state);
            subscriber.next(new FakeConnection(host, port, nodeName, state));
            subscriber.complete();
          },
          error: (err: unknown) => subscriber.error(withContext(err, label, false)),
          complete: () => {
            if (!connected) subscriber.error(new AerospikeError('connection_error', `connection to ${address} closed during connect`, { node: label }));
          },
        });
      return () => inner.unsubscribe();
    });
  }

  info$(conn: Connection, commands: readonly string[]): Observable<InfoReply> {
    const request = encodeInfoRequest(commands);
    const names = [...commands];
    return operation$<InfoReply>(conn, this.scheduler, (state) => ({
      shape: 'info',
      deadlineMs: state.infoTimeoutMs,
      inDoubt: true, // as on the socket: any error after the request was handed over
      mode: 'single',
      call: () => ({ kind: 'info', request, deadlineMs: state.infoTimeoutMs, options: undefined, commands: names }),
      script: () => this.take(state, 'info', state.node.infoQueues.get(infoKey(names)), `info ${JSON.stringify(names)}`),
      toValue: (raw) => ({ value: nullPrototypeCopy(raw as Readonly<Record<string, string>>), terminal: true }),
    }));
  }

  command$(conn: Connection, request: Request, deadlineMs: number, opts?: CommandOptions): Observable<Buffer> {
    return this.single$(conn, 'command', request, deadlineMs, opts);
  }

  commandStream$(conn: Connection, request: Request, deadlineMs: number, opts?: CommandOptions): Observable<Buffer> {
    return this.single$(conn, 'commandStream', request, deadlineMs, opts);
  }

  stream$(conn: Connection, request: Request, deadlineMs: number, opts?: StreamOptions): Observable<Buffer> {
    return this.streamWith$(conn, request, deadlineMs, opts, undefined);
  }

  /**
   * stream$ with backpressure, as TcpTransport's: frames queue up to a high-water mark, then the
   * script's frames wait (like bytes in a paused socket) and the read deadline stops until the loop
   * catches up. `break` tears down like unsubscribing and counts as a stream close.
   */
  frames(conn: Connection, request: Request, deadlineMs: number, opts?: FramesOptions): AsyncIterable<Buffer> {
    const flow = new FakeFlow();
    return backpressuredFrames(this.streamWith$(conn, request, deadlineMs, opts, flow), flow, opts);
  }

  private streamWith$(conn: Connection, request: Request, deadlineMs: number, opts: StreamOptions | undefined, flow: FakeFlow | undefined): Observable<Buffer> {
    checkStreamCall(request, deadlineMs, opts);
    const bytes = requestBytes(request);
    return operation$<Buffer>(conn, this.scheduler, (state) => ({
      shape: 'stream',
      deadlineMs,
      inDoubt: true,
      mode: 'stream',
      call: () => ({ kind: 'stream', request: bytes, deadlineMs, options: opts }),
      script: () => this.take(state, 'stream', state.node.streamQueue, 'stream', (s) => streamToObservable(s as StreamScript)),
      toValue: (raw, s) => checkStreamFrame(raw as Uint8Array, s.maxFrameBytes),
    }), flow);
  }

  login$(conn: Connection, opts: LoginOptions): Observable<LoginReply> {
    if (opts === null || typeof opts !== 'object') throw new TypeError(`login options must be an object, got ${describeValue(opts)}`);
    // the auth rules that depend on the connection (pki and external need TLS) apply to a handle of this transport
    const handle = FakeConnection.stateOf(conn);
    checkLoginOptions(opts, handle?.tls ?? true, handle?.allowInsecureExternalAuth ?? true, true);
    const loginTimeoutMs = opts.loginTimeoutMs;
    const recorded = { user: opts.user, authMode: opts.authMode, loginTimeoutMs: opts.loginTimeoutMs };
    return operation$<LoginReply>(conn, this.scheduler, (state) => {
      const deadlineMs = loginTimeoutMs ?? state.loginTimeoutMs;
      return {
        shape: 'login',
        deadlineMs,
        inDoubt: true,
        mode: 'single',
        call: () => ({ kind: 'login', request: Buffer.alloc(0), deadlineMs, options: recorded }),
        script: () => this.take(state, 'login', state.node.loginQueue, 'login'),
        toValue: (raw) => ({ value: raw as LoginReply, terminal: true }),
      };
    });
  }

  close(conn: Connection): void {
    const state = FakeConnection.stateOf(conn);
    if (state === undefined || state.closed) return;
    state.closed = true;
    state.node.closeCount++;
    killHandle(state, 'connection handle closed');
    abortAll(state, new AerospikeError('network_error', 'connection closed during the operation', { node: state.label }), true);
  }

  // ---- internals -----------------------------------------------------------------------------

  private single$(conn: Connection, shape: 'command' | 'commandStream', request: Request, deadlineMs: number, opts?: CommandOptions): Observable<Buffer> {
    const { kind } = checkCommandCall(request, deadlineMs, opts);
    const bytes = requestBytes(request);
    return operation$<Buffer>(conn, this.scheduler, (state) => ({
      shape,
      deadlineMs,
      inDoubt: true,
      mode: 'single',
      call: () => ({ kind: shape, request: bytes, deadlineMs, options: opts }),
      script: () =>
        this.take(state, shape, shape === 'command' ? state.node.commandQueue : state.node.commandStreamQueue, shape === 'command' ? 'command' : 'commandStream'),
      toValue: (raw, s) => ({ value: checkReplySize(raw as Uint8Array, s.maxFrameBytes, shape, kind), terminal: true }),
    }));
  }

  /** The next script of a queue, else the shape's default, else a no_script error. Consumes on call. */
  private take(
    state: HandleState,
    shape: OpShape,
    queue: unknown[] | undefined,
    what: string,
    convert: (entry: unknown) => Observable<unknown> = (entry) => entryToObservable(entry),
  ): Observable<unknown> {
    if (queue !== undefined && queue.length > 0) return convert(queue.shift());
    const responder = state.node.responder;
    if (responder !== undefined) {
      // operation$ logs the call before it takes a script, so the last call is this one
      const answer = responder(state.node.calls[state.node.calls.length - 1]!);
      if (answer !== undefined) return convert(answer);
    }
    if (this.defaults.has(shape)) return convert(this.defaults.get(shape));
    const node = state.node;
    return throwError(
      () => new AerospikeError('no_script', `no scripted ${what} reply for node ${node.id} (${node.address})`, { node: state.label }),
    );
  }

  private node(id: string): FakeNode {
    const node = this.nodesById.get(id);
    if (node === undefined) throw new Error(`no fake node registered with id ${id}`);
    return node;
  }
}

/** A copy of a request checkRequest accepted. */
function requestBytes(request: Request): Buffer {
  return request instanceof Uint8Array ? Buffer.from(request) : Buffer.concat(request as readonly Uint8Array[]);
}

function nullPrototypeCopy(record: Readonly<Record<string, string>>): InfoReply {
  const reply: Record<string, string> = Object.create(null);
  for (const name of Object.keys(record)) {
    Object.defineProperty(reply, name, { value: record[name], writable: true, enumerable: true, configurable: true });
  }
  return reply;
}
