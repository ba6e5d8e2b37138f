// The timing every client worker shares, so the three clients are measured by the same code: a
// load of N loops through bench/drive.ts with the client CPU of its measuring window, or one timed
// run (a scan) with its CPU, and the one JSON line a worker prints. Benchmark support only.

import { performance } from 'node:perf_hooks';
import { drive, percentile } from '../drive';
import type { WorkerJob, WorkerResult } from './data';

export function maxRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

const cpuMicros = (u: NodeJS.CpuUsage): number => u.user + u.system;

/**
 * `loops` loops each issuing one operation at a time (`issue(loop, done, fail)`), warm-up then the
 * measuring window of the job; the CPU is process.cpuUsage() across that window.
 */
export async function measureLoad(job: WorkerJob, loops: number, issue: (loop: number, done: () => void) => void, failures: () => number): Promise<WorkerResult> {
  let cpuAtWindow = process.cpuUsage();
  let failedAtWindow = 0;
  setTimeout(() => {
    cpuAtWindow = process.cpuUsage();
    failedAtWindow = failures();
  }, job.warmupMs);
  const windowCpu = new Promise<number>((resolve) => setTimeout(() => resolve(cpuMicros(process.cpuUsage(cpuAtWindow))), job.warmupMs + job.measureMs));
  const measured = await drive(loops, issue, { warmupMs: job.warmupMs, measureMs: job.measureMs });
  const sorted = measured.latenciesMs.slice().sort();
  return {
    ops: measured.ops,
    failed: failures() - failedAtWindow,
    seconds: measured.seconds,
    cpuUs: await windowCpu,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxRssMB: maxRssMB(),
  };
}

/** One timed run of `run` (which resolves to the records it read). */
export async function measureOnce(run: () => Promise<{ records: number; failed: number }>): Promise<WorkerResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { records, failed } = await run();
  const seconds = (performance.now() - t0) / 1000;
  const cpuUs = cpuMicros(process.cpuUsage(cpu0));
  return { ops: records, failed, seconds, cpuUs, p50Ms: NaN, p99Ms: NaN, maxRssMB: maxRssMB() };
}

export function report(result: WorkerResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

export function workerMain(main: (job: WorkerJob) => Promise<WorkerResult | undefined>): void {
  const job = JSON.parse(process.argv[2]!) as WorkerJob;
  main(job).then(
    (result) => {
      if (result !== undefined) report(result);
      // a client whose close leaves a handle for a moment must not hold the bench up
      setTimeout(() => process.exit(0), 200).unref();
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
