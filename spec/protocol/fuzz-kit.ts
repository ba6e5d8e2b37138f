// The seeded PRNG of the codec fuzzers. Each target gets its own stream derived from the seed, so a
// failure replays regardless of jasmine's spec order: FUZZ_SEED=<seed> node spec/run.js <spec>.
// HARDENING_LONG=1 (the switch of spec/hardening) selects the long runs.

export const SEED = Number(process.env['FUZZ_SEED'] ?? 0x5eed_2024) >>> 0;
export const LONG_MODE = process.env['HARDENING_LONG'] === '1';

export type Rng = () => number;

/** mulberry32: a tiny, well-mixed 32-bit PRNG; returns [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function rngFor(target: string): Rng {
  let h = SEED ^ 0x9e3779b9;
  for (let i = 0; i < target.length; i++) h = Math.imul(h ^ target.charCodeAt(i), 0x01000193);
  return mulberry32(h);
}

export const int = (rng: Rng, n: number): number => Math.floor(rng() * n);
export const pick = <T>(rng: Rng, items: readonly T[]): T => items[int(rng, items.length)]!;
