// The transport-era names of the bin codec, kept as thin aliases of value.ts so existing callers
// (requests, CLI, demo) read the same: encodeParticle = encodeBinValue, decodeParticle = decodeBinValue.
// Pure; no codec logic lives here.

import { Double } from './double';
import { RawValue, type RawParticle } from './raw-value';
import { decodeBinValue, encodeBinValue, type Value, type ValueInput } from './value';

export { RawValue, type RawParticle } from './raw-value';

/** @deprecated The forced-double box; `Double` is the same thing. */
export type DoubleValue = Double;

/** What a put accepts for a bin. `null` writes a NULL particle, which deletes the bin. */
export type BinValue = ValueInput;

/** What a decoded reply holds for a bin. */
export type DecodedBinValue = Value;

/** Forces a number to be written as a DOUBLE particle even when it is integral (`asDouble(1)`); alias of `Double`. */
export function asDouble(value: number): Double {
  return Double(value);
}

/** A prebuilt particle (e.g. msgpack bytes for a LIST), written as given. */
export function rawParticle(particleType: number, bytes: Uint8Array): RawValue {
  return new RawValue(particleType, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** The particle for a bin value; `what` names the bin in errors. */
export function encodeParticle(value: BinValue, what = 'bin value'): RawParticle {
  return encodeBinValue(value, what);
}

/** The value of a particle read from a reply op. */
export function decodeParticle(particleType: number, bytes: Buffer): DecodedBinValue {
  return decodeBinValue(particleType, bytes);
}
