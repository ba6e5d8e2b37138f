// The raw baseline: the least a correct node:net client must do to speak the same exchanges. One
// socket, no rxjs, no per-operation objects; frames are cut by their 8-byte header and handed to a
// single per-connection callback. Benchmark support only.

import { connect, type Socket } from 'node:net';

const HEADER = 8;
const INFO3_LAST = 0x01;

/**
 * One socket and one accumulation strategy, the cheapest we know: a frame wholly inside a chunk is
 * a zero-copy view; a frame spanning chunks is copied once into a buffer sized from its header.
 */
export class RawConnection {
  /** Receives every whole frame (header included), in order. */
  onFrame: (frame: Buffer) => void = () => undefined;
  private readonly header = Buffer.alloc(HEADER);
  private headerFill = 0;
  private frame: Buffer | null = null;
  private frameFill = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('error', (err) => {
      throw err;
    });
  }

  /** Over an already connected socket (the overhead bench passes an in-memory one). */
  static over(socket: Socket): RawConnection {
    return new RawConnection(socket);
  }

  static open(host: string, port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true }, () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  write(request: Buffer): void {
    this.socket.write(request);
  }

  close(): void {
    this.socket.destroy();
  }

  private readonly onData = (data: Buffer): void => {
    let offset = 0;
    const end = data.length;
    while (offset < end) {
      if (this.frame !== null) {
        const take = Math.min(end - offset, this.frame.length - this.frameFill);
        data.copy(this.frame, this.frameFill, offset, offset + take);
        this.frameFill += take;
        offset += take;
        if (this.frameFill < this.frame.length) return;
        const frame = this.frame;
        this.frame = null;
        this.onFrame(frame);
      } else if (this.headerFill === 0 && end - offset >= HEADER) {
        const frameEnd = offset + HEADER + bodyLength(data, offset);
        if (frameEnd <= end) {
          this.onFrame(data.subarray(offset, frameEnd));
          offset = frameEnd;
        } else {
          this.frame = Buffer.allocUnsafe(frameEnd - offset);
          this.frameFill = 0;
        }
      } else {
        const take = Math.min(end - offset, HEADER - this.headerFill);
        data.copy(this.header, this.headerFill, offset, offset + take);
        this.headerFill += take;
        offset += take;
        if (this.headerFill < HEADER) return;
        this.headerFill = 0;
        this.frame = Buffer.allocUnsafe(HEADER + bodyLength(this.header, 0));
        this.header.copy(this.frame, 0);
        this.frameFill = HEADER;
        if (this.frame.length === HEADER) {
          const frame = this.frame;
          this.frame = null;
          this.onFrame(frame);
        }
      }
    }
  };
}

function bodyLength(buf: Buffer, offset: number): number {
  return buf.readUInt16BE(offset + 2) * 0x1_0000_0000 + buf.readUInt32BE(offset + 4);
}

/** True when a plain as_msg frame holds a record with INFO3_LAST (every record is walked, as the library does). */
export function rawHasLast(frame: Buffer): boolean {
  let at = HEADER;
  while (at + 22 <= frame.length) {
    if ((frame[at + 3]! & INFO3_LAST) !== 0) return true;
    const fieldCount = frame.readUInt16BE(at + 18);
    const opCount = frame.readUInt16BE(at + 20);
    at += frame[at]!; // header size, 22
    for (let i = 0; i < fieldCount + opCount; i++) at += 4 + frame.readUInt32BE(at);
  }
  return false;
}
