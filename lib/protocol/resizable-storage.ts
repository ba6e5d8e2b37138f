// Resizable ArrayBuffers for storage that grows with the bytes received: a resize commits memory in
// place inside the reserved range, so growing never copies what is already there.
// Pure: returns undefined where the runtime has none, and the caller falls back to copying.

export type ResizableArrayBuffer = ArrayBuffer & { readonly resizable: boolean; readonly maxByteLength: number; resize(byteLength: number): void };

/** A resizable ArrayBuffer of `initialBytes` that may grow to `maxBytes`, or undefined where unsupported. */
export function resizableArrayBuffer(initialBytes: number, maxBytes: number): ResizableArrayBuffer | undefined {
  try {
    const store = new (ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ResizableArrayBuffer)(initialBytes, { maxByteLength: maxBytes });
    return store.resizable === true ? store : undefined;
  } catch {
    return undefined;
  }
}
