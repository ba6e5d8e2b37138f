// SimulatedNode: a real loopback TCP server speaking enough Aerospike for specs, the demo and
// benchmarks (info, as_msg key commands, scan, batch, login, compression) with injectable faults,
// including a crash (kill) and restart (revive) on the same port. Test support only: it owns its
// sockets and timers and leaves none behind after stop().

import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { inflateCompressedBody } from '../protocol/compression';
import { DEFAULT_MAX_FRAME_BYTES, MessageType } from '../protocol/constants';
import { FrameDecoder, type Frame } from '../protocol/frame-decoder';
import { handleAsMsg } from './simulated-as-msg';
import { reservePort, type PortReservation } from './port-reservation';
import { SimulatedAuth } from './simulated-auth';
import { clusterInfoValue, soloMemberState } from './simulated-cluster-info';
import { infoReplyFrame } from './simulated-info';
import type { RequestKind, SimulatedFaults, SimulatedNodeOptions, SimulatedNodeStats } from './simulated-node-options';
import { SimulatedStore } from './simulated-store';

export type { SyntheticScan } from './simulated-as-msg';
export type { RequestKind, SimulatedFaults, SimulatedNodeCluster, SimulatedNodeOptions, SimulatedNodeStats } from './simulated-node-options';

interface ConnectionState {
  readonly socket: Socket;
  readonly decoder: FrameDecoder;
  readonly queue: Frame[];
  busy: boolean;
  authenticated: boolean;
  bytesWritten: number;
  stalled: boolean;
  closed: boolean;
  timer: NodeJS.Timeout | undefined;
}

const REQUEST_KINDS: readonly RequestKind[] = ['info', 'get', 'exists', 'put', 'delete', 'scan', 'batch', 'unsupported', 'login', 'authenticate', 'admin', 'compressed'];

export class SimulatedNode {
  readonly host: string;
  readonly store: SimulatedStore;
  /** Faults in force; replace them at any time with setFaults (read at each write). */
  faults: SimulatedFaults;
  private readonly options: SimulatedNodeOptions;
  private readonly auth: SimulatedAuth;
  private readonly server: Server;
  private readonly connections = new Set<ConnectionState>();
  private readonly counts = { opened: 0, closed: 0, parseErrors: 0, replyBytes: 0 };
  private readonly requestCounts: Record<RequestKind, number> = Object.fromEntries(REQUEST_KINDS.map((k) => [k, 0])) as Record<RequestKind, number>;
  private readonly infoCounts = new Map<string, number>();
  private boundPort = 0;
  private listening = false;
  private reservation: PortReservation | undefined;

  private constructor(options: SimulatedNodeOptions) {
    const { maxRecordSize } = options;
    if (maxRecordSize !== undefined && (typeof maxRecordSize !== 'number' || !Number.isInteger(maxRecordSize) || maxRecordSize < 1)) {
      throw new RangeError(`maxRecordSize must be a positive integer, got ${String(maxRecordSize)}`);
    }
    this.options = options;
    this.host = options.host ?? '127.0.0.1';
    this.faults = options.faults ?? {};
    const clock = options.clock ?? Date.now;
    this.store = options.store ?? new SimulatedStore(clock, options.defaultTtlSeconds ?? 0);
    this.auth = new SimulatedAuth(options.users, options.sessionTtlSeconds ?? 86_400, clock);
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: SimulatedNodeOptions = {}): Promise<SimulatedNode> {
    const node = new SimulatedNode(options);
    await new Promise<void>((resolve, reject) => {
      node.server.once('error', reject);
      node.server.listen(options.port ?? 0, node.host, () => {
        node.server.off('error', reject);
        resolve();
      });
    });
    node.boundPort = (node.server.address() as AddressInfo).port;
    node.listening = true;
    return node;
  }

  get port(): number {
    return this.boundPort;
  }

  /** The `node` info value. */
  get name(): string {
    return this.options.nodeName ?? 'BB9000000000001';
  }

  /** False between kill() and revive() (and after stop()). */
  get alive(): boolean {
    return this.listening;
  }

