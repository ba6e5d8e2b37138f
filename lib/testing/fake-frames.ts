// Checks the whole frames a FakeTransport stream script delivers, as the real stream$ would see them:
// header consistent with the bytes, type 3 or 4 (inflated), terminal when any record has LAST.
// Pure: no observables or timers; errors are parse_error AerospikeErrors.

import { parseError } from '../errors';
import { findAsMsgLast } from '../protocol/as-msg';
import { MessageType, PROTO_HEADER_SIZE, PROTO_VERSION } from '../protocol/constants';
import { inflateCompressedBody } from '../protocol/compression';
import { decodeProtoHeader } from '../protocol/proto-header';

/** The frame stream$ emits for a scripted frame (compressed frames inflated) and whether it ends the stream. */
export function checkStreamFrame(raw: Uint8Array, maxFrameBytes: number): { value: Buffer; terminal: boolean } {
  let frame: Buffer = Buffer.from(raw);
  if (frame.length < PROTO_HEADER_SIZE) {
    throw parseError(`scripted stream frame is ${frame.length} bytes, shorter than the ${PROTO_HEADER_SIZE}-byte proto header`);
  }
  const header = decodeProtoHeader(frame);
  if (header.version !== PROTO_VERSION) {
    throw parseError(`unexpected proto version: expected ${PROTO_VERSION}, got ${header.version}`);
  }
  if (header.length !== frame.length - PROTO_HEADER_SIZE) {
    throw parseError(`scripted stream frame declares ${header.length} body bytes but has ${frame.length - PROTO_HEADER_SIZE}`);
  }
  if (header.length > maxFrameBytes) {
    throw parseError(`declared frame length ${header.length} exceeds maxFrameBytes ${maxFrameBytes}`);
  }
  if (header.type === MessageType.AS_MSG_COMPRESSED) {
    frame = inflateCompressedBody(frame.subarray(PROTO_HEADER_SIZE), maxFrameBytes);
  } else if (header.type !== MessageType.AS_MSG) {
    throw parseError(`unexpected proto type on a stream: expected one of [3, 4], got ${header.type}`);
  }
  return { value: frame, terminal: findAsMsgLast(frame.subarray(PROTO_HEADER_SIZE)) !== undefined };
}
