// The record value model and its bin-level codec: a Value <-> one particle (type byte + bytes).
// Lists and maps go through Aerospike's msgpack (msgpack-writer.ts / msgpack-reader.ts). Pure:
// programmer errors throw TypeError/RangeError naming the path, bad reply bytes throw parse_error.

import { parseError } from '../errors';
import { ParticleType } from './constants';
import { isDouble, type Double } from './double';
import { packList, packMap } from './msgpack-writer';
import { describeValue, isPlainObject } from './value-description';
import { unpackValue } from './msgpack-reader';
import { ownedBytes } from './owned-bytes';
import { RawValue } from './raw-value';
import { isWellFormed, loneSurrogateError } from './utf8';

/**
 * A bin value. Integers are `number` when safe and `bigint` beyond ±(2^53 − 1); a DOUBLE reads back
 * as a `number`; `Double(x)` forces a double on write. Lists are arrays; maps read back as plain
 * objects when every key is a string, else as a `Map`. `RawValue` carries a particle this codec
 * does not model (GeoJSON, HLL, …) unchanged.
 */
export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | Double
  | RawValue
  | ValueList
  | ValueObject
  | Map<Value, Value>;

/** A list bin or nested list. (Interfaces rather than inline types keep deep checks cheap for the compiler.) */
export interface ValueList extends Array<Value> {}
/** A map whose keys are all strings, as a plain object. */
export interface ValueObject {
  [key: string]: Value;
}

/** What writes accept: a Value whose byte arrays may be plain Uint8Arrays and whose containers may be readonly. */
export type ValueInput =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Double
  | RawValue
  | readonly ValueInput[]
  | { readonly [key: string]: ValueInput }
  | ReadonlyMap<ValueInput, ValueInput>;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const EMPTY = Buffer.alloc(0);

/** The 8 big-endian bytes of a 64-bit signed integer given as a number or bigint; `path` names it in errors. */
export function int64Bytes(value: number | bigint, path: string): Buffer {
  const bytes = Buffer.allocUnsafe(8);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`${path}: ${value} is not a safe integer; pass a bigint for 64-bit integers, or Double(x) for a double`);
    }
    const high = Math.floor(value / 0x1_0000_0000);
    bytes.writeInt32BE(high, 0);
    bytes.writeUInt32BE(value - high * 0x1_0000_0000, 4);
    return bytes;
  }
  if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`${path}: ${value} does not fit in 64 signed bits`);
  bytes.writeBigInt64BE(value);
  return bytes;
}

function float64Bytes(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeDoubleBE(value);
  return bytes;
}

function bytesOf(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * The particle for a bin value; `path` names the value in errors (`bins.tags`). `null` gives the NULL
 * particle, which deletes the bin on a write.
 */
export function encodeBinValue(value: ValueInput, path: string): RawValue {
  switch (typeof value) {
    case 'string': {
      const bytes = Buffer.from(value, 'utf8');
      if (bytes.length !== value.length && !isWellFormed(value)) throw loneSurrogateError(value, path);
      return new RawValue(ParticleType.STRING, bytes);
    }
    case 'number':
      return Number.isInteger(value)
        ? new RawValue(ParticleType.INTEGER, int64Bytes(value, path))
        : new RawValue(ParticleType.DOUBLE, float64Bytes(value));
    case 'bigint':
      return new RawValue(ParticleType.INTEGER, int64Bytes(value, path));
    case 'boolean':
      return new RawValue(ParticleType.BOOL, Buffer.of(value ? 1 : 0));
    case 'object':
      if (value === null) return new RawValue(ParticleType.NULL, EMPTY);
      if (value instanceof Uint8Array) return new RawValue(ParticleType.BLOB, bytesOf(value));
      if (isDouble(value)) return new RawValue(ParticleType.DOUBLE, float64Bytes(value.value));
      if (value instanceof RawValue) return value;
      if (Array.isArray(value)) return new RawValue(ParticleType.LIST, packList(value as readonly ValueInput[], path));
      if (value instanceof Map || isPlainObject(value)) return new RawValue(ParticleType.MAP, packMap(value, path));
      break;
    default:
      break;
  }
  throw new TypeError(`${path}: ${describeValue(value)} is not a storable value (null, boolean, number, bigint, string, Buffer, Uint8Array, Double, array, plain object or Map)`);
}

/**
 * decodeBinValue of `b[start, end)`, reading strings, integers, doubles and bools in place (`owned`:
 * other values copy their bytes, so none is a view of `b`): the view
 * decodeBinValue takes costs as much as the rest of decoding such a value, and a scan decodes millions.
 */
export function decodeBinValueAt(b: Buffer, particleType: number, start: number, end: number, owned = false): Value {
  switch (particleType) {
    case ParticleType.STRING:
      return b.toString('utf8', start, end);
    case ParticleType.INTEGER: {
      if (end - start !== 8) break;
      const high = b.readInt32BE(start);
      // |high| < 2^21: the integer is within ±2^53, a safe number
      if (high >= -0x20_0000 && high < 0x20_0000) {
        const value = high * 0x1_0000_0000 + b.readUInt32BE(start + 4);
        if (Number.isSafeInteger(value)) return value;
      }
      break;
    }
    case ParticleType.DOUBLE:
      if (end - start !== 8) break;
      return b.readDoubleBE(start);
    default:
      break;
  }
  // owned: a value that would be a view of `b` (blob, list/map bytes, raw particle) gets a copy instead
  return decodeBinValue(particleType, owned ? ownedBytes(b, start, end) : b.subarray(start, end));
}

/** The value of a particle read from a reply; list and map particles are decoded from msgpack. */
export function decodeBinValue(particleType: number, bytes: Buffer): Value {
  switch (particleType) {
    case ParticleType.NULL:
      return null;
    case ParticleType.STRING:
      return bytes.toString('utf8');
    case ParticleType.INTEGER: {
      if (bytes.length !== 8) throw parseError(`integer particle must be 8 bytes, got ${bytes.length}`);
      const value = bytes.readBigInt64BE(0);
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    }
    case ParticleType.DOUBLE:
      if (bytes.length !== 8) throw parseError(`double particle must be 8 bytes, got ${bytes.length}`);
      return bytes.readDoubleBE(0);
    case ParticleType.BLOB:
      return bytes;
    case ParticleType.BOOL:
      if (bytes.length !== 1) throw parseError(`bool particle must be 1 byte, got ${bytes.length}`);
      return bytes[0] !== 0;
    case ParticleType.LIST:
      return unpackValue(bytes, 'list');
    case ParticleType.MAP:
      return unpackValue(bytes, 'map');
    default:
      return new RawValue(particleType, bytes);
  }
}
