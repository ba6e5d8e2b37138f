// The timing every client worker shares, so the three clients are measured by the same code: a
// load of N loops through bench/drive.ts with the client CPU of its measuring window, or one timed
// run (a scan) with its CPU, and the one JSON line a worker prints. Benchmark support only.

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { performance } from 'node:perf_hooks';
import { drive, percentile } from '../drive';
import type { WorkerJob, WorkerResult } from './data';

export function maxRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

const cpuMicros = (u: NodeJS.CpuUsage): number => u.user + u.system;

/**
 * A V8 CPU profile of the measuring window only (job.cpuProfile names the .cpuprofile file): node's
 * --cpu-prof would also profile start-up, module loading and the warm-up.
 */
function windowProfiler(file: string | undefined): { start(): void; stop(): void } {
  if (file === undefined) return { start: () => undefined, stop: () => undefined };
  const session = new Session();
  session.connect();
  // a same-thread session answers each post before it returns
  return {
    start: () => {
      session.post('Profiler.enable');
      session.post('Profiler.start');
    },
    stop: () =>
      session.post('Profiler.stop', (error, result) => {
        if (error === null) writeFileSync(file, JSON.stringify(result.profile));
        session.disconnect();
      }),
  };
}

/**
 * `loops` loops each issuing one operation at a time (`issue(loop, done)`), warm-up then the
 * measuring window of the job; the CPU is process.cpuUsage() across that window.
 */
export async function measureLoad(job: WorkerJob, loops: number, issue: (loop: number, done: () => void) => void, failures: () => number): Promise<WorkerResult> {
  const profiler = windowProfiler(job.cpuProfile);
  let cpuAtWindow = process.cpuUsage();
  let failedAtWindow = 0;
  setTimeout(() => {
    profiler.start();
    cpuAtWindow = process.cpuUsage();
    failedAtWindow = failures();
  }, job.warmupMs);
  const windowCpu = new Promise<number>((resolve) =>
    setTimeout(() => {
      resolve(cpuMicros(process.cpuUsage(cpuAtWindow)));
      profiler.stop();
    }, job.warmupMs + job.measureMs),
  );
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
export async function measureOnce(run: () => Promise<{ records: number; failed: number }>, cpuProfile?: string): Promise<WorkerResult> {
  const profiler = windowProfiler(cpuProfile);
  profiler.start();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { records, failed } = await run();
  const seconds = (performance.now() - t0) / 1000;
  const cpuUs = cpuMicros(process.cpuUsage(cpu0));
  profiler.stop();
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
