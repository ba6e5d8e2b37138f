// RIPEMD-160 (Dobbertin, Bosselaers, Preneel 1996) in plain TypeScript, for key digests.
// OpenSSL 3 moved RIPEMD-160 to its legacy provider (some Node builds, Bun and browsers lack it),
// so the digest never depends on node:crypto. Pure: bytes in, 20 bytes out.

/** Message word selected at each step, left line. */
const R_LEFT = Uint8Array.of(
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  7, 4, 13, 1, 10, 6, 15, 3, 12, 0, 9, 5, 2, 14, 11, 8,
  3, 10, 14, 4, 9, 15, 8, 1, 2, 7, 0, 6, 13, 11, 5, 12,
  1, 9, 11, 10, 0, 8, 12, 4, 13, 3, 7, 15, 14, 5, 6, 2,
  4, 0, 5, 9, 7, 12, 2, 10, 14, 1, 3, 8, 11, 6, 15, 13,
);
/** Message word selected at each step, right line. */
const R_RIGHT = Uint8Array.of(
  5, 14, 7, 0, 9, 2, 11, 4, 13, 6, 15, 8, 1, 10, 3, 12,
  6, 11, 3, 7, 0, 13, 5, 10, 14, 15, 8, 12, 4, 9, 1, 2,
  15, 5, 1, 3, 7, 14, 6, 9, 11, 8, 12, 2, 10, 0, 4, 13,
  8, 6, 4, 1, 3, 11, 15, 0, 5, 12, 2, 13, 9, 7, 10, 14,
  12, 15, 10, 4, 1, 5, 8, 7, 6, 2, 13, 14, 0, 3, 9, 11,
);
/** Left-rotation amounts, left line. */
const S_LEFT = Uint8Array.of(
  11, 14, 15, 12, 5, 8, 7, 9, 11, 13, 14, 15, 6, 7, 9, 8,
  7, 6, 8, 13, 11, 9, 7, 15, 7, 12, 15, 9, 11, 7, 13, 12,
  11, 13, 6, 7, 14, 9, 13, 15, 14, 8, 13, 6, 5, 12, 7, 5,
  11, 12, 14, 15, 14, 15, 9, 8, 9, 14, 5, 6, 8, 6, 5, 12,
  9, 15, 5, 11, 6, 8, 13, 12, 5, 12, 13, 14, 11, 8, 5, 6,
);
/** Left-rotation amounts, right line. */
const S_RIGHT = Uint8Array.of(
  8, 9, 9, 11, 13, 15, 15, 5, 7, 7, 8, 11, 14, 14, 12, 6,
  9, 13, 15, 7, 12, 8, 9, 11, 7, 7, 12, 7, 6, 15, 13, 11,
  9, 7, 15, 11, 8, 6, 6, 14, 12, 13, 5, 14, 13, 13, 7, 5,
  15, 5, 8, 11, 14, 14, 6, 14, 6, 9, 12, 9, 12, 5, 15, 8,
  8, 5, 12, 9, 12, 5, 14, 6, 8, 13, 6, 5, 15, 13, 11, 11,
);
/**
 * One 64-byte block of `data` at `at` into `h`; `x` is scratch for its 16 little-endian words. Each of
 * the five rounds of each line is its own loop with its boolean function written in place: a switch
 * on the round inside one 80-step loop made every digest cost about twice as much.
 */
