// `node -r ts-node/register/transpile-only bench/hotpath.ts`: client CPU per operation on the hot path.
// Per round and scenario, one process each for AerospikeClient.get$/put$, the bare TcpTransport.command$
// (pre-encoded requests to the key's master) and the official client; prints medians of client CPU
// µs/op (process.cpuUsage of that process alone), ops/s and latency, and the ratios.
//
//   [--hosts h:p,…] [--ops 20000] [--rounds 3] [--concurrency 1,64] [--op get,put]
//   [--modes client,transport,official (also: pooled)] [--prof dir] [--ts-node]
// `pooled` is the bare transport on connections checked out of a live Cluster's pools (its tender running).
// Without --hosts (or AEROSPIKE_HOSTS) a 3-node SimulatedCluster runs in a child process. The workers run
// tsc-compiled JavaScript (compiled once into a temp folder) unless --ts-node; --prof adds --cpu-prof.

import { execFile, execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstValueFrom, lastValueFrom, mergeMap, range } from 'rxjs';
import { AerospikeClient } from '../lib/index';
import { ensureOfficialClient } from '../scripts/official-client-install';

const run = promisify(execFile);

interface Result {
  readonly ops: number;
  readonly failed: number;
  readonly wallMs: number;
  readonly cpuUs: number;
  readonly p50: number;
  readonly p99: number;
}

type Mode = 'client' | 'transport' | 'pooled' | 'official';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function startServer(): Promise<{ seeds: string; child: ChildProcess }> {
  const child = fork(join(__dirname, 'hotpath-server.ts'), [], { execArgv: ['-r', 'ts-node/register/transpile-only'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const seeds = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { seeds: string }).seeds));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { seeds, child };
}

/** The worker compiled once with tsc: what a user runs, without ts-node's hooks. */
function compileWorker(): { dir: string; entry: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hotpath-'));
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '--outDir', dir, '--rootDir', join(__dirname, '..'), '--target', 'ES2022', '--module', 'commonjs', '--esModuleInterop', '--skipLibCheck', '--strict', join(__dirname, 'hotpath-worker.ts')], {
    stdio: 'inherit',
  });
  return { dir, entry: join(dir, 'bench', 'hotpath-worker.js') };
}

async function main(): Promise<void> {
  const given = arg('hosts', process.env['AEROSPIKE_HOSTS'] ?? '');
  const ops = Number(arg('ops', '20000'));
  const rounds = Number(arg('rounds', '3'));
  const concurrencies = arg('concurrency', '1,64').split(',').map(Number);
  const opsList = arg('op', 'get,put').split(',') as ('get' | 'put')[];
  const modes = arg('modes', 'client,transport,official').split(',') as Mode[];
  const prof = arg('prof', '');
  const useTsNode = process.argv.includes('--ts-node');
  const officialDir = modes.includes('official') ? ensureOfficialClient() : '';
  const server = given === '' ? await startServer() : undefined;
  const hosts = server?.seeds ?? given;
  const compiled = useTsNode ? undefined : compileWorker();
  const keys = 5000;
  const set = 'hotpath';

  const client = await firstValueFrom(AerospikeClient.connect$({ seeds: hosts }));
  await lastValueFrom(range(0, keys).pipe(mergeMap((i) => client.put$({ namespace: 'test', set, key: i }, { n: i, s: 'x'.repeat(100) }, { totalTimeoutMs: 10_000, maxRetries: 5 }), 16)));
  client.close();

  const worker = async (mode: Mode, job: object, tag: string): Promise<Result> => {
    const json = JSON.stringify({ ...job, mode });
    const profArgs = prof === '' ? [] : ['--cpu-prof', '--cpu-prof-dir', prof, '--cpu-prof-name', `${tag}-${mode}.cpuprofile`];
    const { stdout } =
      mode === 'official'
        ? await run(process.execPath, [...profArgs, join(__dirname, 'client-compare-official.js'), json], { env: { ...process.env, AEROSPIKE_OFFICIAL_DIR: officialDir }, maxBuffer: 1 << 20 })
        : compiled !== undefined
          ? await run(process.execPath, [...profArgs, compiled.entry, json], { env: { ...process.env, NODE_PATH: join(__dirname, '..', 'node_modules') }, maxBuffer: 1 << 20 })
          : await run(process.execPath, [...profArgs, '-r', 'ts-node/register/transpile-only', join(__dirname, 'hotpath-worker.ts'), json], { maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as Result;
  };

  console.log(
    `hotpath against ${server === undefined ? `a running cluster (${hosts})` : 'a 3-node SimulatedCluster in a child process'}; ${ops} ops per run, ${rounds} rounds, ${keys} keys, workers ${useTsNode ? 'on ts-node' : 'tsc-compiled'}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  console.log(`${'op'.padEnd(4)} ${'conc'.padStart(4)} ${'mode'.padEnd(9)} ${'ops/s'.padStart(9)} ${'cpu µs/op'.padStart(10)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'failed'.padStart(6)}  per round µs/op`);
  const ratios: string[] = [];
  for (const op of opsList) {
    for (const concurrency of concurrencies) {
      const results = new Map<Mode, Result[]>(modes.map((m) => [m, []]));
      for (let r = 0; r < rounds; r++) {
        for (const mode of modes) results.get(mode)!.push(await worker(mode, { hosts, op, concurrency, ops, keys, set }, `${op}-${concurrency}-r${r}`));
      }
      const cpu = new Map<Mode, number>();
      for (const mode of modes) {
        const list = results.get(mode)!;
        const perOp = list.map((x) => x.cpuUs / x.ops);
        cpu.set(mode, median(perOp));
        console.log(
          `${op.padEnd(4)} ${String(concurrency).padStart(4)} ${mode.padEnd(9)} ${Math.round(median(list.map((x) => (x.ops / x.wallMs) * 1000))).toString().padStart(9)} ${median(perOp).toFixed(2).padStart(10)} ${median(list.map((x) => x.p50)).toFixed(3).padStart(7)} ${median(list.map((x) => x.p99)).toFixed(3).padStart(7)} ${String(list.reduce((n, x) => n + x.failed, 0)).padStart(6)}  ${perOp.map((x) => x.toFixed(1)).join(' ')}`,
        );
      }
      const c = cpu.get('client');
      if (c !== undefined) {
        const parts = [`${op} ×${concurrency}: client CPU/op`];
        if (cpu.has('transport')) parts.push(`${(c / cpu.get('transport')!).toFixed(2)}× transport`);
        if (cpu.has('official')) parts.push(`${(c / cpu.get('official')!).toFixed(2)}× official`);
        ratios.push(parts.join(' '));
      }
    }
  }
  console.log(`\nmedians of ${rounds} rounds; load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n  ${ratios.join('\n  ')}`);
  server?.child.disconnect();
  if (compiled !== undefined) rmSync(compiled.dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
