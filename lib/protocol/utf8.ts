// Strings go on the wire as UTF-8, and a lone (unpaired) UTF-16 surrogate has no UTF-8 form: Buffer
// writes U+FFFD (EF BF BD) in its place, so '\uD800', '\uDFFF' and '\uFFFD' would become the same
// bytes (one digest, one record, one map key) and the value read back would not be the one written.
// Every encoder refuses such a string instead, with a TypeError naming where it was found. Pure.

/** ES2024's String.prototype.isWellFormed (Node ≥ 20, Bun, Deno), which the ES2022 lib does not declare. */
interface WellFormed {
  isWellFormed(): boolean;
}

/** False when `s` holds a lone surrogate. O(1) for a one-byte string (V8 answers from its representation). */
export function isWellFormed(s: string): boolean {
  return (s as unknown as WellFormed).isWellFormed();
}

/** The index of the first lone surrogate of `s`, or -1. */
export function loneSurrogateIndex(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

/**
 * `<where>: a string with a lone surrogate at index <i> cannot be sent as UTF-8` (no `<where>: ` when
 * `where` is ''); `what` replaces "a string" (`a map key`). `secret`: the index is left out, as it
 * would tell something of a password.
 */
export function loneSurrogateError(s: string, where: string, what = 'a string', secret = false): TypeError {
  const at = secret ? '' : ` at index ${loneSurrogateIndex(s)}`;
  return new TypeError(`${where === '' ? '' : `${where}: `}${what} with a lone surrogate${at} cannot be sent as UTF-8`);
}

/** Throws loneSurrogateError unless `s` is well-formed UTF-16. */
export function checkWellFormed(s: string, where: string, what?: string): void {
  if (!isWellFormed(s)) throw loneSurrogateError(s, where, what);
}
