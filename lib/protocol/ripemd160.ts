// RIPEMD-160 (Dobbertin, Bosselaers, Preneel 1996) in plain TypeScript, for key digests.
// OpenSSL 3 moved RIPEMD-160 to its legacy provider (some Node builds, Bun and browsers lack it),
// so the digest never depends on node:crypto. Pure: bytes in, 20 bytes out.

/**
 * One 64-byte block of `data` at `at` into `h`, unrolled: the 16 message words are locals, and each of
 * the 160 steps names its word, rotation and constant, so no table is read per step. The variables
 * change roles from one step to the next instead of moving their values along (a ← e, b ← the step's
 * result, c ← b, d ← c rotated by 10, e ← d); after 80 steps each holds its first role again. Step j
 * of a line uses message word r(j), rotation s(j) and the constant of its round (RIPEMD-160 paper, §3).
 */
function compress(h: Int32Array, data: Uint8Array, at: number): void {
  const x0 = data[at + 0]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24);
  const x1 = data[at + 4]! | (data[at + 5]! << 8) | (data[at + 6]! << 16) | (data[at + 7]! << 24);
  const x2 = data[at + 8]! | (data[at + 9]! << 8) | (data[at + 10]! << 16) | (data[at + 11]! << 24);
  const x3 = data[at + 12]! | (data[at + 13]! << 8) | (data[at + 14]! << 16) | (data[at + 15]! << 24);
  const x4 = data[at + 16]! | (data[at + 17]! << 8) | (data[at + 18]! << 16) | (data[at + 19]! << 24);
  const x5 = data[at + 20]! | (data[at + 21]! << 8) | (data[at + 22]! << 16) | (data[at + 23]! << 24);
  const x6 = data[at + 24]! | (data[at + 25]! << 8) | (data[at + 26]! << 16) | (data[at + 27]! << 24);
  const x7 = data[at + 28]! | (data[at + 29]! << 8) | (data[at + 30]! << 16) | (data[at + 31]! << 24);
  const x8 = data[at + 32]! | (data[at + 33]! << 8) | (data[at + 34]! << 16) | (data[at + 35]! << 24);
  const x9 = data[at + 36]! | (data[at + 37]! << 8) | (data[at + 38]! << 16) | (data[at + 39]! << 24);
  const x10 = data[at + 40]! | (data[at + 41]! << 8) | (data[at + 42]! << 16) | (data[at + 43]! << 24);
  const x11 = data[at + 44]! | (data[at + 45]! << 8) | (data[at + 46]! << 16) | (data[at + 47]! << 24);
  const x12 = data[at + 48]! | (data[at + 49]! << 8) | (data[at + 50]! << 16) | (data[at + 51]! << 24);
  const x13 = data[at + 52]! | (data[at + 53]! << 8) | (data[at + 54]! << 16) | (data[at + 55]! << 24);
  const x14 = data[at + 56]! | (data[at + 57]! << 8) | (data[at + 58]! << 16) | (data[at + 59]! << 24);
  const x15 = data[at + 60]! | (data[at + 61]! << 8) | (data[at + 62]! << 16) | (data[at + 63]! << 24);
  let la = h[0]!, lb = h[1]!, lc = h[2]!, ld = h[3]!, le = h[4]!;
  let ra = la, rb = lb, rc = lc, rd = ld, re = le;
  let t = 0;
  // left line, rounds 1–5: f = x^y^z, (x&y)|(~x&z), (x|~y)^z, (x&z)|(y&~z), x^(y|~z)
  t = (la + (lb ^ lc ^ ld) + x0) | 0; la = (((t << 11) | (t >>> 21)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + (la ^ lb ^ lc) + x1) | 0; le = (((t << 14) | (t >>> 18)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + (le ^ la ^ lb) + x2) | 0; ld = (((t << 15) | (t >>> 17)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + (ld ^ le ^ la) + x3) | 0; lc = (((t << 12) | (t >>> 20)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + (lc ^ ld ^ le) + x4) | 0; lb = (((t << 5) | (t >>> 27)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + (lb ^ lc ^ ld) + x5) | 0; la = (((t << 8) | (t >>> 24)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + (la ^ lb ^ lc) + x6) | 0; le = (((t << 7) | (t >>> 25)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + (le ^ la ^ lb) + x7) | 0; ld = (((t << 9) | (t >>> 23)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + (ld ^ le ^ la) + x8) | 0; lc = (((t << 11) | (t >>> 21)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + (lc ^ ld ^ le) + x9) | 0; lb = (((t << 13) | (t >>> 19)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + (lb ^ lc ^ ld) + x10) | 0; la = (((t << 14) | (t >>> 18)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + (la ^ lb ^ lc) + x11) | 0; le = (((t << 15) | (t >>> 17)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + (le ^ la ^ lb) + x12) | 0; ld = (((t << 6) | (t >>> 26)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + (ld ^ le ^ la) + x13) | 0; lc = (((t << 7) | (t >>> 25)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + (lc ^ ld ^ le) + x14) | 0; lb = (((t << 9) | (t >>> 23)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + (lb ^ lc ^ ld) + x15) | 0; la = (((t << 8) | (t >>> 24)) + le) | 0; lc = (lc << 10) | (lc >>> 22);

  t = (le + ((la & lb) | (~la & lc)) + x7 + 0x5a827999) | 0; le = (((t << 7) | (t >>> 25)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + ((le & la) | (~le & lb)) + x4 + 0x5a827999) | 0; ld = (((t << 6) | (t >>> 26)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + ((ld & le) | (~ld & la)) + x13 + 0x5a827999) | 0; lc = (((t << 8) | (t >>> 24)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + ((lc & ld) | (~lc & le)) + x1 + 0x5a827999) | 0; lb = (((t << 13) | (t >>> 19)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + ((lb & lc) | (~lb & ld)) + x10 + 0x5a827999) | 0; la = (((t << 11) | (t >>> 21)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + ((la & lb) | (~la & lc)) + x6 + 0x5a827999) | 0; le = (((t << 9) | (t >>> 23)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + ((le & la) | (~le & lb)) + x15 + 0x5a827999) | 0; ld = (((t << 7) | (t >>> 25)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + ((ld & le) | (~ld & la)) + x3 + 0x5a827999) | 0; lc = (((t << 15) | (t >>> 17)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + ((lc & ld) | (~lc & le)) + x12 + 0x5a827999) | 0; lb = (((t << 7) | (t >>> 25)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + ((lb & lc) | (~lb & ld)) + x0 + 0x5a827999) | 0; la = (((t << 12) | (t >>> 20)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + ((la & lb) | (~la & lc)) + x9 + 0x5a827999) | 0; le = (((t << 15) | (t >>> 17)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + ((le & la) | (~le & lb)) + x5 + 0x5a827999) | 0; ld = (((t << 9) | (t >>> 23)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + ((ld & le) | (~ld & la)) + x2 + 0x5a827999) | 0; lc = (((t << 11) | (t >>> 21)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + ((lc & ld) | (~lc & le)) + x14 + 0x5a827999) | 0; lb = (((t << 7) | (t >>> 25)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + ((lb & lc) | (~lb & ld)) + x11 + 0x5a827999) | 0; la = (((t << 13) | (t >>> 19)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + ((la & lb) | (~la & lc)) + x8 + 0x5a827999) | 0; le = (((t << 12) | (t >>> 20)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);

  t = (ld + ((le | ~la) ^ lb) + x3 + 0x6ed9eba1) | 0; ld = (((t << 11) | (t >>> 21)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + ((ld | ~le) ^ la) + x10 + 0x6ed9eba1) | 0; lc = (((t << 13) | (t >>> 19)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + ((lc | ~ld) ^ le) + x14 + 0x6ed9eba1) | 0; lb = (((t << 6) | (t >>> 26)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + ((lb | ~lc) ^ ld) + x4 + 0x6ed9eba1) | 0; la = (((t << 7) | (t >>> 25)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + ((la | ~lb) ^ lc) + x9 + 0x6ed9eba1) | 0; le = (((t << 14) | (t >>> 18)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + ((le | ~la) ^ lb) + x15 + 0x6ed9eba1) | 0; ld = (((t << 9) | (t >>> 23)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + ((ld | ~le) ^ la) + x8 + 0x6ed9eba1) | 0; lc = (((t << 13) | (t >>> 19)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + ((lc | ~ld) ^ le) + x1 + 0x6ed9eba1) | 0; lb = (((t << 15) | (t >>> 17)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + ((lb | ~lc) ^ ld) + x2 + 0x6ed9eba1) | 0; la = (((t << 14) | (t >>> 18)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + ((la | ~lb) ^ lc) + x7 + 0x6ed9eba1) | 0; le = (((t << 8) | (t >>> 24)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + ((le | ~la) ^ lb) + x0 + 0x6ed9eba1) | 0; ld = (((t << 13) | (t >>> 19)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + ((ld | ~le) ^ la) + x6 + 0x6ed9eba1) | 0; lc = (((t << 6) | (t >>> 26)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + ((lc | ~ld) ^ le) + x13 + 0x6ed9eba1) | 0; lb = (((t << 5) | (t >>> 27)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + ((lb | ~lc) ^ ld) + x11 + 0x6ed9eba1) | 0; la = (((t << 12) | (t >>> 20)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + ((la | ~lb) ^ lc) + x5 + 0x6ed9eba1) | 0; le = (((t << 7) | (t >>> 25)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + ((le | ~la) ^ lb) + x12 + 0x6ed9eba1) | 0; ld = (((t << 5) | (t >>> 27)) + lc) | 0; la = (la << 10) | (la >>> 22);

  t = (lc + ((ld & la) | (le & ~la)) + x1 + (0x8f1bbcdc | 0)) | 0; lc = (((t << 11) | (t >>> 21)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + ((lc & le) | (ld & ~le)) + x9 + (0x8f1bbcdc | 0)) | 0; lb = (((t << 12) | (t >>> 20)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + ((lb & ld) | (lc & ~ld)) + x11 + (0x8f1bbcdc | 0)) | 0; la = (((t << 14) | (t >>> 18)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + ((la & lc) | (lb & ~lc)) + x10 + (0x8f1bbcdc | 0)) | 0; le = (((t << 15) | (t >>> 17)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + ((le & lb) | (la & ~lb)) + x0 + (0x8f1bbcdc | 0)) | 0; ld = (((t << 14) | (t >>> 18)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + ((ld & la) | (le & ~la)) + x8 + (0x8f1bbcdc | 0)) | 0; lc = (((t << 15) | (t >>> 17)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + ((lc & le) | (ld & ~le)) + x12 + (0x8f1bbcdc | 0)) | 0; lb = (((t << 9) | (t >>> 23)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + ((lb & ld) | (lc & ~ld)) + x4 + (0x8f1bbcdc | 0)) | 0; la = (((t << 8) | (t >>> 24)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + ((la & lc) | (lb & ~lc)) + x13 + (0x8f1bbcdc | 0)) | 0; le = (((t << 9) | (t >>> 23)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + ((le & lb) | (la & ~lb)) + x3 + (0x8f1bbcdc | 0)) | 0; ld = (((t << 14) | (t >>> 18)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + ((ld & la) | (le & ~la)) + x7 + (0x8f1bbcdc | 0)) | 0; lc = (((t << 5) | (t >>> 27)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + ((lc & le) | (ld & ~le)) + x15 + (0x8f1bbcdc | 0)) | 0; lb = (((t << 6) | (t >>> 26)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + ((lb & ld) | (lc & ~ld)) + x14 + (0x8f1bbcdc | 0)) | 0; la = (((t << 8) | (t >>> 24)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + ((la & lc) | (lb & ~lc)) + x5 + (0x8f1bbcdc | 0)) | 0; le = (((t << 6) | (t >>> 26)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + ((le & lb) | (la & ~lb)) + x6 + (0x8f1bbcdc | 0)) | 0; ld = (((t << 5) | (t >>> 27)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + ((ld & la) | (le & ~la)) + x2 + (0x8f1bbcdc | 0)) | 0; lc = (((t << 12) | (t >>> 20)) + lb) | 0; le = (le << 10) | (le >>> 22);

  t = (lb + (lc ^ (ld | ~le)) + x4 + (0xa953fd4e | 0)) | 0; lb = (((t << 9) | (t >>> 23)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + (lb ^ (lc | ~ld)) + x0 + (0xa953fd4e | 0)) | 0; la = (((t << 15) | (t >>> 17)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + (la ^ (lb | ~lc)) + x5 + (0xa953fd4e | 0)) | 0; le = (((t << 5) | (t >>> 27)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + (le ^ (la | ~lb)) + x9 + (0xa953fd4e | 0)) | 0; ld = (((t << 11) | (t >>> 21)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + (ld ^ (le | ~la)) + x7 + (0xa953fd4e | 0)) | 0; lc = (((t << 6) | (t >>> 26)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + (lc ^ (ld | ~le)) + x12 + (0xa953fd4e | 0)) | 0; lb = (((t << 8) | (t >>> 24)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + (lb ^ (lc | ~ld)) + x2 + (0xa953fd4e | 0)) | 0; la = (((t << 13) | (t >>> 19)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + (la ^ (lb | ~lc)) + x10 + (0xa953fd4e | 0)) | 0; le = (((t << 12) | (t >>> 20)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + (le ^ (la | ~lb)) + x14 + (0xa953fd4e | 0)) | 0; ld = (((t << 5) | (t >>> 27)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + (ld ^ (le | ~la)) + x1 + (0xa953fd4e | 0)) | 0; lc = (((t << 12) | (t >>> 20)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + (lc ^ (ld | ~le)) + x3 + (0xa953fd4e | 0)) | 0; lb = (((t << 13) | (t >>> 19)) + la) | 0; ld = (ld << 10) | (ld >>> 22);
  t = (la + (lb ^ (lc | ~ld)) + x8 + (0xa953fd4e | 0)) | 0; la = (((t << 14) | (t >>> 18)) + le) | 0; lc = (lc << 10) | (lc >>> 22);
  t = (le + (la ^ (lb | ~lc)) + x11 + (0xa953fd4e | 0)) | 0; le = (((t << 11) | (t >>> 21)) + ld) | 0; lb = (lb << 10) | (lb >>> 22);
  t = (ld + (le ^ (la | ~lb)) + x6 + (0xa953fd4e | 0)) | 0; ld = (((t << 8) | (t >>> 24)) + lc) | 0; la = (la << 10) | (la >>> 22);
  t = (lc + (ld ^ (le | ~la)) + x15 + (0xa953fd4e | 0)) | 0; lc = (((t << 5) | (t >>> 27)) + lb) | 0; le = (le << 10) | (le >>> 22);
  t = (lb + (lc ^ (ld | ~le)) + x13 + (0xa953fd4e | 0)) | 0; lb = (((t << 6) | (t >>> 26)) + la) | 0; ld = (ld << 10) | (ld >>> 22);

  // right line: the same functions in reverse order, its own words, rotations and constants
  t = (ra + (rb ^ (rc | ~rd)) + x5 + 0x50a28be6) | 0; ra = (((t << 8) | (t >>> 24)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + (ra ^ (rb | ~rc)) + x14 + 0x50a28be6) | 0; re = (((t << 9) | (t >>> 23)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + (re ^ (ra | ~rb)) + x7 + 0x50a28be6) | 0; rd = (((t << 9) | (t >>> 23)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + (rd ^ (re | ~ra)) + x0 + 0x50a28be6) | 0; rc = (((t << 11) | (t >>> 21)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + (rc ^ (rd | ~re)) + x9 + 0x50a28be6) | 0; rb = (((t << 13) | (t >>> 19)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + (rb ^ (rc | ~rd)) + x2 + 0x50a28be6) | 0; ra = (((t << 15) | (t >>> 17)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + (ra ^ (rb | ~rc)) + x11 + 0x50a28be6) | 0; re = (((t << 15) | (t >>> 17)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + (re ^ (ra | ~rb)) + x4 + 0x50a28be6) | 0; rd = (((t << 5) | (t >>> 27)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + (rd ^ (re | ~ra)) + x13 + 0x50a28be6) | 0; rc = (((t << 7) | (t >>> 25)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + (rc ^ (rd | ~re)) + x6 + 0x50a28be6) | 0; rb = (((t << 7) | (t >>> 25)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + (rb ^ (rc | ~rd)) + x15 + 0x50a28be6) | 0; ra = (((t << 8) | (t >>> 24)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + (ra ^ (rb | ~rc)) + x8 + 0x50a28be6) | 0; re = (((t << 11) | (t >>> 21)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + (re ^ (ra | ~rb)) + x1 + 0x50a28be6) | 0; rd = (((t << 14) | (t >>> 18)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + (rd ^ (re | ~ra)) + x10 + 0x50a28be6) | 0; rc = (((t << 14) | (t >>> 18)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + (rc ^ (rd | ~re)) + x3 + 0x50a28be6) | 0; rb = (((t << 12) | (t >>> 20)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + (rb ^ (rc | ~rd)) + x12 + 0x50a28be6) | 0; ra = (((t << 6) | (t >>> 26)) + re) | 0; rc = (rc << 10) | (rc >>> 22);

  t = (re + ((ra & rc) | (rb & ~rc)) + x6 + 0x5c4dd124) | 0; re = (((t << 9) | (t >>> 23)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + ((re & rb) | (ra & ~rb)) + x11 + 0x5c4dd124) | 0; rd = (((t << 13) | (t >>> 19)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + ((rd & ra) | (re & ~ra)) + x3 + 0x5c4dd124) | 0; rc = (((t << 15) | (t >>> 17)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + ((rc & re) | (rd & ~re)) + x7 + 0x5c4dd124) | 0; rb = (((t << 7) | (t >>> 25)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + ((rb & rd) | (rc & ~rd)) + x0 + 0x5c4dd124) | 0; ra = (((t << 12) | (t >>> 20)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + ((ra & rc) | (rb & ~rc)) + x13 + 0x5c4dd124) | 0; re = (((t << 8) | (t >>> 24)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + ((re & rb) | (ra & ~rb)) + x5 + 0x5c4dd124) | 0; rd = (((t << 9) | (t >>> 23)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + ((rd & ra) | (re & ~ra)) + x10 + 0x5c4dd124) | 0; rc = (((t << 11) | (t >>> 21)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + ((rc & re) | (rd & ~re)) + x14 + 0x5c4dd124) | 0; rb = (((t << 7) | (t >>> 25)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + ((rb & rd) | (rc & ~rd)) + x15 + 0x5c4dd124) | 0; ra = (((t << 7) | (t >>> 25)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + ((ra & rc) | (rb & ~rc)) + x8 + 0x5c4dd124) | 0; re = (((t << 12) | (t >>> 20)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + ((re & rb) | (ra & ~rb)) + x12 + 0x5c4dd124) | 0; rd = (((t << 7) | (t >>> 25)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + ((rd & ra) | (re & ~ra)) + x4 + 0x5c4dd124) | 0; rc = (((t << 6) | (t >>> 26)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + ((rc & re) | (rd & ~re)) + x9 + 0x5c4dd124) | 0; rb = (((t << 15) | (t >>> 17)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + ((rb & rd) | (rc & ~rd)) + x1 + 0x5c4dd124) | 0; ra = (((t << 13) | (t >>> 19)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + ((ra & rc) | (rb & ~rc)) + x2 + 0x5c4dd124) | 0; re = (((t << 11) | (t >>> 21)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);

  t = (rd + ((re | ~ra) ^ rb) + x15 + 0x6d703ef3) | 0; rd = (((t << 9) | (t >>> 23)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + ((rd | ~re) ^ ra) + x5 + 0x6d703ef3) | 0; rc = (((t << 7) | (t >>> 25)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + ((rc | ~rd) ^ re) + x1 + 0x6d703ef3) | 0; rb = (((t << 15) | (t >>> 17)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + ((rb | ~rc) ^ rd) + x3 + 0x6d703ef3) | 0; ra = (((t << 11) | (t >>> 21)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + ((ra | ~rb) ^ rc) + x7 + 0x6d703ef3) | 0; re = (((t << 8) | (t >>> 24)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + ((re | ~ra) ^ rb) + x14 + 0x6d703ef3) | 0; rd = (((t << 6) | (t >>> 26)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + ((rd | ~re) ^ ra) + x6 + 0x6d703ef3) | 0; rc = (((t << 6) | (t >>> 26)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + ((rc | ~rd) ^ re) + x9 + 0x6d703ef3) | 0; rb = (((t << 14) | (t >>> 18)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + ((rb | ~rc) ^ rd) + x11 + 0x6d703ef3) | 0; ra = (((t << 12) | (t >>> 20)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + ((ra | ~rb) ^ rc) + x8 + 0x6d703ef3) | 0; re = (((t << 13) | (t >>> 19)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + ((re | ~ra) ^ rb) + x12 + 0x6d703ef3) | 0; rd = (((t << 5) | (t >>> 27)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + ((rd | ~re) ^ ra) + x2 + 0x6d703ef3) | 0; rc = (((t << 14) | (t >>> 18)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + ((rc | ~rd) ^ re) + x10 + 0x6d703ef3) | 0; rb = (((t << 13) | (t >>> 19)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + ((rb | ~rc) ^ rd) + x0 + 0x6d703ef3) | 0; ra = (((t << 13) | (t >>> 19)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + ((ra | ~rb) ^ rc) + x4 + 0x6d703ef3) | 0; re = (((t << 7) | (t >>> 25)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + ((re | ~ra) ^ rb) + x13 + 0x6d703ef3) | 0; rd = (((t << 5) | (t >>> 27)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);

  t = (rc + ((rd & re) | (~rd & ra)) + x8 + 0x7a6d76e9) | 0; rc = (((t << 15) | (t >>> 17)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + ((rc & rd) | (~rc & re)) + x6 + 0x7a6d76e9) | 0; rb = (((t << 5) | (t >>> 27)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + ((rb & rc) | (~rb & rd)) + x4 + 0x7a6d76e9) | 0; ra = (((t << 8) | (t >>> 24)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + ((ra & rb) | (~ra & rc)) + x1 + 0x7a6d76e9) | 0; re = (((t << 11) | (t >>> 21)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + ((re & ra) | (~re & rb)) + x3 + 0x7a6d76e9) | 0; rd = (((t << 14) | (t >>> 18)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + ((rd & re) | (~rd & ra)) + x11 + 0x7a6d76e9) | 0; rc = (((t << 14) | (t >>> 18)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + ((rc & rd) | (~rc & re)) + x15 + 0x7a6d76e9) | 0; rb = (((t << 6) | (t >>> 26)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + ((rb & rc) | (~rb & rd)) + x0 + 0x7a6d76e9) | 0; ra = (((t << 14) | (t >>> 18)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + ((ra & rb) | (~ra & rc)) + x5 + 0x7a6d76e9) | 0; re = (((t << 6) | (t >>> 26)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + ((re & ra) | (~re & rb)) + x12 + 0x7a6d76e9) | 0; rd = (((t << 9) | (t >>> 23)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + ((rd & re) | (~rd & ra)) + x2 + 0x7a6d76e9) | 0; rc = (((t << 12) | (t >>> 20)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + ((rc & rd) | (~rc & re)) + x13 + 0x7a6d76e9) | 0; rb = (((t << 9) | (t >>> 23)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + ((rb & rc) | (~rb & rd)) + x9 + 0x7a6d76e9) | 0; ra = (((t << 12) | (t >>> 20)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + ((ra & rb) | (~ra & rc)) + x7 + 0x7a6d76e9) | 0; re = (((t << 5) | (t >>> 27)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + ((re & ra) | (~re & rb)) + x10 + 0x7a6d76e9) | 0; rd = (((t << 15) | (t >>> 17)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + ((rd & re) | (~rd & ra)) + x14 + 0x7a6d76e9) | 0; rc = (((t << 8) | (t >>> 24)) + rb) | 0; re = (re << 10) | (re >>> 22);

  t = (rb + (rc ^ rd ^ re) + x12) | 0; rb = (((t << 8) | (t >>> 24)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + (rb ^ rc ^ rd) + x15) | 0; ra = (((t << 5) | (t >>> 27)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + (ra ^ rb ^ rc) + x10) | 0; re = (((t << 12) | (t >>> 20)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + (re ^ ra ^ rb) + x4) | 0; rd = (((t << 9) | (t >>> 23)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + (rd ^ re ^ ra) + x1) | 0; rc = (((t << 12) | (t >>> 20)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + (rc ^ rd ^ re) + x5) | 0; rb = (((t << 5) | (t >>> 27)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + (rb ^ rc ^ rd) + x8) | 0; ra = (((t << 14) | (t >>> 18)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + (ra ^ rb ^ rc) + x7) | 0; re = (((t << 6) | (t >>> 26)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + (re ^ ra ^ rb) + x6) | 0; rd = (((t << 8) | (t >>> 24)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + (rd ^ re ^ ra) + x2) | 0; rc = (((t << 13) | (t >>> 19)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + (rc ^ rd ^ re) + x13) | 0; rb = (((t << 6) | (t >>> 26)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);
  t = (ra + (rb ^ rc ^ rd) + x14) | 0; ra = (((t << 5) | (t >>> 27)) + re) | 0; rc = (rc << 10) | (rc >>> 22);
  t = (re + (ra ^ rb ^ rc) + x0) | 0; re = (((t << 15) | (t >>> 17)) + rd) | 0; rb = (rb << 10) | (rb >>> 22);
  t = (rd + (re ^ ra ^ rb) + x3) | 0; rd = (((t << 13) | (t >>> 19)) + rc) | 0; ra = (ra << 10) | (ra >>> 22);
  t = (rc + (rd ^ re ^ ra) + x9) | 0; rc = (((t << 11) | (t >>> 21)) + rb) | 0; re = (re << 10) | (re >>> 22);
  t = (rb + (rc ^ rd ^ re) + x11) | 0; rb = (((t << 11) | (t >>> 21)) + ra) | 0; rd = (rd << 10) | (rd >>> 22);

  t = (h[1]! + lc + rd) | 0;
  h[1] = (h[2]! + ld + re) | 0;
  h[2] = (h[3]! + le + ra) | 0;
  h[3] = (h[4]! + la + rb) | 0;
  h[4] = (h[0]! + lb + rc) | 0;
  h[0] = t;
}

// Scratch state reused by every digest (single-threaded, never held across calls): a key digest
// allocates only its 20-byte result.
const H = new Int32Array(5);
const TAIL = new Uint8Array(128);

/** RIPEMD-160 of `data[0, length)` (20 bytes). */
export function ripemd160Of(data: Uint8Array, length: number): Buffer {
  H[0] = 0x67452301;
  H[1] = 0xefcdab89 | 0;
  H[2] = 0x98badcfe | 0;
  H[3] = 0x10325476;
  H[4] = 0xc3d2e1f0 | 0;
  const whole = length & ~63;
  for (let at = 0; at < whole; at += 64) compress(H, data, at);
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
  compress(H, TAIL, 0);
  if (tailLength === 128) compress(H, TAIL, 64);
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
