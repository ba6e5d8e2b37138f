// A bare node:net client for specs of the simulated node: writes whole frames and reads replies
// with this package's FrameDecoder, so the node is checked against our own codecs. Spec support only.

import { connect, type Socket } from 'node:net';
import { findAsMsgLast } from '../../lib/protocol/as-msg';
import { inflateCompressedBody } from '../../lib/protocol/compression';
import { DEFAULT_MAX_FRAME_BYTES, MessageType } from '../../lib/protocol/constants';
import { FrameDecoder, makeFrame, type Frame } from '../../lib/protocol/frame-decoder';

export class RawClient {
  /** Every byte received, in order. */
  readonly received: Buffer[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder();
  private readonly frames: Frame[] = [];
  private waiter: (() => void) | undefined;
  private isClosed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      this.decoder.push(chunk, (frame) => this.frames.push(makeFrame(Buffer.from(frame.bytes))));
      this.waiter?.();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.waiter?.();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new RawClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get receivedBytes(): number {
    return this.received.reduce((n, b) => n + b.length, 0);
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  send(...frames: Buffer[]): void {
    this.socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }

  /** The next whole frame; rejects after `timeoutMs` or when the socket closes first. */
  async next(timeoutMs = 2000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.isClosed) throw new Error('socket closed before a frame arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.frames.shift()!;
  }

  /** One request → its single reply frame; type 4 is inflated to the inner frame. */
  async request(frame: Buffer): Promise<Frame> {
    this.send(frame);
    return inflated(await this.next());
  }

  /** Frames until one holds an INFO3_LAST record (each inflated when compressed). */
  async untilLast(): Promise<Frame[]> {
    const out: Frame[] = [];
    for (;;) {
      const frame = inflated(await this.next());
      out.push(frame);
      if (frame.type === MessageType.AS_MSG && findAsMsgLast(frame.body) !== undefined) return out;
    }
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}

export function inflated(frame: Frame): Frame {
  return frame.type === MessageType.AS_MSG_COMPRESSED ? makeFrame(inflateCompressedBody(frame.body, DEFAULT_MAX_FRAME_BYTES)) : frame;
}

/** TCP handles (client sockets and servers) alive in this process. */
export function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;
}

interface HandleLike {
  readonly localPort?: number;
  readonly remotePort?: number;
  address?(): unknown;
  getsockname?(out: { port?: number }): number;
}

/**
 * TCP handles of this process on a loopback port: its listener (or a bare bound handle, as a port
 * reservation), the node's side of each connection and each client socket connected to it. Unlike
 * tcpHandles() it cannot be moved by sockets of other specs that are still closing. Uses
 * process._getActiveHandles (undocumented, present in Node 20+); a destroyed socket whose close is
 * still pending has no port and is not counted.
 */
export function tcpHandlesOn(port: number): number {
  const handles = (process as unknown as { _getActiveHandles(): HandleLike[] })._getActiveHandles();
  let count = 0;
  for (const h of handles) {
    if (h.localPort === port || h.remotePort === port) count++;
    else if (h.localPort === undefined && typeof h.address === 'function') {
      const address = h.address() as { port?: number } | null | string;
      if (typeof address === 'object' && address?.port === port) count++;
    } else if (h.localPort === undefined && typeof h.getsockname === 'function') {
      const out: { port?: number } = {};
      if (h.getsockname(out) === 0 && out.port === port) count++;
    }
  }
  return count;
}
