// Record key digests (protocol.md §3.4): RIPEMD-160 over set ‖ key particle type ‖ key bytes,
// and the partition a digest maps to. Pure; the namespace is not part of the digest.

import { ParticleType } from './constants';
import { ripemd160Of } from './ripemd160';
import { isWellFormed, loneSurrogateError } from './utf8';

/** A user key: string (UTF-8), integer (64-bit signed) or blob. */
export type UserKey = string | number | bigint | Uint8Array;

export const DIGEST_SIZE = 20;
export const PARTITION_COUNT = 4096;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The particle type byte and value bytes of a user key, as the KEY field and the digest carry them. */
export function encodeUserKey(key: UserKey): { readonly particleType: number; readonly bytes: Buffer } {
  if (typeof key === 'string') {
    const bytes = Buffer.from(key, 'utf8');
    // as U+FFFD, '\uD800' would name the same record as '\uDFFF' and '\uFFFD'
    if (bytes.length !== key.length && !isWellFormed(key)) throw badKey(key);
    return { particleType: ParticleType.STRING, bytes };
  }
  if (typeof key === 'number' || typeof key === 'bigint') {
    if (typeof key === 'number' && !Number.isSafeInteger(key)) {
      throw new RangeError(`an integer key must be a safe integer (use a bigint beyond 2^53), got ${key}`);
    }
    const value = BigInt(key);
    if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`an integer key must fit in 64 signed bits, got ${value}`);
    const bytes = Buffer.allocUnsafe(8);
    bytes.writeBigInt64BE(value);
    return { particleType: ParticleType.INTEGER, bytes };
  }
  if (key instanceof Uint8Array) {
    return { particleType: ParticleType.BLOB, bytes: Buffer.from(key.buffer, key.byteOffset, key.byteLength) };
  }
  throw new TypeError(`a key must be a string, integer number, bigint or Uint8Array, got ${typeof key}`);
}

/** The 20-byte digest that identifies a record of `set` with user key `key`. */
export function computeDigest(set: string, key: UserKey): Buffer {
  // set, type byte and key are laid out in one reused buffer (digests run one at a time): the common
  // keys cost no allocation but the digest itself
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a set that might not fit goes the allocating way
  if (3 * set.length + 9 > SCRATCH_SPACE) return slowDigest(set, key);
  const setBytes = SCRATCH.write(set, 0, 'utf8');
  // as many bytes as units: all ASCII, nothing to check
  if (setBytes !== set.length && !isWellFormed(set)) throw badSet(set);
  if (typeof key === 'number' && Number.isSafeInteger(key)) {
    SCRATCH[setBytes] = ParticleType.INTEGER;
    // a safe integer's two's-complement halves: Math.floor keeps the sign in the high word
    SCRATCH.writeInt32BE(Math.floor(key / 0x1_0000_0000), setBytes + 1);
    SCRATCH.writeUInt32BE(key >>> 0, setBytes + 5);
    return ripemd160Of(SCRATCH, setBytes + 9);
  }
  if (typeof key === 'string' && setBytes + 1 + 3 * key.length <= SCRATCH_SPACE) {
    SCRATCH[setBytes] = ParticleType.STRING;
    const keyBytes = SCRATCH.write(key, setBytes + 1, 'utf8');
    if (keyBytes !== key.length && !isWellFormed(key)) throw badKey(key);
    return ripemd160Of(SCRATCH, setBytes + 1 + keyBytes);
  }
  return slowDigest(set, key);
}

const SCRATCH_SPACE = 1024;
const SCRATCH = Buffer.alloc(SCRATCH_SPACE);

function slowDigest(set: string, key: UserKey): Buffer {
  const setBytes = Buffer.from(set, 'utf8');
  if (setBytes.length !== set.length && !isWellFormed(set)) throw badSet(set);
  const { particleType, bytes } = encodeUserKey(key);
  const data = Buffer.allocUnsafe(setBytes.length + 1 + bytes.length);
  setBytes.copy(data, 0);
  data[setBytes.length] = particleType;
  bytes.copy(data, setBytes.length + 1);
  return ripemd160Of(data, data.length);
}

function badKey(key: string): TypeError {
  return loneSurrogateError(key, '', 'a string key');
}

function badSet(set: string): TypeError {
  return loneSurrogateError(set, `set ${JSON.stringify(set)}`);
}

/** The partition (0..4095) of a digest: its first 4 bytes as a little-endian u32, masked. */
export function partitionId(digest: Uint8Array): number {
  if (digest.length < 4) throw new RangeError(`a digest needs at least 4 bytes, got ${digest.length}`);
  const low = digest[0]! | (digest[1]! << 8) | (digest[2]! << 16) | (digest[3]! << 24);
  return (low >>> 0) & (PARTITION_COUNT - 1);
}
