// The simulated node's security (admin, type 2): LOGIN against configured users (bcrypt credential
// via hashPassword), session tokens with a TTL on the injected clock, AUTHENTICATE, and rc 52 when
// security is off. Builds reply bytes only; the node tracks which sockets are authenticated.

import { randomBytes } from 'node:crypto';
import { walkAdminRecords } from '../protocol/admin';
import { ADMIN_HEADER_SIZE, AdminCommand, AdminField, MessageType } from '../protocol/constants';
import { hashPassword } from '../protocol/password-hash';
import { encodeFrame } from '../protocol/proto-header';
import { ResultCode } from '../protocol/result-codes';
import { parseError } from '../errors';

export type AdminKind = 'login' | 'authenticate' | 'admin';

export interface AdminReply {
  readonly kind: AdminKind;
  readonly frame: Buffer;
  /** The socket is authenticated after this reply. */
  readonly authenticated: boolean;
}

interface Session {
  readonly user: string;
  /** ms on the node's clock; Infinity when the TTL is 0. */
  readonly expiresAtMs: number;
}

function adminReplyFrame(resultCode: number, command: number, fields: ReadonlyArray<readonly [number, Buffer]> = []): Buffer {
  let size = ADMIN_HEADER_SIZE;
  for (const [, data] of fields) size += 5 + data.length;
  const body = Buffer.alloc(size);
  body[1] = resultCode;
  body[2] = command;
  body[3] = fields.length;
  let at = ADMIN_HEADER_SIZE;
  for (const [id, data] of fields) {
    body.writeUInt32BE(data.length + 1, at);
    body[at + 4] = id;
    data.copy(body, at + 5);
    at += 5 + data.length;
  }
  return encodeFrame(MessageType.ADMIN, body);
}

export class SimulatedAuth {
  private readonly sessions = new Map<string, Session>();
  private readonly credentials: ReadonlyMap<string, string> | undefined;

  constructor(
    users: Readonly<Record<string, string>> | undefined,
    private readonly sessionTtlSeconds: number,
    private readonly clockMs: () => number,
  ) {
    // hashed once at start: bcrypt costs ~50-100 ms per password
    this.credentials = users === undefined ? undefined : new Map(Object.entries(users).map(([user, password]) => [user, hashPassword(password)]));
  }

  get enabled(): boolean {
    return this.credentials !== undefined;
  }

  /** Answers one admin request body; `authenticated` is the socket's state before it. */
  handle(body: Buffer, authenticated: boolean): AdminReply {
    let fields = new Map<number, Buffer>();
    let command = -1;
    walkAdminRecords(body, (span) => {
      if (command !== -1) throw parseError('an admin request must hold exactly one record');
      command = span.command;
      let at = span.offset + ADMIN_HEADER_SIZE;
      fields = new Map();
      for (let i = 0; i < span.fieldCount; i++) {
        const size = body.readUInt32BE(at);
        fields.set(body[at + 4]!, body.subarray(at + 5, at + 4 + size));
        at += 4 + size;
      }
    });
    if (command === -1) throw parseError('empty admin request');
    const kind: AdminKind = command === AdminCommand.LOGIN ? 'login' : command === AdminCommand.AUTHENTICATE ? 'authenticate' : 'admin';
    const reply = (resultCode: number, nowAuthenticated: boolean, replyFields?: ReadonlyArray<readonly [number, Buffer]>): AdminReply => ({
      kind,
      frame: adminReplyFrame(resultCode, command, replyFields),
      authenticated: nowAuthenticated,
    });
    if (this.credentials === undefined) return reply(ResultCode.SECURITY_NOT_ENABLED, true);

    const user = fields.get(AdminField.USER)?.toString('utf8');
    if (kind === 'login') {
      const credential = fields.get(AdminField.CREDENTIAL)?.toString('utf8');
      if (user === undefined) return reply(ResultCode.INVALID_USER, false); // PKI needs TLS, which this node does not speak
      const expected = this.credentials.get(user);
      if (expected === undefined) return reply(ResultCode.INVALID_USER, false);
      if (credential !== expected) return reply(ResultCode.INVALID_CREDENTIAL, false);
      const token = randomBytes(32);
      const ttl = this.sessionTtlSeconds;
      this.sessions.set(token.toString('hex'), { user, expiresAtMs: ttl === 0 ? Infinity : this.clockMs() + ttl * 1000 });
      const ttlField = Buffer.alloc(4);
      ttlField.writeUInt32BE(ttl);
      return reply(ResultCode.OK, true, ttl === 0 ? [[AdminField.SESSION_TOKEN, token]] : [[AdminField.SESSION_TOKEN, token], [AdminField.SESSION_TTL, ttlField]]);
    }
    if (kind === 'authenticate') {
      if (authenticated) return reply(ResultCode.ILLEGAL_STATE, true);
      const token = fields.get(AdminField.SESSION_TOKEN);
      if (token === undefined) return reply(ResultCode.INVALID_CREDENTIAL, false);
      const session = this.sessions.get(token.toString('hex'));
      if (session === undefined || session.expiresAtMs <= this.clockMs() || (user !== undefined && user !== session.user)) {
        return reply(ResultCode.EXPIRED_SESSION, false);
      }
      return reply(ResultCode.OK, true);
    }
    return reply(authenticated ? ResultCode.INVALID_COMMAND : ResultCode.NOT_AUTHENTICATED, authenticated);
  }
}
