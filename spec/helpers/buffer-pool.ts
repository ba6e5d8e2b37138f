// Node's shared Buffer pool, seen from specs: small Buffer.from/allocUnsafe buffers are carved from
// one 8 KiB ArrayBuffer, and any buffer of it exposes all of it (its `buffer`, and
// util.inspect(…, { showHidden: true }) prints the first bytes). Secrets must never land there.

/**
 * Starts a new pool chunk: what is allocated from the pool next lands at its start (after 8 bytes).
 * The chunk is zeroed past those 8 bytes: it is uninitialized memory, and may hold stale bytes of
 * freed buffers (a secret among them), which inBufferPool must not mistake for a fresh copy.
 */
export function freshBufferPool(): void {
  for (let i = 0; i < 2048; i++) {
    const first = Buffer.allocUnsafe(8);
    if (first.byteOffset === 0) {
      new Uint8Array(first.buffer, 8).fill(0);
      return;
    }
  }
  throw new Error('no new Buffer pool chunk after 16 KiB of 8-byte allocations (poolSize changed?)');
}

/** Whether `bytes` occur in the pool chunk small buffers are carved from now. */
export function inBufferPool(bytes: string | Uint8Array): boolean {
  const probe = Buffer.allocUnsafe(1);
  return Buffer.from(probe.buffer).indexOf(bytes) >= 0;
}