  get stats(): SimulatedNodeStats {
    return {
      connectionsOpened: this.counts.opened,
      connectionsClosed: this.counts.closed,
      requests: { ...this.requestCounts },
      infoNames: Object.fromEntries(this.infoCounts),
      parseErrors: this.counts.parseErrors,
      replyBytes: this.counts.replyBytes,
    };
  }

  setFaults(faults: SimulatedFaults): void {
    this.faults = faults;
  }

  /** Fills a set with `count` records (integer keys 0..count-1, bins `n` and a `data` blob of binBytes). */
  seed(namespace: string, set: string, count: number, binBytes = 0): void {
    this.store.seed(namespace, set, count, binBytes);
  }

  /** Destroys every connection (server side) without stopping the server. */
  dropConnections(): void {
    for (const conn of this.connections) conn.socket.destroy();
  }

  /**
   * A crash: stops listening and destroys every connection; the port stays bound (not listening),
   * so connects are refused until revive(). Inside a SimulatedCluster use cluster.kill, which also
   * tells the other nodes.
   */
  async kill(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = this.closeServer();
    // the listener's fd is closed synchronously by close(): bind the port again before anything else runs
    this.reservation = reservePort(this.host, this.boundPort);
    await closed;
  }

  /** A restart after kill(): listens on the same port again (records, stats and sessions are kept). */
  async revive(): Promise<void> {
    if (this.listening) return;
    const reservation = this.reservation;
    this.reservation = undefined;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      const listening = (): void => {
        this.server.off('error', reject);
        resolve();
      };
      if (reservation !== undefined) this.server.listen(reservation.handle, listening);
      else this.server.listen(this.boundPort, this.host, listening);
    });
    this.listening = true;
  }

  /** Closes every socket and the listener; resolves when no handle is left. */
  async stop(): Promise<void> {
    this.listening = false;
    this.reservation?.release();
    this.reservation = undefined;
    await this.closeServer();
  }

  private async closeServer(): Promise<void> {
    // resolves on ERR_SERVER_NOT_RUNNING too, so a second stop() is harmless
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const conn of this.connections) {
      clearTimeout(conn.timer);
      conn.socket.destroy();
    }
    await closed;
    // 'close' is emitted before libuv's close phase releases the handles; two check phases later it has run
    await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  private accept(socket: Socket): void {
    this.counts.opened++;
    socket.setNoDelay(true);
    const conn: ConnectionState = {
      socket,
      decoder: new FrameDecoder({ maxFrameBytes: this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES }),
      queue: [],
      busy: false,
      authenticated: !this.auth.enabled,
      bytesWritten: 0,
      stalled: false,
      closed: false,
      timer: undefined,
    };
    this.connections.add(conn);
    socket.on('data', (chunk: Buffer) => {
      if (conn.closed) return;
      try {
        conn.decoder.push(chunk, (frame) => conn.queue.push(frame));
      } catch {
        this.parseFailure(conn);
        return;
      }
      this.pump(conn);
    });
    socket.on('error', () => undefined); // a reset by the client is normal here; 'close' follows
    socket.on('close', () => {
      conn.closed = true;
      clearTimeout(conn.timer);
      conn.timer = undefined;
      this.connections.delete(conn);
      this.counts.closed++;
    });
  }

  private parseFailure(conn: ConnectionState): void {
    this.counts.parseErrors++;
    conn.closed = true;
    conn.socket.destroy();
  }

  /** Handles queued requests one at a time, in order; a reply is fully written before the next starts. */
  private pump(conn: ConnectionState): void {
    while (!conn.busy && !conn.closed && conn.queue.length > 0) {
      const frame = conn.queue.shift()!;
      let replies: Iterable<Buffer>;
      try {
        replies = this.handle(conn, frame);
      } catch {
        this.parseFailure(conn);
        return;
      }
      conn.busy = true;
      const delayMs = this.faults.delayMs ?? 0;
      const send = (): void => {
        conn.timer = undefined;
        this.writeAll(conn, replies[Symbol.iterator](), () => {
          conn.busy = false;
          this.pump(conn);
        });
      };
      if (delayMs > 0) conn.timer = setTimeout(send, delayMs);
      else send();
    }
  }

  /** Writes frames as the socket drains; a lazily built scan never sits in memory whole. */
  private writeAll(conn: ConnectionState, frames: Iterator<Buffer>, done: () => void): void {
    for (;;) {
      if (conn.closed) return;
      let next: IteratorResult<Buffer>;
      try {
        next = frames.next();
      } catch {
        this.parseFailure(conn);
        return;
      }
      if (next.done === true) {
        done();
        return;
      }
      if (!this.write(conn, next.value)) {
        if (conn.closed || conn.stalled) return;
        conn.socket.once('drain', () => this.writeAll(conn, frames, done));
        return;
      }
    }
  }

  /** Writes within the byte faults; false when the socket wants a drain (or writing stopped). */
  private write(conn: ConnectionState, bytes: Buffer): boolean {
    if (conn.stalled) return false;
    const { closeAfterBytes, stallAfterBytes } = this.faults;
    const limit = Math.min(closeAfterBytes ?? Infinity, stallAfterBytes ?? Infinity);
    const room = limit - conn.bytesWritten;
    const take = Math.max(0, Math.min(room, bytes.length));
    const flowing = take > 0 ? conn.socket.write(take === bytes.length ? bytes : bytes.subarray(0, take)) : true;
    conn.bytesWritten += take;
    this.counts.replyBytes += take;
    if (closeAfterBytes !== undefined && conn.bytesWritten >= closeAfterBytes) {
      conn.closed = true;
      conn.socket.end(() => conn.socket.destroy());
      return false;
    }
    if (take < bytes.length) {
      conn.stalled = true;
      return false;
    }
    return flowing;
  }

  private handle(conn: ConnectionState, frame: Frame): Iterable<Buffer> {
    switch (frame.type) {
      case MessageType.INFO:
        this.requestCounts.info++;
        for (const name of frame.body.toString('utf8').split('\n')) if (name.length > 0) this.infoCounts.set(name, (this.infoCounts.get(name) ?? 0) + 1);
        // before login on a security-enabled node every name answers ERROR:80 (the socket stays open)
        return [infoReplyFrame(frame.body, this.infoContext(), conn.authenticated)];
      case MessageType.ADMIN: {
        const reply = this.auth.handle(frame.body, conn.authenticated);
        this.requestCounts[reply.kind]++;
        conn.authenticated = reply.authenticated;
        return [reply.frame];
      }
      case MessageType.AS_MSG_COMPRESSED: {
        this.requestCounts.compressed++;
        const inner = inflateCompressedBody(frame.body, this.options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
        return this.asMsg(conn, inner.subarray(8));
      }
      default:
        return this.asMsg(conn, frame.body);
    }
  }

  private asMsg(conn: ConnectionState, body: Buffer): Iterable<Buffer> {
    const reply = handleAsMsg(body, {
      store: this.store,
      namespaces: this.namespaces,
      compression: this.options.compression ?? true,
      scanFrameBytes: this.options.scanFrameBytes ?? 128 * 1024,
      scanLastInFinalFrame: this.options.scanLastInFinalFrame ?? false,
      authenticated: conn.authenticated,
      maxRecordSize: this.options.maxRecordSize,
      syntheticScan: this.options.syntheticScan,
      partitionAccess: this.options.cluster?.partitionAccess.bind(this.options.cluster),
    });
    this.requestCounts[reply.kind]++;
    return reply.frames;
  }

  private get namespaces(): readonly string[] {
    return this.options.namespaces ?? ['test'];
  }

  private infoContext(): Parameters<typeof infoReplyFrame>[1] {
    const cluster = this.options.cluster;
    return {
      nodeName: this.name,
      build: this.options.build ?? '8.1.2.0',
      namespaces: this.namespaces,
      compression: this.options.compression ?? true,
      clusterName: this.options.clusterName,
      truncate: (namespace, set) => this.store.truncate(namespace, set),
      statistics: () => ({
        cluster_size: 1,
        objects: this.store.count(),
        client_connections: this.connections.size,
        client_connections_opened: this.counts.opened,
        client_connections_closed: this.counts.closed,
        ...cluster?.statistics(),
      }),
      clusterValue:
        cluster !== undefined
          ? (name) => cluster.info(name)
          : (name) => clusterInfoValue(name, soloMemberState({ name: this.name, host: this.host, port: this.boundPort }, this.namespaces, (ns) => this.store.count(ns))),
    };
  }
}
