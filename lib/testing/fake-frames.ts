// Checks the whole frames a FakeTransport stream script delivers, as the real stream$ would see them:
// header consistent with the bytes, type 3 or 4 (inflated), terminal when any record has LAST.
// Pure: no observables or timers; errors are parse_error AerospikeErrors.

import { parseError } from '../errors';
import { findAsMsgLast, walkAsMsgRecords } from '../protocol/as-msg';
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

/**
 * command$ / commandStream$ replies under the connection's maxFrameBytes, as the socket reader
 * refuses a frame declaring a longer body. A command$ script is one frame's body; a commandStream$
 * script is whole frames (admin) or the frames' bodies run together (as_msg), where no frame can be
 * shorter than the longest record it carried. Returns the reply as a Buffer.
 */
export function checkReplySize(raw: Uint8Array, maxFrameBytes: number, shape: 'command' | 'commandStream', kind: 'as_msg' | 'admin'): Buffer {
  const reply = Buffer.from(raw);
  if (shape === 'command') {
    if (reply.length > maxFrameBytes) throw tooLong(reply.length, maxFrameBytes);
  } else if (kind === 'admin') {
    for (let offset = 0; offset + PROTO_HEADER_SIZE <= reply.length; ) {
      const length = decodeProtoHeader(reply.subarray(offset)).length;
      if (length > maxFrameBytes) throw tooLong(length, maxFrameBytes);
      offset += PROTO_HEADER_SIZE + length;
    }
  } else if (reply.length > maxFrameBytes) {
    let longest = 0;
    try {
      walkAsMsgRecords(reply, (record) => void (longest = Math.max(longest, record.end - record.offset)));
    } catch {
      // the fake does not validate a scripted reply's records: the longest well-formed one bounds a frame
    }
    if (longest > maxFrameBytes) throw tooLong(longest, maxFrameBytes);
  }
  return reply;
}

function tooLong(length: number, maxFrameBytes: number): Error {
  return parseError(`declared frame length ${length} exceeds maxFrameBytes ${maxFrameBytes}`);
}
