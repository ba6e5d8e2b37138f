// Type-4 (AS_MSG_COMPRESSED) envelopes: wrapping outbound frames and unwrapping inbound ones (protocol.md §5).
// Pure computation over node:zlib's sync API; no sockets, no timers. Every inbound size is checked
// before anything is allocated for it, and inflation never produces more than the declared size.

import { deflateSync, inflateSync } from 'node:zlib';
import { parseError } from '../errors';
import {
  COMPRESS_THRESHOLD,
  COMPRESSED_SIZE_PREFIX,
  MessageType,
  PROTO_HEADER_SIZE,
  PROTO_VERSION,
} from './constants';
import { decodeProtoHeader, writeProtoHeader } from './proto-header';

/** Always wraps: type-4 header, 8-byte big-endian size of the whole inner frame, zlib of the whole inner frame. */
export function compressFrame(frame: Uint8Array): Buffer {
  const deflated = deflateSync(frame);
  const bodyLength = COMPRESSED_SIZE_PREFIX + deflated.length;
  const envelope = Buffer.allocUnsafe(PROTO_HEADER_SIZE + bodyLength);
  writeProtoHeader(envelope, 0, MessageType.AS_MSG_COMPRESSED, bodyLength);
  writeUInt64BE(envelope, PROTO_HEADER_SIZE, frame.length);
  deflated.copy(envelope, PROTO_HEADER_SIZE + COMPRESSED_SIZE_PREFIX);
  return envelope;
}

/**
 * The frame to send when compression is on: the input itself when the whole frame is at most
 * 128 bytes or the envelope would not be strictly smaller; otherwise the type-4 envelope.
 */
export function maybeCompressFrame(frame: Buffer): Buffer {
  if (frame.length <= COMPRESS_THRESHOLD) return frame;
  const envelope = compressFrame(frame);
  return envelope.length < frame.length ? envelope : frame;
}

/**
 * Unwraps the body of a type-4 frame into the inner whole frame (8-byte header + body), which
 * must be a complete version-2 type-3 frame of exactly the declared size. The declared size is
 * checked against `maxFrameBytes` (a body cap, so + 8 for the inner header) before inflating.
 */
export function inflateCompressedBody(body: Uint8Array, maxFrameBytes: number): Buffer {
  const what = 'compressed frame';
  if (body.length < COMPRESSED_SIZE_PREFIX) {
    throw parseError(`${what} body is missing its 8-byte uncompressed-size prefix: got ${body.length} bytes`);
  }
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // u64 as high * 2^32 + low: inexact above 2^53, but anything that large fails the cap anyway
  const declared = b.readUInt32BE(0) * 0x1_0000_0000 + b.readUInt32BE(4);
  if (declared < PROTO_HEADER_SIZE) {
    throw parseError(`${what} declares an uncompressed size of ${declared}: incomplete proto header (need at least ${PROTO_HEADER_SIZE})`);
  }
  if (declared > maxFrameBytes + PROTO_HEADER_SIZE) {
    throw parseError(`${what} declares an uncompressed size of ${declared}, above maxFrameBytes ${maxFrameBytes} + ${PROTO_HEADER_SIZE}`);
  }

  const stream = b.subarray(COMPRESSED_SIZE_PREFIX);
  let inflated: Buffer;
  let consumed: number;
  try {
    // info: true hands back the engine, whose bytesWritten is how much of the input the zlib stream used
    const result = inflateSync(stream, { maxOutputLength: declared, info: true }) as unknown as InflateResult;
    inflated = result.buffer;
    consumed = result.engine.bytesWritten;
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw parseError(`${what} size mismatch: prefix declares ${declared} bytes, the stream inflates to more`, err);
    }
    throw parseError(`${what} failed to inflate: ${(err as Error).message}`, err);
  }
  if (inflated.length !== declared) {
    throw parseError(`${what} size mismatch: prefix declares ${declared} bytes, inflated to ${inflated.length}`);
  }
  // zlib stops at the end of its stream and would ignore what follows: the frame length then lies
  if (consumed < stream.length) {
    throw parseError(`${what} has ${stream.length - consumed} trailing bytes after the end of its zlib stream (${consumed} of ${stream.length} used)`);
  }

  const inner = decodeProtoHeader(inflated);
  if (inner.version !== PROTO_VERSION) {
    throw parseError(`${what}'s inner frame has an unexpected proto version: expected ${PROTO_VERSION}, got ${inner.version}`);
  }
  if (inner.type !== MessageType.AS_MSG) {
    throw parseError(`${what}'s inner frame has an unexpected proto type: expected ${MessageType.AS_MSG}, got ${inner.type}`);
  }
  const available = inflated.length - PROTO_HEADER_SIZE;
  if (inner.length > available) {
    throw parseError(`${what}'s inner frame has a truncated body: its header declares ${inner.length} bytes, ${available} inflated`);
  }
  if (inner.length < available) {
    throw parseError(`${what}'s inner frame header declares ${inner.length} body bytes, but ${available} were inflated`);
  }
  return inflated;
}

interface InflateResult {
  readonly buffer: Buffer;
  readonly engine: { readonly bytesWritten: number };
}

function writeUInt64BE(target: Buffer, offset: number, value: number): void {
  target.writeUInt32BE(Math.floor(value / 0x1_0000_0000), offset);
  target.writeUInt32BE(value >>> 0, offset + 4);
}
