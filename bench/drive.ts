// The measuring loop every scenario shares, so raw and rx runs are timed by the same code: N
// independent loops each issue one operation, and the next when it completes; a warm-up, then a
// fixed measuring window. Per-loop completion callbacks are made once, not per operation.

import { performance } from 'node:perf_hooks';

export interface Window {
  readonly warmupMs: number;
  readonly measureMs: number;
}

/** Running totals a scenario keeps; the window takes their difference, so long operations straddling its edges count by their bytes. */
export interface Counters {
  bytes: number;
  frames: number;
}

export interface Measured {
  readonly ops: number;
  readonly bytes: number;
  readonly frames: number;
  readonly seconds: number;
  /** Per-operation latencies in ms, of the operations that completed inside the window. */
  readonly latenciesMs: Float64Array;
}

/**
 * Runs `loops` loops. `issue(i, done)` starts one operation of loop i and must call `done` (the
 * same function every time for a given i) when it completes.
 */
export function drive(loops: number, issue: (loop: number, done: () => void) => void, window: Window, counters: Counters = { bytes: 0, frames: 0 }): Promise<Measured> {
  return new Promise((resolve) => {
    const started = new Float64Array(loops);
    let latencies = new Float64Array(1 << 16);
    let ops = 0;
    let measuring = false;
    let stopping = false;
    let active = loops;
    let windowStart = 0;
    let windowEnd = 0;
    let bytes = 0;
    let frames = 0;
    const finish = (): void =>
      resolve({ ops, bytes, frames, seconds: (windowEnd - windowStart) / 1000, latenciesMs: latencies.subarray(0, ops) });
    const dones = Array.from({ length: loops }, (_, i) => {
      const done = (): void => {
        const now = performance.now();
        if (measuring) {
          if (ops === latencies.length) {
            const grown = new Float64Array(ops * 2);
            grown.set(latencies);
            latencies = grown;
          }
          latencies[ops++] = now - started[i]!;
        }
        if (stopping) {
          if (--active === 0) finish();
          return;
        }
        started[i] = performance.now();
        issue(i, done);
      };
      return done;
    });
    setTimeout(() => {
      measuring = true;
      windowStart = performance.now();
      bytes = -counters.bytes;
      frames = -counters.frames;
      setTimeout(() => {
        measuring = false;
        stopping = true;
        windowEnd = performance.now();
        bytes += counters.bytes;
        frames += counters.frames;
      }, window.measureMs);
    }, window.warmupMs);
    for (let i = 0; i < loops; i++) {
      started[i] = performance.now();
      issue(i, dones[i]!);
    }
  });
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
