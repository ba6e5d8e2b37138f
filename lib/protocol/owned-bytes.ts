// Copies of reply bytes a decoded value keeps when the reply's memory will be reused (a lent scan
// frame): values of 4 KiB or more get memory of their own, smaller ones are carved from a private
// slab. Not from Node's shared Buffer pool: a value's ArrayBuffer must hold record bytes only, not
// whatever else the process put in the pool. Pure.

const SLAB_BYTES = 16 * 1024;
const OWN_MEMORY_BYTES = 4 * 1024;

let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;

/** `b[start, end)` copied into memory no reply shares. */
export function ownedBytes(b: Buffer, start: number, end: number): Buffer {
  const length = end - start;
  if (length >= OWN_MEMORY_BYTES) {
    const copy = Buffer.allocUnsafeSlow(length);
    b.copy(copy, 0, start, end);
    return copy;
  }
  if (slabUsed + length > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const copy = slab.subarray(slabUsed, slabUsed + length);
  // short copies (digests) by hand: Buffer#copy's own checks cost more than 20 bytes do
  if (length <= 32) for (let i = 0; i < length; i++) copy[i] = b[start + i]!;
  else b.copy(copy, 0, start, end);
  // 8-byte aligned, so a value's bytes start where typed-array views of them may
  slabUsed += (length + 7) & ~7;
  return copy;
}
