// The 8-byte proto header: version (1), type (1), body length (48-bit big-endian).
// Decoding reports what is on the wire; callers validate where they use it (frame-decoder, transport).

import { PROTO_HEADER_SIZE, PROTO_MAX_LENGTH, PROTO_VERSION } from './constants';

export interface ProtoHeader {
  readonly version: number;
  readonly type: number;
  /** Body length: excludes the 8 header bytes. */
  readonly length: number;
}

/** Reads a header at `offset`; the caller guarantees 8 readable bytes. */
export function decodeProtoHeader(buf: Uint8Array, offset = 0): ProtoHeader {
  const b = buf;
  const o = offset;
  // 48-bit length as (high 16 bits) * 2^32 + (low 32 bits): exact in a double.
  const high = (b[o + 2]! << 8) | b[o + 3]!;
  const low = ((b[o + 4]! << 24) | (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]!) >>> 0;
  return { version: b[o]!, type: b[o + 1]!, length: high * 0x1_0000_0000 + low };
}

/** Writes a version-2 header for `type` and body `length` into `target` at `offset`. */
export function writeProtoHeader(target: Uint8Array, offset: number, type: number, length: number): void {
  if (!Number.isInteger(length) || length < 0 || length > PROTO_MAX_LENGTH) {
    throw new RangeError(`proto body length must be an integer in [0, 2^48), got ${length}`);
  }
  target[offset] = PROTO_VERSION;
  target[offset + 1] = type;
  const high = Math.floor(length / 0x1_0000_0000);
  const low = length >>> 0;
  target[offset + 2] = (high >>> 8) & 0xff;
  target[offset + 3] = high & 0xff;
  target[offset + 4] = (low >>> 24) & 0xff;
  target[offset + 5] = (low >>> 16) & 0xff;
  target[offset + 6] = (low >>> 8) & 0xff;
  target[offset + 7] = low & 0xff;
}

/** A fresh 8-byte version-2 header. */
export function encodeProtoHeader(type: number, length: number): Buffer {
  const header = Buffer.allocUnsafe(PROTO_HEADER_SIZE);
  writeProtoHeader(header, 0, type, length);
  return header;
}

/** A whole frame: header + body. */
export function encodeFrame(type: number, body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(PROTO_HEADER_SIZE + body.length);
  writeProtoHeader(frame, 0, type, body.length);
  frame.set(body, PROTO_HEADER_SIZE);
  return frame;
}
