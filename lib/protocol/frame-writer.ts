// Builds one AS_MSG request frame in a reused scratch buffer, front to back in one pass, and copies
// the finished frame out: a put writes its fields and bin values straight into place instead of making
// an object and a buffer per bin and then a second pass to lay them out. Pure: no sockets, no timers.

import { AS_MSG_HEADER_SIZE, MessageType, ParticleType, PROTO_HEADER_SIZE } from './constants';
import { RawValue } from './raw-value';
import { writeProtoHeader } from './proto-header';
import { isWellFormed, loneSurrogateError } from './utf8';
import { encodeBinValue, int64Bytes, type ValueInput } from './value';

const FIELD_HEADER_SIZE = 5;
const OP_HEADER_SIZE = 8;
const INITIAL_BYTES = 16 * 1024;

/** The header slots a request sets (all u32 values already checked by the caller). */
export interface RequestHeader {
  readonly info1: number;
  readonly info2: number;
  readonly info3: number;
  readonly generation: number;
  readonly recordTtl: number;
  readonly transactionTtl: number;
}

export class FrameWriter {
  private static shared: FrameWriter | undefined;
  private buf = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  private at = 0;
  private busy = false;

  /**
   * The shared writer, or a fresh one when it is in use: a getter on a bins object can run a put from
   * inside a put, and the two must not write into the same buffer.
   */
  static acquire(): FrameWriter {
    const shared = (FrameWriter.shared ??= new FrameWriter());
    const writer = shared.busy ? new FrameWriter() : shared;
    writer.busy = true;
    writer.at = PROTO_HEADER_SIZE + AS_MSG_HEADER_SIZE;
    return writer;
  }

  release(): void {
    this.busy = false;
    // a huge value grew the shared buffer: keep a normal size between calls
    if (this.buf.length > 4 * INITIAL_BYTES) this.buf = Buffer.allocUnsafeSlow(INITIAL_BYTES);
  }

  /** Room for `n` more bytes; returns the (possibly new) buffer. */
  private room(n: number): Buffer {
    const need = this.at + n;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(need, 2 * this.buf.length));
      this.buf.copy(grown, 0, 0, this.at);
      this.buf = grown;
    }
    return this.buf;
  }

  field(type: number, data: Uint8Array): void {
    const b = this.room(FIELD_HEADER_SIZE + data.length);
    const at = this.at;
    b.writeUInt32BE(data.length + 1, at); // size counts the type byte
    b[at + 4] = type;
    b.set(data, at + FIELD_HEADER_SIZE);
    this.at = at + FIELD_HEADER_SIZE + data.length;
  }

  /** One op with its value given as particle bytes. */
  op(op: number, particleType: number, name: Uint8Array, value: Uint8Array): void {
    const b = this.room(OP_HEADER_SIZE + name.length + value.length);
    const at = this.at;
    b.writeUInt32BE(4 + name.length + value.length, at);
    b[at + 4] = op;
    b[at + 5] = particleType;
    b[at + 6] = 0;
    b[at + 7] = name.length;
    b.set(name, at + OP_HEADER_SIZE);
    b.set(value, at + OP_HEADER_SIZE + name.length);
    this.at = at + OP_HEADER_SIZE + name.length + value.length;
  }

  /**
   * One op carrying `value` as a bin value, written in place for strings, numbers, booleans, null and
   * byte arrays; anything else goes through encodeBinValue. `pathOf(binName)` names the value in errors
   * (asked only when needed).
   */
  binOp(op: number, binName: string, name: Uint8Array, value: ValueInput, pathOf: (binName: string) => string): void {
    const nameLength = name.length;
    let b = this.room(OP_HEADER_SIZE + nameLength + 9);
    const start = this.at;
    const valueAt = start + OP_HEADER_SIZE + nameLength;
    let particleType: number;
    let valueLength: number;
    switch (typeof value) {
      case 'string':
        // UTF-8 takes at most 3 bytes per UTF-16 unit
        b = this.room(OP_HEADER_SIZE + nameLength + 3 * value.length);
        particleType = ParticleType.STRING;
        valueLength = b.write(value, valueAt, 'utf8');
        // as many bytes as units: all ASCII; else a lone surrogate would have been written as U+FFFD
        if (valueLength !== value.length && !isWellFormed(value)) throw loneSurrogateError(value, pathOf(binName));
        break;
      case 'number':
        if (Number.isSafeInteger(value)) {
          particleType = ParticleType.INTEGER;
          const high = Math.floor(value / 0x1_0000_0000);
          b.writeInt32BE(high, valueAt);
          b.writeUInt32BE(value - high * 0x1_0000_0000, valueAt + 4);
          valueLength = 8;
        } else if (Number.isInteger(value)) {
          // an unsafe integer: int64Bytes throws the RangeError that names it
          int64Bytes(value, pathOf(binName));
          return;
        } else {
          particleType = ParticleType.DOUBLE;
          b.writeDoubleBE(value, valueAt);
          valueLength = 8;
        }
        break;
      case 'boolean':
        particleType = ParticleType.BOOL;
        b[valueAt] = value ? 1 : 0;
        valueLength = 1;
        break;
      default: {
        const raw = value === null ? NULL_VALUE : encodeBinValue(value, pathOf(binName));
        particleType = raw.particleType;
        valueLength = raw.bytes.length;
        b = this.room(OP_HEADER_SIZE + nameLength + valueLength);
        b.set(raw.bytes, valueAt);
        break;
      }
    }
    b.writeUInt32BE(4 + nameLength + valueLength, start); // op, particle, flags, name_len + name + value
    b[start + 4] = op;
    b[start + 5] = particleType;
    b[start + 6] = 0;
    b[start + 7] = nameLength;
    b.set(name, start + OP_HEADER_SIZE);
    this.at = valueAt + valueLength;
  }

  /** The proto and AS_MSG headers written at the front, and the whole frame copied out. */
  finish(header: RequestHeader, fieldCount: number, opCount: number): Buffer {
    const b = this.buf;
    const size = this.at - PROTO_HEADER_SIZE;
    writeProtoHeader(b, 0, MessageType.AS_MSG, size);
    const at = PROTO_HEADER_SIZE;
    b[at] = AS_MSG_HEADER_SIZE;
    b[at + 1] = header.info1 & 0xff;
    b[at + 2] = header.info2 & 0xff;
    b[at + 3] = header.info3 & 0xff;
    b[at + 4] = 0;
    b[at + 5] = 0;
    b.writeUInt32BE(header.generation, at + 6);
    b.writeUInt32BE(header.recordTtl, at + 10);
    b.writeUInt32BE(header.transactionTtl, at + 14);
    b.writeUInt16BE(fieldCount, at + 18);
    b.writeUInt16BE(opCount, at + 20);
    const frame = Buffer.allocUnsafe(this.at);
    b.copy(frame, 0, 0, this.at);
    return frame;
  }
}

const NULL_VALUE = new RawValue(ParticleType.NULL, Buffer.alloc(0));
