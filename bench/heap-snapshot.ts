// Memory and handles of this process once closing sockets have settled and garbage was collected,
// for the soak runs: the same measurement at start, middle and end makes their growth comparable.

/** The GC hook when node runs with --expose-gc (npm run soak and soak:cluster set it). */
export const gc = (globalThis as { gc?: () => void }).gc;

export interface SettledMemory {
  readonly heapUsedMiB: number;
  readonly externalMiB: number;
  readonly rssMiB: number;
  /** Active resources by type (process.getActiveResourcesInfo). */
  readonly handles: Record<string, number>;
  /** Heap, external and rss as text. */
  readonly memoryText: string;
  /** The handles as text: `{Type n, …}`. */
  readonly handlesText: string;
}

export async function settledMemory(): Promise<SettledMemory> {
  // let closing sockets reach libuv's close phase, then collect twice (weak callbacks run between)
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
  gc?.();
  await new Promise<void>((r) => setImmediate(r));
  gc?.();
  const m = process.memoryUsage();
  const handles: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) handles[type] = (handles[type] ?? 0) + 1;
  const listed = Object.entries(handles)
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const mib = (bytes: number): number => bytes / 2 ** 20;
  return {
    heapUsedMiB: mib(m.heapUsed),
    externalMiB: mib(m.external),
    rssMiB: mib(m.rss),
    handles,
    memoryText: `heapUsed ${mib(m.heapUsed).toFixed(1)} MiB, external ${mib(m.external).toFixed(1)} MiB, rss ${mib(m.rss).toFixed(1)} MiB`,
    handlesText: `{${listed}}`,
  };
}
