// Node's shared Buffer pool, seen from specs: small Buffer.from/allocUnsafe buffers are carved from
// one 8 KiB ArrayBuffer, and any buffer of it exposes all of it (its `buffer`, and
// util.inspect(…, { showHidden: true }) prints the first bytes). Secrets must never land there.

/** Starts a new pool chunk: what is allocated from the pool next lands at its start. */
export function freshBufferPool(): void {
  for (let i = 0; i < 2048; i++) if (Buffer.allocUnsafe(8).byteOffset === 0) return;
  throw new Error('no new Buffer pool chunk after 16 KiB of 8-byte allocations (poolSize changed?)');
}

/** Whether `bytes` occur in the pool chunk small buffers are carved from now. */
export function inBufferPool(bytes: string | Uint8Array): boolean {
  const probe = Buffer.allocUnsafe(1);
  return Buffer.from(probe.buffer).indexOf(bytes) >= 0;
}
