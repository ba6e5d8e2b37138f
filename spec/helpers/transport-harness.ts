// Shared setup of the TcpTransport specs: one loopback server per spec file whose script each spec
// sets, the connections a spec opened (closed after it), outcome capture of an Observable, error
// matchers by code + message, and the leak check that runs after the file.

import { firstValueFrom, Observable } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import { TcpTransport, type TcpTransportOptions } from '../../lib/net/tcp-transport';
import type { CommandOptions, Connection, ConnectOptions, NodeTransport, Request } from '../../lib/node-transport';
import { asMsgFrame, asMsgRecord } from '../../lib/testing/frame-builders';
import { LoopbackServer, sleep, type Peer, type Script } from './loopback-server';

/** What an Observable did: its values, and whether it completed or errored. */
export interface Outcome<T> {
  readonly values: T[];
  readonly error: unknown;
  readonly completed: boolean;
}

/** Subscribes and resolves once `source` completes or errors. */
export function outcome<T>(source: Observable<T>): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const values: T[] = [];
    source.subscribe({
      next: (v) => values.push(v),
      error: (error: unknown) => resolve({ values, error, completed: false }),
      complete: () => resolve({ values, error: undefined, completed: true }),
    });
  });
}

/** Checks an AerospikeError by code and a message substring (never by stack). */
export function expectAerospikeError(error: unknown, code: string, messagePart?: string): AerospikeError {
  expect(error).toBeInstanceOf(AerospikeError);
  const e = error as AerospikeError;
  expect(e.code).withContext(e.message).toBe(code);
  if (messagePart !== undefined) expect(e.message).toContain(messagePart);
  return e;
}

/** The error `fn` throws synchronously (or undefined). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** A small valid as_msg request (one record, namespace field). */
export function smallRequest(generation = 0): Buffer {
  return asMsgFrame(asMsgRecord({ info1: 1, generation, fields: [{ type: 0, data: 'test' }] }));
}

/** A compressible as_msg request whose whole frame is `totalBytes` long (at least 35). */
export function paddedRequest(totalBytes: number, fill: (n: number) => Buffer = (n) => Buffer.alloc(n, 0x61)): Buffer {
  // 8 proto header + 22 as_msg header + 5 field header
  return asMsgFrame(asMsgRecord({ info1: 1, fields: [{ type: 0, data: fill(totalBytes - 35) }] }));
}

/** Script: for each request read, writes the next reply (whole); then waits for the client to go. */
export function replies(...frames: Buffer[]): Script {
  return async (peer) => {
    for (const frame of frames) {
      if ((await peer.readFrame()) === undefined) return;
      peer.write(frame);
    }
  };
}

/** Script: reads requests and never answers. */
export const silent: Script = async (peer) => {
  while ((await peer.readFrame()) !== undefined);
};

const OUR_RESOURCES = ['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'Timeout', 'PipeWrap'];

function countOurs(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) if (OUR_RESOURCES.includes(type)) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

/** Resolves with the leftover resources once none of ours remain beyond `baseline`, or after `waitMs`. */
export async function leftovers(baseline: Record<string, number>, waitMs = 1000): Promise<Record<string, number>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const now = countOurs();
    const extra: Record<string, number> = {};
    for (const [type, n] of Object.entries(now)) if (n > (baseline[type] ?? 0)) extra[type] = n - (baseline[type] ?? 0);
    if (Object.keys(extra).length === 0 || Date.now() > deadline) return extra;
    await sleep(10);
  }
}

export class TransportHarness {
  server!: LoopbackServer;
  /** The script of the peers accepted during the current spec. */
  script: Script = silent;
  transport = new TcpTransport();
  private conns: Connection[] = [];
  private firstPeer = 0;
  private baseline: Record<string, number> = {};

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  /** The i-th peer accepted during the current spec. */
  peer(i = 0): Promise<Peer> {
    return this.server.peer(this.firstPeer + i);
  }

  /** Peers accepted so far during the current spec. */
  get peerCount(): number {
    return this.server.peers.length - this.firstPeer;
  }

  /** A transport with these options whose connections are closed after the spec. */
  useTransport(options: TcpTransportOptions): TcpTransport {
    this.transport = new TcpTransport(options);
    return this.transport;
  }

  /** Opens a connection to the loopback server (closed after the spec). */
  async connect(opts?: ConnectOptions): Promise<Connection> {
    const conn = await firstValueFrom(this.transport.connect$(this.host, this.port, opts));
    return this.track(conn);
  }

  track(conn: Connection): Connection {
    this.conns.push(conn);
    return conn;
  }

  /** Registers beforeAll / afterEach / afterAll of the enclosing describe, leak check included. */
  install(): this {
    beforeAll(async () => {
      this.baseline = countOurs();
      this.server = await LoopbackServer.start((peer) => this.script(peer));
    });
    beforeEach(() => {
      this.script = silent;
      this.transport = new TcpTransport();
      this.firstPeer = this.server.peers.length;
    });
    afterEach(() => {
      for (const c of this.conns) this.transport.close(c);
      this.conns = [];
    });
    afterAll(async () => {
      // Before the server drops its side: every client socket must already be gone.
      const deadline = Date.now() + 1000;
      while (this.server.peers.some((p) => !p.clientClosed) && Date.now() < deadline) await sleep(10);
      const open = this.server.peers.filter((p) => !p.clientClosed).length;
      expect(open).withContext('client sockets still open after the spec file').toBe(0);
      await this.server.stop();
      expect(await leftovers(this.baseline)).withContext('sockets, servers or timers left after the spec file').toEqual({});
    });
    return this;
  }
}

/** True when the peer's socket closes within `ms` (the server saw the client go). */
export async function closedWithin(peer: Peer, ms = 1000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([peer.closed.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** commandCall seen as command$: reply → next + complete, fail → error, unsubscribe → cancel. */
export function viaCommandCall(transport: NodeTransport, conn: Connection, request: Request, deadlineMs: number, opts?: CommandOptions): Observable<Buffer> {
  return new Observable<Buffer>((subscriber) => {
    const call = transport.commandCall!(conn, request, deadlineMs, opts, {
      reply: (body) => {
        subscriber.next(body);
        subscriber.complete();
      },
      fail: (error) => subscriber.error(error),
    });
    return () => call.cancel();
  });
}
