// What the client bench reads and writes, shared by the server that seeds it, the seeding worker and
// every client worker, so each client asks for the same records. Benchmark support only.

export const NAMESPACE = process.env['AEROSPIKE_NAMESPACE'] ?? 'test';

/** The keys get/put/batch address, 0..count-1: bins `n` (the key) and a `data` blob. */
export const RECORD_SET = { name: 'rxc-records', count: 5000, blobBytes: 100 } as const;

/**
 * The scanned sets: 100,000 small records and 2,000 of 32 KiB for the full scans; 8,000 of 32 KiB
 * (256 MiB, far more than any read-ahead bound) for the slow consumer, so flat RSS there shows
 * backpressure rather than a set small enough to be held whole.
 */
export const SCAN_SETS = {
  small: { name: 'rxc-scan-small', count: 100_000, blobBytes: 100 },
  large: { name: 'rxc-scan-large', count: 2_000, blobBytes: 32 * 1024 },
  slow: { name: 'rxc-scan-slow', count: 8_000, blobBytes: 32 * 1024 },
} as const;

export type ScanSize = keyof typeof SCAN_SETS;

export const BATCH_KEYS = 100;

/** Per-call deadline every client is given; generous, so a slow round shows as latency, not errors. */
export const TOTAL_TIMEOUT_MS = 1000;
export const SOCKET_TIMEOUT_MS = 500;

/** Payload bytes of one record of a set (bin `n` 8 bytes + the blob): the MB/s numerator. */
export function payloadBytes(set: { readonly blobBytes: number }): number {
  return 8 + set.blobBytes;
}

/** The `data` blob written for every record (one shared buffer). */
export function blob(bytes: number): Buffer {
  return Buffer.alloc(bytes, 0x61);
}

/** The key indexes of batch `i`: 100 consecutive keys, wrapping. */
export function batchKeyIndexes(i: number): number[] {
  const first = (i * BATCH_KEYS) % RECORD_SET.count;
  return Array.from({ length: BATCH_KEYS }, (_, j) => (first + j) % RECORD_SET.count);
}

/** What every worker prints as its last stdout line (one JSON object). */
export interface WorkerResult {
  /** Operations (or records, for scans) completed in the measuring window. */
  readonly ops: number;
  readonly failed: number;
  readonly seconds: number;
  /** Client CPU (user + system, every thread) over the measuring window, µs. */
  readonly cpuUs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxRssMB: number;
  /** Slow consumer only: [seconds since start, RSS MB, JS heap used + array buffers MB] samples. */
  readonly rssSamples?: ReadonlyArray<readonly [number, number, number]>;
}

/** What the orchestrator asks a worker to do. */
export interface WorkerJob {
  readonly hosts: string;
  readonly op: 'get' | 'put' | 'batch' | 'scan' | 'scan-slow' | 'seed';
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly scan?: ScanSize;
  /** Write a CPU profile of the measuring window to this file. */
  readonly cpuProfile?: string;
}
