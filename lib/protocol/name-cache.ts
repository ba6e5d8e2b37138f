// Decoded names that replies repeat in every record (namespace, set, bin names): the same bytes give
// the same string without a UTF-8 decode. Pure; a small direct-mapped table, each slot checked byte for byte.

/** Names longer than this are decoded every time (names are short: bins ≤ 15 bytes, sets ≤ 63). */
const MAX_CACHED_BYTES = 64;
const SLOTS = 256;

const slotBytes: Array<Buffer | undefined> = new Array<Buffer | undefined>(SLOTS).fill(undefined);
const slotNames: string[] = new Array<string>(SLOTS).fill('');

/** `b.toString('utf8', start, end)`, served from the table when the same bytes were decoded before. */
export function decodeName(b: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length > MAX_CACHED_BYTES || length === 0) return b.toString('utf8', start, end);
  // the slot: length and the first, middle and last bytes, which tell apart names of one family ("bin1", "bin2")
  const slot = (length * 31 + b[start]! * 7 + b[start + (length >> 1)]! * 3 + b[end - 1]!) & (SLOTS - 1);
  const cached = slotBytes[slot];
  if (cached !== undefined && cached.length === length) {
    let i = 0;
    while (i < length && cached[i] === b[start + i]) i++;
    if (i === length) return slotNames[slot]!;
  }
  const name = b.toString('utf8', start, end);
  const bytes = Buffer.allocUnsafeSlow(length);
  b.copy(bytes, 0, start, end);
  slotBytes[slot] = bytes;
  slotNames[slot] = name;
  return name;
}
