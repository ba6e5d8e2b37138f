// The call-time checks of command$, commandStream$ and stream$ (design §2: programmer errors throw
// TypeError/RangeError at call time, naming the option). Pure, so every transport (TcpTransport and
// FakeTransport) applies the very same rules and users' tests fail where production would.

import type { CommandOptions, MessageKind, Request, StreamOptions } from '../node-transport';
import { MessageType, PROTO_HEADER_SIZE, PROTO_VERSION } from '../protocol/constants';
import { decodeProtoHeader } from '../protocol/proto-header';
import { checkTimeout, describeValue } from './connect-config';

/** What the options of one command call amount to, once checked. */
export interface CheckedCommand {
  readonly kind: MessageKind;
  /** useCompression on an as_msg call whose request is a plain as_msg frame. */
  readonly compress: boolean;
  readonly attempt: number;
}

/** Uncompressed first-attempt as_msg: what absent (or neutral) options mean; shared, never allocated per call. */
export const PLAIN_COMMAND: CheckedCommand = Object.freeze({ kind: 'as_msg', compress: false, attempt: 0 });

/** command$ / commandStream$ (and stream$'s shared part): the request, deadlineMs and the options. */
export function checkCommandCall(request: Request, deadlineMs: number, opts: CommandOptions | undefined): CheckedCommand {
  const requestType = checkRequest(request);
  if (typeof deadlineMs !== 'number' || !(deadlineMs > 0) || deadlineMs === Infinity) checkTimeout('deadlineMs', deadlineMs);
  if (opts === undefined) return PLAIN_COMMAND;
  if (opts === null || typeof opts !== 'object') throw new TypeError(`options must be an object, got ${describeValue(opts)}`);
  const o = opts;
  if (o.useCompression !== undefined && typeof o.useCompression !== 'boolean') {
    throw new TypeError(`useCompression must be a boolean, got ${describeValue(o.useCompression)}`);
  }
  if (o.messageType !== undefined && o.messageType !== 'as_msg' && o.messageType !== 'admin') {
    throw new TypeError(`messageType must be 'as_msg' or 'admin', got ${describeValue(o.messageType)}`);
  }
  if (o.attempt !== undefined && typeof o.attempt !== 'number') throw new TypeError(`attempt must be a number, got ${describeValue(o.attempt)}`);
  if (o.attempt !== undefined && (!Number.isInteger(o.attempt) || o.attempt < 0)) {
    throw new RangeError(`attempt must be a non-negative integer, got ${describeValue(o.attempt)}`);
  }
  const kind = o.messageType ?? 'as_msg';
  // info and admin requests are never compressed, nor is an already compressed frame
  const compress = o.useCompression === true && kind === 'as_msg' && requestType === MessageType.AS_MSG;
  const attempt = o.attempt ?? 0;
  if (kind === 'as_msg' && !compress && attempt === 0) return PLAIN_COMMAND;
  return { kind, compress, attempt };
}

/** stream$ / frames(): checkCommandCall, as_msg only, and lendFrames a boolean. */
export function checkStreamCall(request: Request, deadlineMs: number, opts: StreamOptions | undefined): CheckedCommand {
  const checked = checkCommandCall(request, deadlineMs, opts);
  if (checked.kind !== 'as_msg') throw new TypeError("stream$ reads as_msg frames only: messageType must be 'as_msg' or absent");
  const lend = opts?.lendFrames;
  if (lend !== undefined && typeof lend !== 'boolean') throw new TypeError(`lendFrames must be a boolean, got ${describeValue(lend)}`);
  return checked;
}

/** A request must be exactly one complete version-2 frame (possibly given in parts); returns its type. */
export function checkRequest(request: Request): number {
  if (request instanceof Uint8Array && request.length >= PROTO_HEADER_SIZE) {
    // the common case, without allocating: one whole frame in one buffer
    const length = ((request[2]! << 8) | request[3]!) * 0x1_0000_0000 + (((request[4]! << 24) | (request[5]! << 16) | (request[6]! << 8) | request[7]!) >>> 0);
    const type = request[1]!;
    if (request[0] === PROTO_VERSION && length === request.length - PROTO_HEADER_SIZE && (type === MessageType.AS_MSG || type === MessageType.ADMIN || type === MessageType.AS_MSG_COMPRESSED)) {
      return type;
    }
  }
  const parts: readonly Uint8Array[] = request instanceof Uint8Array ? [request] : Array.isArray(request) ? request : [];
  if (parts.length === 0 || parts.some((p) => !(p instanceof Uint8Array))) {
    throw new TypeError(`request must be a Uint8Array or a non-empty array of Uint8Array, got ${describeValue(request)}`);
  }
  let total = 0;
  for (const part of parts) total += part.length;
  if (total < PROTO_HEADER_SIZE) throw new RangeError(`request must be a whole frame (at least ${PROTO_HEADER_SIZE} bytes), got ${total}`);
  const head = parts[0]!.length >= PROTO_HEADER_SIZE ? parts[0]! : Buffer.concat(parts).subarray(0, PROTO_HEADER_SIZE);
  const header = decodeProtoHeader(head);
  if (header.version !== PROTO_VERSION) throw new RangeError(`request header version must be ${PROTO_VERSION}, got ${header.version}`);
  if (header.length !== total - PROTO_HEADER_SIZE) {
    throw new RangeError(`request header declares a ${header.length}-byte body but ${total - PROTO_HEADER_SIZE} bytes follow it`);
  }
  if (header.type !== MessageType.AS_MSG && header.type !== MessageType.ADMIN && header.type !== MessageType.AS_MSG_COMPRESSED) {
    throw new RangeError(`request type must be as_msg (3), admin (2) or compressed (4), got ${header.type}`);
  }
  return header.type;
}
