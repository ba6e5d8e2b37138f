// What the benchmark reads, shared by the server (which seeds it) and the scenarios (which request it).

export const BENCH_NAMESPACE = process.env['AEROSPIKE_NAMESPACE'] ?? 'test';

export const BENCH_SETS = {
  /** One record, key 0: a `n` integer and a 100-byte `data` blob. */
  get: 'bench-get',
  /** 50 records of a 32 KiB blob. */
  scanSmall: 'bench-scan50',
  /** 2000 records of a 32 KiB blob (64 MiB a scan). */
  scanLarge: 'bench-scan2000',
  /** Served by the simulated node's syntheticScan: 8192 frames of 128 KiB (1 GiB), never stored. */
  synthetic: 'bench-synthetic-1g',
} as const;

export const SCAN_RECORD_BYTES = 32 * 1024;
export const SYNTHETIC_FRAMES = 8192;
export const SYNTHETIC_FRAME_BYTES = 128 * 1024;
