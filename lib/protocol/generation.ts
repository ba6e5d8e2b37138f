// Generation counters of the info protocol (`partition-generation`, `peers-generation`, ...).
// Pure: a value in, a number or a parse_error naming the info name out. It never decides what a
// generation means: `-1` (node not initialised) is returned when allowed, and refused by the tender.

import { decimalU32, infoValueError, refuseServerError, shown } from './info-value';

export interface ParseGenerationOptions {
  /** Accept `-1`, which `partition-generation` reports until the node has its first partition map. */
  readonly allowMinusOne?: boolean;
}

/**
 * A generation: a decimal integer 0..2^32-1 (the server prints a u32), or `-1` with
 * `allowMinusOne`. A missing value (`undefined`), a server `ERROR:…` answer or anything else is a
 * parse_error naming `infoName`.
 */
export function parseGeneration(value: string | undefined, infoName: string, opts: ParseGenerationOptions = {}): number {
  const expected = opts.allowMinusOne === true ? 'a generation (0..4294967295 or -1)' : 'a generation (0..4294967295)';
  if (value === undefined) throw infoValueError(infoName, `missing from the reply, expected ${expected}`);
  if (value === '-1' && opts.allowMinusOne === true) return -1;
  refuseServerError(value, infoName, expected);
  const generation = decimalU32(value);
  if (generation === undefined) throw infoValueError(infoName, `expected ${expected}, got ${shown(value)}`);
  return generation;
}
