import bcrypt from 'bcryptjs';
import { AEROSPIKE_BCRYPT_SALT, hashPassword } from '../../lib/protocol/password-hash';

describe('hashPassword', () => {
  it('hashes "admin" to the server built-in admin credential', () => {
    expect(hashPassword('admin')).toBe('$2a$10$7EqJtq98hPqEX7fNZaFWoO1mVO/4MLpGzsqojz6E9Gef6iXDjXdDa');
  });

  it('hashes "nopassword" to the PKI-user credential', () => {
    expect(hashPassword('nopassword')).toBe('$2a$10$7EqJtq98hPqEX7fNZaFWoOePA2sZy..tlOF99W2N0g5KZ3dLaw8WO');
  });

  it('returns a 60-character bcrypt string with the fixed salt', () => {
    const hash = hashPassword('admin');
    expect(hash.length).toBe(60);
    expect(hash.startsWith(AEROSPIKE_BCRYPT_SALT)).toBeTrue();
  });

  it('computes each password once and serves repeats from its cache', () => {
    const hashSync = spyOn(bcrypt, 'hashSync').and.callThrough();
    const password = `cache-check-${process.pid}-${Date.now()}`;
    const first = hashPassword(password);
    const second = hashPassword(password);
    expect(second).toBe(first);
    expect(hashSync).toHaveBeenCalledTimes(1);
    expect(hashSync).toHaveBeenCalledWith(password, AEROSPIKE_BCRYPT_SALT);
  });

  it('keeps at most 64 passwords, evicting the least recently used', () => {
    const hashSync = spyOn(bcrypt, 'hashSync').and.callFake((p: string) => `hash-of-${p}`);
    const prefix = `evict-${Date.now()}-`;
    hashPassword(`${prefix}0`);
    for (let i = 1; i <= 64; i++) hashPassword(`${prefix}${i}`);
    expect(hashSync).toHaveBeenCalledTimes(65);
    hashPassword(`${prefix}64`);
    expect(hashSync).toHaveBeenCalledTimes(65);
    hashPassword(`${prefix}0`);
    expect(hashSync).toHaveBeenCalledTimes(66);
  });

  it('rejects a password with a lone surrogate, which has no UTF-8 to hash, telling nothing of it', () => {
    expect(() => hashPassword('pa\uD800ss')).toThrowError(TypeError, /^password: a string with a lone surrogate cannot be sent as UTF-8$/);
  });

  it('rejects a password that is not a string without echoing it', () => {
    expect(() => hashPassword(1234 as unknown as string)).toThrowError(TypeError, /^password must be a string, got number$/);
  });
});
