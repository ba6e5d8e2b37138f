// Bytes of a secret (a session token, a password or its bcrypt credential) in memory of their own.
// Buffer.from and Buffer.allocUnsafe carve small buffers from Node's shared 8 KiB pool, and any other
// buffer of that pool shows the pool's bytes to `util.inspect(x, { showHidden: true })` (as its
// `buffer`'s contents) or to anyone holding it: a secret there can surface in a log line of an
// unrelated object. Pure.

/** A copy of `bytes` in an ArrayBuffer of its own. */
export function secretCopy(bytes: Uint8Array): Buffer {
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  copy.set(bytes);
  return copy;
}

/** `text` as UTF-8 in an ArrayBuffer of its own. */
export function secretUtf8(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
  bytes.write(text, 'utf8');
  return bytes;
}
