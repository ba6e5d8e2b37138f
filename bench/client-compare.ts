// `npm run bench:client`: AerospikeClient against the official `aerospike` client (C addon, installed on
// demand outside the repo), same cluster, same load, each in its own process so process.cpuUsage() is
// that client's CPU alone. Prints throughput, client CPU µs per operation and latency, and the ratios.
//
//   npm run bench:client [-- --hosts h:p,…] [--ops 40000] [--concurrency 1,64] [--rounds 2]
// Without --hosts (or AEROSPIKE_HOSTS) it starts a 3-node SimulatedCluster; its nodes run in this
// process, in JavaScript, so there the server may be the bottleneck: read the CPU column first.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { firstValueFrom, lastValueFrom, mergeMap, range } from 'rxjs';
import { AerospikeClient } from '../lib/index';
import { SimulatedCluster } from '../lib/testing';
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

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

async function worker(kind: 'rx' | 'official', job: object, officialDir: string): Promise<Result> {
  const json = JSON.stringify(job);
  const { stdout } =
    kind === 'rx'
      ? await run(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'client-compare-worker.ts'), json], { maxBuffer: 1 << 20 })
      : await run(process.execPath, [join(__dirname, 'client-compare-official.js'), json], { env: { ...process.env, AEROSPIKE_OFFICIAL_DIR: officialDir }, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Result;
}

async function main(): Promise<void> {
  const officialDir = ensureOfficialClient();
  const given = arg('hosts', process.env['AEROSPIKE_HOSTS'] ?? '');
  const sim = given === '' ? await SimulatedCluster.start({ nodes: 3, replicationFactor: 2 }) : undefined;
  const hosts = given === '' ? sim!.seeds : given;
  const ops = Number(arg('ops', '40000'));
  const rounds = Number(arg('rounds', '2'));
  const concurrencies = arg('concurrency', '1,64').split(',').map(Number);
  const keys = 5000;
  const set = 'bench-client';
  console.log(`bench:client against ${sim === undefined ? `a real cluster (${hosts})` : 'a 3-node SimulatedCluster in this process'}; ${ops} ops per run, ${rounds} rounds, ${keys} keys`);

  const client = await firstValueFrom(AerospikeClient.connect$({ seeds: hosts }));
  await lastValueFrom(range(0, keys).pipe(mergeMap((i) => client.put$({ namespace: 'test', set, key: i }, { n: i, s: 'x'.repeat(100) }), 64)));
  client.close();

  console.log(`${'op'.padEnd(4)} ${'conc'.padStart(4)} ${'client'.padEnd(9)} ${'ops/s'.padStart(9)} ${'cpu µs/op'.padStart(10)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'failed'.padStart(6)}`);
  const ratios: string[] = [];
  for (const op of ['get', 'put'] as const) {
    for (const concurrency of concurrencies) {
      const best: Record<string, Result> = {};
      for (let r = 0; r < rounds; r++) {
        for (const kind of ['rx', 'official'] as const) {
          const result = await worker(kind, { hosts, op, concurrency, ops, keys, set }, officialDir);
          const current = best[kind];
          if (current === undefined || result.cpuUs / result.ops < current.cpuUs / current.ops) best[kind] = result;
        }
      }
      for (const kind of ['rx', 'official'] as const) {
        const b = best[kind]!;
        console.log(
          `${op.padEnd(4)} ${String(concurrency).padStart(4)} ${(kind === 'rx' ? 'rx' : 'official').padEnd(9)} ${Math.round((b.ops / b.wallMs) * 1000).toString().padStart(9)} ${(b.cpuUs / b.ops).toFixed(2).padStart(10)} ${b.p50.toFixed(3).padStart(7)} ${b.p99.toFixed(3).padStart(7)} ${String(b.failed).padStart(6)}`,
        );
      }
      const rx = best['rx']!;
      const off = best['official']!;
      ratios.push(`${op} ×${concurrency}: CPU/op ${(rx.cpuUs / rx.ops / (off.cpuUs / off.ops)).toFixed(2)}× official, throughput ${(rx.ops / rx.wallMs / (off.ops / off.wallMs)).toFixed(2)}× official`);
    }
  }
  console.log(`\nrx vs official (best of ${rounds} by CPU/op):\n  ${ratios.join('\n  ')}`);
  await sim?.stop();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