function compress(h: Int32Array, x: Int32Array, data: Uint8Array, at: number): void {
  for (let i = 0; i < 16; i++, at += 4) x[i] = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
  let al = h[0]!, bl = h[1]!, cl = h[2]!, dl = h[3]!, el = h[4]!;
  let ar = al, br = bl, cr = cl, dr = dl, er = el;
  let t = 0;
  let j = 0;
  // left line: f = x^y^z, (x&y)|(~x&z), (x|~y)^z, (x&z)|(y&~z), x^(y|~z)
  for (; j < 16; j++) {
    t = (al + (bl ^ cl ^ dl) + x[R_LEFT[j]!]!) | 0;
    t = (((t << S_LEFT[j]!) | (t >>> (32 - S_LEFT[j]!))) + el) | 0;
    al = el; el = dl; dl = (cl << 10) | (cl >>> 22); cl = bl; bl = t;
  }
  for (; j < 32; j++) {
    t = (al + ((bl & cl) | (~bl & dl)) + x[R_LEFT[j]!]! + 0x5a827999) | 0;
    t = (((t << S_LEFT[j]!) | (t >>> (32 - S_LEFT[j]!))) + el) | 0;
    al = el; el = dl; dl = (cl << 10) | (cl >>> 22); cl = bl; bl = t;
  }
  for (; j < 48; j++) {
    t = (al + ((bl | ~cl) ^ dl) + x[R_LEFT[j]!]! + 0x6ed9eba1) | 0;
    t = (((t << S_LEFT[j]!) | (t >>> (32 - S_LEFT[j]!))) + el) | 0;
    al = el; el = dl; dl = (cl << 10) | (cl >>> 22); cl = bl; bl = t;
  }
  for (; j < 64; j++) {
    t = (al + ((bl & dl) | (cl & ~dl)) + x[R_LEFT[j]!]! + (0x8f1bbcdc | 0)) | 0;
    t = (((t << S_LEFT[j]!) | (t >>> (32 - S_LEFT[j]!))) + el) | 0;
    al = el; el = dl; dl = (cl << 10) | (cl >>> 22); cl = bl; bl = t;
  }
  for (; j < 80; j++) {
    t = (al + (bl ^ (cl | ~dl)) + x[R_LEFT[j]!]! + (0xa953fd4e | 0)) | 0;
    t = (((t << S_LEFT[j]!) | (t >>> (32 - S_LEFT[j]!))) + el) | 0;
    al = el; el = dl; dl = (cl << 10) | (cl >>> 22); cl = bl; bl = t;
  }
  // right line: the same functions in reverse order
  for (j = 0; j < 16; j++) {
    t = (ar + (br ^ (cr | ~dr)) + x[R_RIGHT[j]!]! + 0x50a28be6) | 0;
    t = (((t << S_RIGHT[j]!) | (t >>> (32 - S_RIGHT[j]!))) + er) | 0;
    ar = er; er = dr; dr = (cr << 10) | (cr >>> 22); cr = br; br = t;
  }
  for (; j < 32; j++) {
    t = (ar + ((br & dr) | (cr & ~dr)) + x[R_RIGHT[j]!]! + 0x5c4dd124) | 0;
    t = (((t << S_RIGHT[j]!) | (t >>> (32 - S_RIGHT[j]!))) + er) | 0;
    ar = er; er = dr; dr = (cr << 10) | (cr >>> 22); cr = br; br = t;
  }
  for (; j < 48; j++) {
    t = (ar + ((br | ~cr) ^ dr) + x[R_RIGHT[j]!]! + 0x6d703ef3) | 0;
    t = (((t << S_RIGHT[j]!) | (t >>> (32 - S_RIGHT[j]!))) + er) | 0;
    ar = er; er = dr; dr = (cr << 10) | (cr >>> 22); cr = br; br = t;
  }
  for (; j < 64; j++) {
    t = (ar + ((br & cr) | (~br & dr)) + x[R_RIGHT[j]!]! + 0x7a6d76e9) | 0;
    t = (((t << S_RIGHT[j]!) | (t >>> (32 - S_RIGHT[j]!))) + er) | 0;
    ar = er; er = dr; dr = (cr << 10) | (cr >>> 22); cr = br; br = t;
  }
  for (; j < 80; j++) {
    t = (ar + (br ^ cr ^ dr) + x[R_RIGHT[j]!]!) | 0;
    t = (((t << S_RIGHT[j]!) | (t >>> (32 - S_RIGHT[j]!))) + er) | 0;
    ar = er; er = dr; dr = (cr << 10) | (cr >>> 22); cr = br; br = t;
  }
  t = (h[1]! + cl + dr) | 0;
  h[1] = (h[2]! + dl + er) | 0;
  h[2] = (h[3]! + el + ar) | 0;
  h[3] = (h[4]! + al + br) | 0;
  h[4] = (h[0]! + bl + cr) | 0;
  h[0] = t;
}

// Scratch state reused by every digest (single-threaded, never held across calls): a key digest
// allocates only its 20-byte result.
const H = new Int32Array(5);
const X = new Int32Array(16);
const TAIL = new Uint8Array(128);

/** RIPEMD-160 of `data[0, length)` (20 bytes). */
export function ripemd160Of(data: Uint8Array, length: number): Buffer {
  H[0] = 0x67452301;
  H[1] = 0xefcdab89 | 0;
  H[2] = 0x98badcfe | 0;
  H[3] = 0x10325476;
  H[4] = 0xc3d2e1f0 | 0;
  const whole = length & ~63;
  for (let at = 0; at < whole; at += 64) compress(H, X, data, at);
  // MD4-style padding of the tail: 0x80, zeros to 56 mod 64, then the bit length as u64 little-endian.
  const rest = length - whole;
  const tailLength = rest + 9 > 64 ? 128 : 64;
  // byte loops rather than fill/set/subarray: the tail is under 64 bytes, and a view per digest cost more than the copy
  for (let i = 0; i < rest; i++) TAIL[i] = data[whole + i]!;
  TAIL[rest] = 0x80;
  for (let i = rest + 1; i < tailLength - 8; i++) TAIL[i] = 0;
  const bits = length * 8;
  const low = bits >>> 0;
  const high = Math.floor(bits / 0x1_0000_0000);
  for (let i = 0; i < 4; i++) {
    TAIL[tailLength - 8 + i] = (low >>> (8 * i)) & 0xff;
    TAIL[tailLength - 4 + i] = (high >>> (8 * i)) & 0xff;
  }
  compress(H, X, TAIL, 0);
  if (tailLength === 128) compress(H, X, TAIL, 64);
  const out = Buffer.allocUnsafe(20);
  for (let i = 0, o = 0; i < 5; i++, o += 4) {
    const word = H[i]!;
    out[o] = word;
    out[o + 1] = word >>> 8;
    out[o + 2] = word >>> 16;
    out[o + 3] = word >>> 24;
  }
  return out;
}

/** RIPEMD-160 of the concatenation of `parts` (20 bytes). */
export function ripemd160(...parts: readonly Uint8Array[]): Buffer {
  if (parts.length === 1) return ripemd160Of(parts[0]!, parts[0]!.length);
  const data = Buffer.concat(parts);
  return ripemd160Of(data, data.length);
}
