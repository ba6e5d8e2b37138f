import { AerospikeError } from '../../lib/errors';
import { decodeLoginReply, encodeAuthenticateRequest, encodeLoginRequest } from '../../lib/protocol/login';
import { freshBufferPool, inBufferPool } from '../helpers/buffer-pool';
import { hex } from './captures';

const ADMIN_HASH = '$2a$10$7EqJtq98hPqEX7fNZaFWoO1mVO/4MLpGzsqojz6E9Gef6iXDjXdDa';
const ZEROS_12 = '00'.repeat(12);

/** V5: LOGIN admin/admin, internal (99 bytes). */
const V5_INTERNAL = hex(`
  02 02 00 00 00 00 00 5b  00 00 14 02 ${ZEROS_12}
  00 00 00 06 00 61 64 6d 69 6e
  00 00 00 3d 03 24 32 61 24 31 30 24 37 45 71 4a 74 71 39 38 68 50 71 45 58 37
  66 4e 5a 61 46 57 6f 4f 31 6d 56 4f 2f 34 4d 4c 70 47 7a 73 71 6f 6a 7a 36 45
  39 47 65 66 36 69 58 44 6a 58 64 44 61`);

/** A reply body: admin header with `resultCode` and `fieldCount`, then raw field bytes. */
function replyBody(resultCode: number, fieldCount: number, fields = ''): Buffer {
  return hex(`00 ${resultCode.toString(16).padStart(2, '0')} 00 ${fieldCount.toString(16).padStart(2, '0')} ${ZEROS_12} ${fields}`);
}

function caught(fn: () => unknown): AerospikeError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AerospikeError);
    return err as AerospikeError;
  }
  throw new Error('expected an AerospikeError');
}

describe('login request', () => {
  it('encodes an internal LOGIN as USER then CREDENTIAL (V5)', () => {
    expect(encodeLoginRequest({ user: 'admin', credential: ADMIN_HASH }).toString('hex')).toBe(V5_INTERNAL.toString('hex'));
  });

  it('encodes an external LOGIN with CLEAR_PASSWORD as the third field (V5)', () => {
    const expected = Buffer.concat([V5_INTERNAL, hex('00 00 00 06 04 61 64 6d 69 6e')]);
    expected[7] = 0x65;
    expected[11] = 3;
    expect(encodeLoginRequest({ user: 'admin', credential: ADMIN_HASH, clearPassword: 'admin' }).toString('hex')).toBe(expected.toString('hex'));
  });

  it('encodes a PKI LOGIN with no fields (V5)', () => {
    expect(encodeLoginRequest({}).toString('hex')).toBe(hex(`02 02 00 00 00 00 00 10 00 00 14 00 ${ZEROS_12}`).toString('hex'));
  });

  it('encodes AUTHENTICATE as USER then SESSION_TOKEN (V5)', () => {
    const expected = hex(`02 02 00 00 00 00 00 22 00 00 00 02 ${ZEROS_12} 00 00 00 06 00 61 64 6d 69 6e 00 00 00 04 05 74 6f 6b`);
    expect(encodeAuthenticateRequest({ user: 'admin', token: Buffer.from('tok') }).toString('hex')).toBe(expected.toString('hex'));
  });

  it('encodes a PKI AUTHENTICATE with the SESSION_TOKEN alone', () => {
    const expected = hex(`02 02 00 00 00 00 00 18 00 00 00 01 ${ZEROS_12} 00 00 00 04 05 74 6f 6b`);
    expect(encodeAuthenticateRequest({ token: new Uint8Array([0x74, 0x6f, 0x6b]) }).toString('hex')).toBe(expected.toString('hex'));
  });

  it('leaves no credential or clear password in Node\'s shared Buffer pool', () => {
    freshBufferPool();
    encodeLoginRequest({ user: 'admin', credential: ADMIN_HASH, clearPassword: 'clear-Pa55word' });
    expect(inBufferPool(ADMIN_HASH)).withContext('credential').toBeFalse();
    expect(inBufferPool('clear-Pa55word')).withContext('clear password').toBeFalse();
  });

  it('rejects a non-string credential without echoing it', () => {
    expect(() => encodeLoginRequest({ user: 'admin', credential: 12345 as unknown as string })).toThrowError(TypeError, /^credential must be a string, got number$/);
  });

  it('rejects a user, credential or clear password with a lone surrogate, telling nothing of a secret', () => {
    expect(() => encodeLoginRequest({ user: 'ad\uD800min', credential: ADMIN_HASH })).toThrowError(TypeError, /^user: a string with a lone surrogate cannot be sent as UTF-8$/);
    expect(() => encodeLoginRequest({ user: 'admin', credential: `${ADMIN_HASH}\uDC00` })).toThrowError(TypeError, /^credential: a string with a lone surrogate cannot be sent as UTF-8$/);
    expect(() => encodeLoginRequest({ user: 'admin', credential: ADMIN_HASH, clearPassword: 'pa\uD83Dss' })).toThrowError(TypeError, /^clearPassword: a string with a lone surrogate cannot be sent as UTF-8$/);
    expect(() => encodeAuthenticateRequest({ user: '\uDFFF', token: Buffer.of(1) })).toThrowError(TypeError, /^user: a string with a lone surrogate /);
  });

  it('rejects a token that is not a Uint8Array', () => {
    expect(() => encodeAuthenticateRequest({ user: 'admin', token: 'secret-token' as unknown as Uint8Array })).toThrowError(
      TypeError,
      /^token must be a Uint8Array$/,
    );
  });
});

