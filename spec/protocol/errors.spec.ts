import { AerospikeError, isAerospikeError, parseError } from '../../lib/errors';
import { ResultCode, resultCodeName } from '../../lib/protocol/result-codes';

describe('AerospikeError', () => {
  it('is an Error named AerospikeError with a stable code and message', () => {
    const error = new AerospikeError('timeout', 'read timed out after 50 ms');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('AerospikeError');
    expect(error.code).toBe('timeout');
    expect(error.message).toBe('read timed out after 50 ms');
    expect(String(error)).toBe('AerospikeError: read timed out after 50 ms');
  });

  it('is not in doubt and has no node, result code or cause unless given', () => {
    const error = new AerospikeError('network_error', 'socket closed');
    expect(error.inDoubt).toBeFalse();
    expect(error.node).toBeUndefined();
    expect(error.resultCode).toBeUndefined();
    expect(error.cause).toBeUndefined();
    expect(Object.keys(error)).not.toContain('node');
  });

  it('carries resultCode, node, inDoubt and cause when given', () => {
    const cause = new Error('ECONNRESET');
    const error = new AerospikeError('network_error', 'socket reset', { resultCode: 9, node: 'BB9', inDoubt: true, cause });
    expect([error.resultCode, error.node, error.inDoubt, error.cause]).toEqual([9, 'BB9', true, cause]);
  });

  it('maps a known result code to its snake_case name', () => {
    const error = AerospikeError.fromResultCode(ResultCode.EXPIRED_SESSION, 'login', { node: '127.0.0.1:3000' });
    expect(error.code).toBe('expired_session');
    expect(error.resultCode).toBe(66);
    expect(error.node).toBe('127.0.0.1:3000');
    expect(error.message).toBe('login failed: expired_session (result code 66)');
  });

  it('maps an unknown result code to server_error naming the number', () => {
    const error = AerospikeError.fromResultCode(240, 'login');
    expect(error.code).toBe('server_error');
    expect(error.resultCode).toBe(240);
    expect(error.message).toBe('login failed with unknown result code 240');
  });

  it('does not turn result 0 into an ok error', () => {
    expect(AerospikeError.fromResultCode(0, 'login').code).toBe('server_error');
  });

  it('names every result code of the table', () => {
    expect(resultCodeName(65)).toBe('invalid_credential');
    expect(resultCodeName(80)).toBe('not_authenticated');
    expect(resultCodeName(52)).toBe('security_not_enabled');
    expect(resultCodeName(239)).toBeUndefined();
    for (const [name, value] of Object.entries(ResultCode)) expect(resultCodeName(value)).toBe(name.toLowerCase() as never);
  });

  it('adds node and inDoubt with withContext, keeping code, message, result code, cause and stack', () => {
    const cause = new Error('inner');
    const original = new AerospikeError('invalid_user', 'login failed', { resultCode: 60, cause });
    const copy = original.withContext('BB9', true);
    expect(copy).not.toBe(original);
    expect(copy).toBeInstanceOf(AerospikeError);
    expect([copy.code, copy.message, copy.resultCode, copy.node, copy.inDoubt, copy.cause]).toEqual([
      'invalid_user',
      'login failed',
      60,
      'BB9',
      true,
      cause,
    ]);
    expect(copy.stack).toBe(original.stack);
    expect([original.node, original.inDoubt]).toEqual([undefined, false]);
  });

  it('returns itself from withContext when nothing changes', () => {
    const error = new AerospikeError('timeout', 't', { node: 'a', inDoubt: true });
    expect(error.withContext('a', true)).toBe(error);
  });

  it('builds parse_error errors with parseError, and recognises its own instances', () => {
    const cause = new RangeError('x');
    const error = parseError('bad header', cause);
    expect([error.code, error.message, error.cause]).toEqual(['parse_error', 'bad header', cause]);
    expect(isAerospikeError(error)).toBeTrue();
    expect(isAerospikeError(new Error('x'))).toBeFalse();
  });
});
