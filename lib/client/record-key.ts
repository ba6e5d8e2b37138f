// Record keys of the record API (client-design.md §C2): validated at call time, the digest computed
// once (it routes the command and goes on the wire), and the partition it maps to. Pure.

import { computeDigest, DIGEST_SIZE, partitionId, type UserKey } from '../protocol/digest';
import type { RecordKey } from '../protocol/requests';
import { isWellFormed, loneSurrogateError } from '../protocol/utf8';
import { describe } from '../cluster/policy';

/** Where a record lives: namespace, set ('' for none), and the user key or its 20-byte digest. */
export interface Key {
  readonly namespace: string;
  readonly set: string;
  readonly key?: UserKey;
  readonly digest?: Uint8Array;
}

/** A key with its digest and partition worked out. */
export interface ResolvedKey extends RecordKey {
  readonly digest: Buffer;
  readonly partition: number;
}

/** Checks a key (TypeError/RangeError naming `name`) and computes its digest and partition. */
export function resolveKey(key: unknown, name = 'key'): ResolvedKey {
  if (key === null || typeof key !== 'object' || Array.isArray(key)) throw new TypeError(`${name} must be { namespace, set, key } or { namespace, set, digest }, got ${describe(key)}`);
  const k = key as Key;
  if (typeof k.namespace !== 'string' || k.namespace.length === 0) throw new TypeError(`${name}.namespace must be a non-empty string, got ${describe(k.namespace)}`);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a short name needs no byte count
  if (k.namespace.length * 3 > 31 && Buffer.byteLength(k.namespace, 'utf8') > 31) throw new RangeError(`${name}.namespace must be at most 31 bytes, got ${JSON.stringify(k.namespace)}`);
  if (typeof k.set !== 'string') throw new TypeError(`${name}.set must be a string ('' for none), got ${describe(k.set)}`);
  if (k.set.length * 3 > 63 && Buffer.byteLength(k.set, 'utf8') > 63) throw new RangeError(`${name}.set must be at most 63 bytes, got ${JSON.stringify(k.set)}`);
  // named here, not as the codec would name them (`key.key: …`)
  if (!isWellFormed(k.namespace)) throw loneSurrogateError(k.namespace, `${name}.namespace`);
  if (!isWellFormed(k.set)) throw loneSurrogateError(k.set, `${name}.set`);
  let digest: Buffer;
  if (k.digest !== undefined) {
    if (!(k.digest instanceof Uint8Array) || k.digest.length !== DIGEST_SIZE) throw new TypeError(`${name}.digest must be a ${DIGEST_SIZE}-byte Uint8Array`);
    digest = Buffer.from(k.digest.buffer, k.digest.byteOffset, k.digest.byteLength);
  } else if (k.key !== undefined) {
    try {
      digest = computeDigest(k.set, k.key);
    } catch (error) {
      throw retitle(error, `${name}.key`);
    }
  } else {
    throw new TypeError(`${name} needs a user key (key) or a digest`);
  }
  const partition = partitionId(digest);
  return k.key !== undefined ? { namespace: k.namespace, set: k.set, key: k.key, digest, partition } : { namespace: k.namespace, set: k.set, digest, partition };
}

/** The codec's error, its message prefixed with the argument's name. */
function retitle(error: unknown, name: string): unknown {
  if (error instanceof TypeError) return new TypeError(`${name}: ${error.message}`);
  if (error instanceof RangeError) return new RangeError(`${name}: ${error.message}`);
  return error;
}