describe('login reply', () => {
  it('decodes a session token with its 86400-second TTL (V5)', () => {
    const frame = hex(`02 02 00 00 00 00 00 21 00 00 00 02 ${ZEROS_12} 00 00 00 04 05 74 6f 6b 00 00 00 05 06 00 01 51 80`);
    const reply = decodeLoginReply(frame.subarray(8));
    expect(reply).toEqual({ kind: 'session', token: Buffer.from('tok'), ttlSeconds: 86400 });
  });

  it('decodes a session token without a TTL field', () => {
    const reply = decodeLoginReply(replyBody(0, 1, '00 00 00 04 05 74 6f 6b'));
    expect(reply).toEqual({ kind: 'session', token: Buffer.from('tok') });
    expect('ttlSeconds' in reply).toBeFalse();
  });

  it('ignores a TTL field that is not exactly 4 bytes', () => {
    expect(decodeLoginReply(replyBody(0, 2, '00 00 00 04 05 74 6f 6b 00 00 00 09 06 00 00 00 00 00 01 51 80'))).toEqual({
      kind: 'session',
      token: Buffer.from('tok'),
    });
  });

  it('copies the token out of the reply buffer', () => {
    const body = replyBody(0, 1, '00 00 00 04 05 74 6f 6b');
    const reply = decodeLoginReply(body);
    body.fill(0);
    expect(reply).toEqual({ kind: 'session', token: Buffer.from('tok') });
  });

  it('hands the token out in memory of its own, not in Node\'s shared Buffer pool', () => {
    const body = replyBody(0, 1, '00 00 00 0b 05 73 65 63 72 65 74 2d 74 6f 6b');
    freshBufferPool(); // the reply itself came from the pool: checked from here on
    const reply = decodeLoginReply(body);
    expect(inBufferPool('secret-tok')).toBeFalse();
    if (reply.kind !== 'session') throw new Error(`expected a session, got ${reply.kind}`);
    expect(reply.token.toString()).toBe('secret-tok');
    expect(reply.token.buffer.byteLength).toBe(reply.token.length);
  });

  it('reports success without a token as ok_no_token', () => {
    expect(decodeLoginReply(replyBody(0, 0))).toEqual({ kind: 'ok_no_token' });
    expect(decodeLoginReply(replyBody(0, 1, '00 00 00 05 06 00 00 00 3c'))).toEqual({ kind: 'ok_no_token' });
  });

  it('reports result 52 as security_not_enabled (V5)', () => {
    expect(decodeLoginReply(hex(`02 02 00 00 00 00 00 10 00 34 ${'00'.repeat(14)}`).subarray(8))).toEqual({ kind: 'security_not_enabled' });
  });

  it('throws expired_session for result 66 (V5)', () => {
    const error = caught(() => decodeLoginReply(hex(`02 02 00 00 00 00 00 10 00 42 ${'00'.repeat(14)}`).subarray(8)));
    expect([error.code, error.resultCode]).toEqual(['expired_session', 66]);
  });

  it('throws the named error of other known result codes', () => {
    const error = caught(() => decodeLoginReply(replyBody(65, 0)));
    expect([error.code, error.resultCode]).toEqual(['invalid_credential', 65]);
  });

  it('throws server_error naming an unknown result code', () => {
    const error = caught(() => decodeLoginReply(replyBody(240, 0)));
    expect([error.code, error.resultCode]).toEqual(['server_error', 240]);
    expect(error.message).toContain('240');
  });

  it('skips unknown field ids', () => {
    expect(decodeLoginReply(replyBody(0, 3, '00 00 00 03 63 78 79 00 00 00 04 05 74 6f 6b 00 00 00 01 00'))).toEqual({
      kind: 'session',
      token: Buffer.from('tok'),
    });
  });

  it('rejects fields truncated inside their data with a parse_error that leaks no token', () => {
    const body = replyBody(0, 2, `00 00 00 0d 05 ${Buffer.from('s3cret-token').toString('hex')} 00 00 00 05 06 00 01`);
    const error = caught(() => decodeLoginReply(body));
    expect(error.code).toBe('parse_error');
    expect(error.message).toContain('malformed admin-protocol login fields');
    expect(error.message).not.toContain('s3cret');
  });

  it('rejects a field header cut short with a parse_error', () => {
    expect(caught(() => decodeLoginReply(replyBody(0, 1, '00 00 00'))).code).toBe('parse_error');
  });

  it('rejects a field size of zero with a parse_error', () => {
    expect(caught(() => decodeLoginReply(replyBody(0, 1, '00 00 00 00 05'))).code).toBe('parse_error');
  });

  it('rejects a reply shorter than the 16-byte admin header with a parse_error', () => {
    const error = caught(() => decodeLoginReply(Buffer.alloc(15)));
    expect(error.code).toBe('parse_error');
    expect(error.message).toContain('16');
  });
});
