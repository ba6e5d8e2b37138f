// RawValue: a particle kept as its type byte and bytes, for types the value codec does not model
// (GeoJSON, HLL, or anything newer) and for callers that send prebuilt particle bytes. Data only.

/** A particle kept as bytes. The interface is what op builders and the simulated store pass around. */
export interface RawParticle {
  readonly particleType: number;
  readonly bytes: Buffer;
}

/**
 * A particle the codecs pass through unchanged: a GeoJSON or HLL bin reads back as one and writes
 * back as the same particle. A class, so that a plain `{ particleType, bytes }` object stays a map.
 */
export class RawValue implements RawParticle {
  constructor(
    readonly particleType: number,
    readonly bytes: Buffer,
  ) {
    if (!Number.isInteger(particleType) || particleType < 0 || particleType > 255) {
      throw new RangeError(`particleType must be a byte, got ${particleType}`);
    }
  }
}
