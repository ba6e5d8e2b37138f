// Admin-protocol LOGIN / AUTHENTICATE frames and the login reply decoder (protocol.md §6.2–6.3).
// Pure: bytes in, values or AerospikeError out. Nothing here hashes passwords (password-hash.ts does),
// and no message built here ever includes a password, credential or token.

import { AerospikeError, parseError } from '../errors';
import type { LoginReply } from '../node-transport';
import { ADMIN_HEADER_SIZE, AdminCommand, AdminField, MessageType, PROTO_HEADER_SIZE } from './constants';
import { ResultCode } from './result-codes';
import { writeProtoHeader } from './proto-header';
import { secretCopy, secretUtf8 } from './secret-bytes';
import { isWellFormed, loneSurrogateError } from './utf8';

/** Field header: u32 size (data length + 1 for the id byte), then the u8 field id. */
const FIELD_HEADER_SIZE = 5;

export interface LoginRequest {
  readonly user?: string;
  /** The bcrypt hash of the password (hashPassword). */
  readonly credential?: string;
  /** External (LDAP) auth only: the clear password. */
  readonly clearPassword?: string;
}

export interface AuthenticateRequest {
  /** Absent for PKI. */
  readonly user?: string;
  readonly token: Uint8Array;
}

/** LOGIN (20): fields USER, CREDENTIAL, CLEAR_PASSWORD in that order, only those given; none = PKI. */
export function encodeLoginRequest(req: LoginRequest): Buffer {
  const fields: [number, Uint8Array][] = [];
  if (req.user !== undefined) fields.push([AdminField.USER, utf8('user', req.user)]);
  if (req.credential !== undefined) fields.push([AdminField.CREDENTIAL, utf8('credential', req.credential)]);
  if (req.clearPassword !== undefined) fields.push([AdminField.CLEAR_PASSWORD, utf8('clearPassword', req.clearPassword)]);
  const frame = encodeAdminRequest(AdminCommand.LOGIN, fields);
  // the frame (memory of its own, Buffer.alloc) now holds them: the field copies are wiped, not left to the GC
  for (const [, data] of fields) data.fill(0);
  return frame;
}

/** AUTHENTICATE (0): USER then SESSION_TOKEN, or SESSION_TOKEN alone for PKI. */
export function encodeAuthenticateRequest(req: AuthenticateRequest): Buffer {
  if (!(req.token instanceof Uint8Array)) throw new TypeError('token must be a Uint8Array');
  const fields: [number, Uint8Array][] = [];
  if (req.user !== undefined) fields.push([AdminField.USER, utf8('user', req.user)]);
  fields.push([AdminField.SESSION_TOKEN, req.token]);
  return encodeAdminRequest(AdminCommand.AUTHENTICATE, fields);
}

/**
 * Decodes a login or authenticate reply body (16-byte admin header + fields). Result 0 gives the
 * session token (field 5) and its TTL (field 6, only when exactly 4 bytes), or ok_no_token;
 * result 52 is success without security; any other result code is thrown as its named error.
 */
export function decodeLoginReply(body: Uint8Array): LoginReply {
  if (body.length < ADMIN_HEADER_SIZE) {
    throw parseError(`truncated admin login reply: need ${ADMIN_HEADER_SIZE} header bytes, got ${body.length}`);
  }
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const resultCode = b[1]!;
  if (resultCode === ResultCode.SECURITY_NOT_ENABLED) return { kind: 'security_not_enabled' };
  if (resultCode !== ResultCode.OK) throw AerospikeError.fromResultCode(resultCode, 'login');

  const fieldCount = b[3]!;
  let token: Buffer | undefined;
  let ttlSeconds: number | undefined;
  let cursor = ADMIN_HEADER_SIZE;
  for (let i = 0; i < fieldCount; i++) {
    const remaining = b.length - cursor;
    if (remaining < FIELD_HEADER_SIZE) {
      throw parseError(`malformed admin-protocol login fields: field ${i} of ${fieldCount} at offset ${cursor} needs ${FIELD_HEADER_SIZE} header bytes, ${remaining} remain`);
    }
    const size = b.readUInt32BE(cursor);
    if (size < 1 || size > remaining - 4) {
      throw parseError(`malformed admin-protocol login fields: field ${i} at offset ${cursor} declares ${size} bytes, ${remaining - 4} remain`);
    }
    const id = b[cursor + 4]!;
    const data = b.subarray(cursor + FIELD_HEADER_SIZE, cursor + 4 + size);
    // a copy (the token outlives the socket buffer it arrived in), not in Node's shared pool
    if (id === AdminField.SESSION_TOKEN) token = secretCopy(data);
    else if (id === AdminField.SESSION_TTL && data.length === 4) ttlSeconds = data.readUInt32BE(0);
    cursor += 4 + size;
  }
  if (token === undefined) return { kind: 'ok_no_token' };
  return ttlSeconds === undefined ? { kind: 'session', token } : { kind: 'session', token, ttlSeconds };
}

/** A field's UTF-8 bytes, in memory of their own (a credential must not sit in Node's shared pool). */
function utf8(what: string, value: unknown): Buffer {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string, got ${typeof value}`);
  // no index in the message: it would tell something of a password
  if (!isWellFormed(value)) throw loneSurrogateError(value, what, 'a string', true);
  return secretUtf8(value);
}

/** A whole type-2 frame: proto header, admin header (scheme 0, result 0, command, field count), fields. */
function encodeAdminRequest(command: number, fields: readonly [number, Uint8Array][]): Buffer {
  let bodyLength = ADMIN_HEADER_SIZE;
  for (const [, data] of fields) bodyLength += FIELD_HEADER_SIZE + data.length;
  const frame = Buffer.alloc(PROTO_HEADER_SIZE + bodyLength);
  writeProtoHeader(frame, 0, MessageType.ADMIN, bodyLength);
  frame[PROTO_HEADER_SIZE + 2] = command;
  frame[PROTO_HEADER_SIZE + 3] = fields.length;
  let offset = PROTO_HEADER_SIZE + ADMIN_HEADER_SIZE;
  for (const [id, data] of fields) {
    frame.writeUInt32BE(data.length + 1, offset);
    frame[offset + 4] = id;
    frame.set(data, offset + FIELD_HEADER_SIZE);
    offset += FIELD_HEADER_SIZE + data.length;
  }
  return frame;
}
