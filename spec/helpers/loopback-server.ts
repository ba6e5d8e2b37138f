// A scripted loopback server for transport specs: 127.0.0.1, port 0, plain TCP or TLS.
// Each accepted socket is handed to the script as a Peer that reads whole request frames and
// writes bytes as told (whole, split, drip-fed, then close / reset / stall).

import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { PROTO_HEADER_SIZE } from '../../lib/protocol/constants';

export class Peer {
  private buffered = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  private ended = false;
  /** Resolves when the socket is fully closed (by either side). */
  readonly closed: Promise<void>;
  /** True once the client closed or reset its side. */
  clientClosed = false;
  readonly received: Buffer[] = [];

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('end', () => {
      this.ended = true;
      this.clientClosed = true;
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.clientClosed = true;
        this.wake();
        resolve();
      }),
    );
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async need(n: number): Promise<boolean> {
    while (this.buffered.length < n) {
      if (this.ended) return false;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return true;
  }

  /** The next whole request frame (header + body), or undefined when the client went away first. */
  async readFrame(): Promise<Buffer | undefined> {
    if (!(await this.need(PROTO_HEADER_SIZE))) return undefined;
    const length = this.buffered.readUInt16BE(2) * 2 ** 32 + this.buffered.readUInt32BE(4);
    if (!(await this.need(PROTO_HEADER_SIZE + length))) return undefined;
    const frame = this.buffered.subarray(0, PROTO_HEADER_SIZE + length);
    this.buffered = this.buffered.subarray(PROTO_HEADER_SIZE + length);
    return Buffer.from(frame);
  }

  write(...chunks: Uint8Array[]): void {
    for (const c of chunks) if (!this.socket.destroyed) this.socket.write(c);
  }

  /** Writes `bytes` in pieces of `size` bytes, `delayMs` apart. */
  async drip(bytes: Uint8Array, size = 1, delayMs = 1): Promise<void> {
    for (let i = 0; i < bytes.length && !this.socket.destroyed; i += size) {
      this.socket.write(bytes.subarray(i, i + size));
      await sleep(delayMs);
    }
  }

  /**
   * Writes `bytes` in pieces whose sizes cycle through `sizes`, yielding to the event loop between
   * pieces so the client tends to read them separately (TCP may still merge some).
   */
  async chunked(bytes: Uint8Array, sizes: readonly number[]): Promise<void> {
    this.socket.setNoDelay(true);
    for (let i = 0, k = 0; i < bytes.length && !this.socket.destroyed; k++) {
      const size = Math.max(1, sizes[k % sizes.length]!);
      this.socket.write(bytes.subarray(i, i + size));
      i += size;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Clean close (FIN). */
  end(): void {
    this.socket.end();
  }

  /** Abortive close (RST). */
  reset(): void {
    this.socket.resetAndDestroy();
  }
}

export type Script = (peer: Peer) => void | Promise<void>;

export class LoopbackServer {
  readonly peers: Peer[] = [];
  private readonly sockets = new Set<Socket>();
  private arrivals: Array<() => void> = [];

  private constructor(
    private readonly server: Server,
    private readonly script: Script,
  ) {}

  static start(script: Script, tls?: TlsOptions): Promise<LoopbackServer> {
    let self: LoopbackServer;
    const onSocket = (socket: Socket): void => self.accept(socket);
    const server = tls !== undefined ? createTlsServer(tls, onSocket) : createServer(onSocket);
    self = new LoopbackServer(server, script);
    if (tls !== undefined) server.on('tlsClientError', () => undefined);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(self));
    });
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('server is not listening');
    return address.port;
  }

  readonly host = '127.0.0.1';

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const peer = new Peer(socket);
    this.peers.push(peer);
    const arrivals = this.arrivals;
    this.arrivals = [];
    for (const a of arrivals) a();
    Promise.resolve()
      .then(() => this.script(peer))
      .catch(() => socket.destroy());
  }

  /** Resolves with the n-th accepted peer (0-based) once it has connected. */
  async peer(index = 0): Promise<Peer> {
    while (this.peers.length <= index) await new Promise<void>((resolve) => this.arrivals.push(resolve));
    return this.peers[index]!;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Handles still open in the process, by type (sockets, servers, timers), for leak checks. */
export function activeHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}
