// Starting the client bench's processes: a worker or the simulated cluster as plain node on the
// compiled output (ts-node when there is none), pinned to a core when asked, and a worker's one
// JSON line read back. Benchmark support only.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './compile';
import type { WorkerJob, WorkerResult } from './data';

export interface Launch {
  /** Compiled lib/ and bench/ (compileBench); undefined runs the .ts sources under ts-node. */
  readonly outDir: string | undefined;
  /** Pin the server to core 1 and workers to core 0 (a 2-core box, a simulated server). */
  readonly pin: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export const canPin = (): boolean => process.env['BENCH_PIN'] !== '0' && existsSync('/usr/bin/taskset');

/** bench/client/<file> as a node process; `ipc` opens the IPC channel (the simulated server reports over it). */
export function startNode(launch: Launch, file: string, args: readonly string[], opts: { execArgv?: readonly string[]; cpu?: number; ipc?: boolean } = {}): ChildProcess {
  const path = launch.outDir === undefined ? join(ROOT, 'bench', 'client', `${file}.ts`) : join(launch.outDir, 'bench', 'client', `${file}.js`);
  const runtime = launch.outDir === undefined ? ['-r', 'ts-node/register/transpile-only'] : [];
  const argv = [...runtime, ...(opts.execArgv ?? []), path, ...args];
  const env = { ...process.env, ...launch.env, NODE_PATH: join(ROOT, 'node_modules'), TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') };
  const stdio = ['ignore', 'pipe', 'inherit', ...(opts.ipc === true ? ['ipc' as const] : [])] as const;
  if (launch.pin && opts.cpu !== undefined) return spawn('/usr/bin/taskset', ['-c', String(opts.cpu), process.execPath, ...argv], { env, cwd: ROOT, stdio: [...stdio] });
  return spawn(process.execPath, argv, { env, cwd: ROOT, stdio: [...stdio] });
}

export type WorkerKind = 'rx' | 'official' | 'transport';

/** Runs one worker to its end; rejects when it exits without a result line. */
export function runWorker(launch: Launch, kind: WorkerKind, job: WorkerJob, execArgv: readonly string[] = []): Promise<WorkerResult | undefined> {
  const child = startNode(launch, `${kind}-worker`, [JSON.stringify(job)], { execArgv, cpu: 0 });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (job.op === 'seed' && code === 0) return resolve(undefined);
      if (code !== 0 || !last.startsWith('{')) return reject(new Error(`${kind} worker (${job.op}) exited with code ${code}${last === '' ? '' : `: ${last}`}`));
      resolve(JSON.parse(last, (_, v: unknown) => (v === null ? NaN : v)) as WorkerResult);
    });
  });
}
