// Password → CREDENTIAL: bcrypt with Aerospike's fixed salt (protocol.md §6.2), cached per password.
// Pure CPU work (bcryptjs, ~50-100 ms per hash at cost 10, hence the cache). Never logs, and never
// puts a password or hash in an error.

import bcrypt from 'bcryptjs';
import { isWellFormed, loneSurrogateError } from './utf8';

/** Every Aerospike client uses this salt (cost 10), so the server can compare hashes. */
export const AEROSPIKE_BCRYPT_SALT = '$2a$10$7EqJtq98hPqEX7fNZaFWoO';

/** Bounded so a process cycling through many passwords does not grow without limit. */
const MAX_CACHED = 64;
const cache = new Map<string, string>();

/** The 60-character bcrypt hash sent as the LOGIN CREDENTIAL field. */
export function hashPassword(password: string): string {
  if (typeof password !== 'string') throw new TypeError(`password must be a string, got ${typeof password}`);
  // bcrypt hashes the UTF-8 of the password, which a lone surrogate does not have (no index: a secret)
  if (!isWellFormed(password)) throw loneSurrogateError(password, 'password', 'a string', true);
  const cached = cache.get(password);
  if (cached !== undefined) {
    // refresh recency: Map iteration order is insertion order, so the oldest entry is first
    cache.delete(password);
    cache.set(password, cached);
    return cached;
  }
  const hash = bcrypt.hashSync(password, AEROSPIKE_BCRYPT_SALT);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(password, hash);
  return hash;
}
