// Bin values <-> particles (protocol.md §3.3): the particle type byte and the value bytes of an op.
// Integers decode to a number when safe and to a bigint otherwise; unknown types stay raw. Pure.

import { parseError } from '../errors';
import { ParticleType } from './constants';

/** A particle kept as bytes: list/map (msgpack), HLL, GeoJSON, or any type this codec does not model. */
export interface RawParticle {
  readonly particleType: number;
  readonly bytes: Buffer;
}

/** Forces a number to be written as a DOUBLE particle even when it is integral (`asDouble(1)`). */
export interface DoubleValue {
  readonly double: number;
}

/** What a put accepts for a bin. `null` writes a NULL particle, which deletes the bin. */
export type BinValue = string | number | bigint | boolean | Uint8Array | DoubleValue | RawParticle | null;

/** What a decoded reply holds for a bin (doubles come back as plain numbers). */
export type DecodedBinValue = string | number | bigint | boolean | Buffer | RawParticle | null;

export function asDouble(value: number): DoubleValue {
  return { double: value };
}

export function rawParticle(particleType: number, bytes: Uint8Array): RawParticle {
  return { particleType, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const EMPTY = Buffer.alloc(0);

function int64(value: bigint, what: string): Buffer {
  if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`${what} must fit in 64 signed bits, got ${value}`);
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeBigInt64BE(value);
  return bytes;
}

function float64(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeDoubleBE(value);
  return bytes;
}

/** The particle for a bin value; `what` names the bin in errors. */
export function encodeParticle(value: BinValue, what = 'bin value'): RawParticle {
  if (value === null) return { particleType: ParticleType.NULL, bytes: EMPTY };
  switch (typeof value) {
    case 'string':
      return { particleType: ParticleType.STRING, bytes: Buffer.from(value, 'utf8') };
    case 'number':
      if (Number.isInteger(value)) {
        if (!Number.isSafeInteger(value)) {
          throw new RangeError(`${what} ${value} is not a safe integer: pass a bigint, or asDouble() for a double`);
        }
        return { particleType: ParticleType.INTEGER, bytes: int64(BigInt(value), what) };
      }
      return { particleType: ParticleType.DOUBLE, bytes: float64(value) };
    case 'bigint':
      return { particleType: ParticleType.INTEGER, bytes: int64(value, what) };
    case 'boolean':
      return { particleType: ParticleType.BOOL, bytes: Buffer.of(value ? 1 : 0) };
    case 'object':
      if (value instanceof Uint8Array) {
        return { particleType: ParticleType.BLOB, bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength) };
      }
      if ('double' in value && typeof value.double === 'number') {
        return { particleType: ParticleType.DOUBLE, bytes: float64(value.double) };
      }
      if ('particleType' in value && Number.isInteger(value.particleType) && value.bytes instanceof Uint8Array) {
        if (value.particleType < 0 || value.particleType > 255) {
          throw new RangeError(`${what}: particle type must be a byte, got ${value.particleType}`);
        }
        return value;
      }
      break;
    default:
      break;
  }
  throw new TypeError(`${what} must be a string, number, bigint, boolean, Uint8Array, asDouble(), raw particle or null`);
}

/** The value of a particle read from a reply op. */
export function decodeParticle(particleType: number, bytes: Buffer): DecodedBinValue {
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
    default:
      return { particleType, bytes };
  }
}
