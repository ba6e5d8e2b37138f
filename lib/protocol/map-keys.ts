// The order of map keys as the server requires it for a key-ordered map: integers by value, then
// strings by UTF-8 bytes, then byte arrays by bytes; any other key (a double included) is refused by
// a server 8.1 with result 1, so it is a TypeError here. Pure.

import { isWellFormed, loneSurrogateError } from './utf8';
import { describeValue } from './value-description';
import type { ValueInput } from './value';

/** Aerospike's cross-type order of map keys (as_val_t): integer < string < bytes. */
export const KeyRank = { INTEGER: 3, STRING: 4, BYTES: 9 } as const;

export interface SortableKey {
  readonly rank: number;
  /** integers */
  readonly number: number | bigint;
  /** strings (UTF-8) and bytes */
  readonly bytes: Buffer | undefined;
  readonly key: ValueInput;
  readonly value: ValueInput;
}

/** A map entry ready to sort; `where()` names the key in errors. */
export function sortableKey(key: ValueInput, value: ValueInput, where: () => string): SortableKey {
  switch (typeof key) {
    case 'string': {
      const bytes = Buffer.from(key, 'utf8');
      // a lone surrogate would be written as U+FFFD: out of order, and the same key as U+FFFD itself
      if (bytes.length !== key.length && !isWellFormed(key)) throw loneSurrogateError(key, where(), 'a map key');
      return { rank: KeyRank.STRING, number: 0, bytes, key, value };
    }
    case 'number':
      if (!Number.isInteger(key)) break;
      if (!Number.isSafeInteger(key)) throw new RangeError(`${where()}: map key ${key} is not a safe integer; pass a bigint`);
      return { rank: KeyRank.INTEGER, number: key, bytes: undefined, key, value };
    case 'bigint':
      if (key < -(2n ** 63n) || key >= 2n ** 63n) throw new RangeError(`${where()}: map key ${key} does not fit in 64 signed bits`);
      return { rank: KeyRank.INTEGER, number: key, bytes: undefined, key, value };
    case 'object':
      if (key instanceof Uint8Array) return { rank: KeyRank.BYTES, number: 0, bytes: Buffer.from(key.buffer, key.byteOffset, key.byteLength), key, value };
      break;
    default:
      break;
  }
  throw new TypeError(`${where()}: ${describeValue(key)} cannot be a map key (integer, string or Buffer/Uint8Array)`);
}

export function compareKeys(a: SortableKey, b: SortableKey): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.bytes !== undefined && b.bytes !== undefined) return Buffer.compare(a.bytes, b.bytes);
  return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
}

/** Sorts an object's keys in UTF-8 byte order; insertion sort for the few keys most objects have. */
export function sortObjectKeys(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort(compareUtf8);
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    while (j >= 0 && compareUtf8(keys[j]!, key) > 0) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = key;
  }
}

/**
 * Two strings in the order of their UTF-8 bytes (the server's order), without encoding them. Exact for
 * well-formed strings, the only ones the writer sends: at the first unit that differs, a trailing
 * surrogate follows the same leading one in both strings (so both are trailing surrogates, compared as
 * is), and a leading surrogate starts a code point above U+FFFF, so it sorts above U+E000..U+FFFF.
 */
function compareUtf8(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order is code point order except that surrogates (astral points) sort below U+E000..U+FFFF
    if (x >= 0xd800 && y >= 0xd800 && (x <= 0xdfff) !== (y <= 0xdfff)) return x <= 0xdfff ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** Throws as a map key of a write would: TypeError/RangeError naming `path` unless `key` can key a map. */
export function checkMapKey(key: ValueInput, path: string): void {
  sortableKey(key, null, () => path);
}
