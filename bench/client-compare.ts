// `npm run bench:client` (and the client part of `npm run bench`): issue 15's side-by-side client
// performance. AerospikeClient, the official `aerospike` client (C addon, installed on demand outside
// the repo) and the bare transport (pre-encoded requests sent to each key's master) under the same
// load, each in its own process (plain node on tsc output) so process.cpuUsage() is that client's
// CPU alone; the cluster in its own process too. Several rounds, client order alternating, medians.
//
//   npm run bench:client -- [--rounds 3] [--quick] [--real [--port 3100]] [--hosts h:p,…] [--only get,put,batch,scan,slow] [--cpu-prof DIR]
//
// Scenarios: get$/put$ sequential and 64 in flight (rx, official, transport); batchGet$ of 100 keys;
// full scan$ of 100,000 small and of 2,000 × 32 KiB records (rx, official); RSS of a slow
// scanIterable consumer (rx). Read the CPU column first: on the simulated cluster the JavaScript
// nodes may bound throughput, while the targets on CPU per operation hold on any server.

import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureOfficialClient } from '../scripts/official-client-install';
import { compileBench } from './client/compile';
import type { WorkerJob, WorkerResult } from './client/data';
import { parseClientBenchArgs, type ClientBenchOptions } from './client/options';
import { canPin, runWorker, type Launch } from './client/processes';
import { printRatios, printResults, printSlowConsumer, type Results } from './client/report';
import { SCENARIOS, type Scenario } from './client/scenarios';
import { startServer } from './client/servers';

/** Runs the client bench; `outDir`: lib/ and bench/ already compiled (npm run bench passes its own). */
export async function runClientBench(argv: readonly string[], outDir?: string): Promise<void> {
  const options = parseClientBenchArgs(argv);
  const started = Date.now();
  const compiled = outDir ?? (process.env['BENCH_RUNTIME'] === 'ts-node' ? undefined : compileBench());
  try {
    await benchAll(options, compiled, started);
  } finally {
    if (outDir === undefined && compiled !== undefined) rmSync(compiled, { recursive: true, force: true });
  }
}

async function benchAll(options: ClientBenchOptions, outDir: string | undefined, started: number): Promise<void> {
  let officialDir: string | undefined;
  let officialNote = options.official ? '' : 'official client: skipped (--no-official)';
  if (options.official) {
    try {
      officialDir = ensureOfficialClient();
    } catch (error) {
      officialNote = `official client: skipped, it could not be installed (${error instanceof Error ? error.message : String(error)})`;
    }
  }
  const simulated = !options.real && options.hosts === undefined;
  // a running cluster is not ours to pin; a simulated or --real one is moved to core 1
  const launch: Launch = { outDir, pin: (simulated || options.real) && canPin(), env: officialDir === undefined ? {} : { AEROSPIKE_OFFICIAL_DIR: officialDir } };
  const server = await startServer(options, launch);
  if (server === undefined) return;
  try {
    const scenarios = SCENARIOS.filter((s) => options.only.includes(s.group)).map((s) => ({ ...s, clients: s.clients.filter((c) => c !== 'official' || officialDir !== undefined) }));
    const job = (s: Pick<Scenario, 'op' | 'concurrency' | 'scan'>): WorkerJob => ({
      hosts: server.hosts,
      op: s.op,
      concurrency: s.concurrency,
      warmupMs: options.warmupMs,
      measureMs: options.measureMs,
      ...(s.scan !== undefined && { scan: s.scan }),
    });
    console.log(`client bench against a ${server.label}; ${options.rounds} round(s) × ${options.measureMs} ms (+${options.warmupMs} ms warm-up) per load, one measured full scan per scan run, after a whole warm-up scan in the same process`);
    if (officialNote !== '') console.log(officialNote);
    if (options.cpuProfDir !== undefined) mkdirSync(options.cpuProfDir, { recursive: true });
    // a discarded run first, so the server's own warm-up is not charged to round 1's first client
    if (scenarios.some((s) => s.op === 'get' || s.op === 'put')) await runWorker(launch, 'rx', { ...job({ op: 'get', concurrency: 64 }), warmupMs: 200, measureMs: 500 });

    const results: Results = new Map(scenarios.map((s) => [s.id, new Map(s.clients.map((c) => [c, []]))]));
    const profiles = new Map<string, string>();
    for (let round = 0; round < options.rounds; round++) {
      // alternate the order so drift over a round does not always favour the same client
      const flip = round % 2 === 1;
      for (const s of flip ? [...scenarios].reverse() : scenarios) {
        for (const kind of flip ? [...s.clients].reverse() : s.clients) {
          const profile = options.cpuProfDir !== undefined && kind === 'rx' ? join(resolve(options.cpuProfDir), `rx-${s.id}-r${round + 1}.cpuprofile`) : undefined;
          const result = await runWorker(launch, kind, { ...job(s), ...(profile !== undefined && { cpuProfile: profile }) }).catch((error: unknown) => {
            console.error(`  ${s.id} ${kind}, round ${round + 1}: ${error instanceof Error ? error.message : String(error)}`);
            return undefined;
          });
          results.get(s.id)!.get(kind)![round] = result;
          if (profile !== undefined && round === 0) profiles.set(s.id, profile);
          if (process.env['BENCH_VERBOSE'] === '1' && result !== undefined) console.log(`  ${s.id} ${kind}: ${Math.round(result.ops / result.seconds)}/s, ${(result.cpuUs / result.ops).toFixed(2)} µs CPU each`);
        }
      }
      console.log(`client bench round ${round + 1}/${options.rounds} done (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    let slow: WorkerResult | undefined;
    if (options.only.includes('slow')) {
      slow = await runWorker(launch, 'rx', { ...job({ op: 'scan-slow', concurrency: 1, scan: 'slow' }), measureMs: options.slowMs }, ['--expose-gc']).catch((error: unknown) => {
        console.error(`  slow consumer: ${String(error)}`);
        return undefined;
      });
    }

    console.log(`\nclient bench: ${server.label}; medians of ${options.rounds} round(s); ratios are medians of per-round ratios`);
    console.log('client CPU = process.cpuUsage() of the worker over the measuring window (every thread) ÷ units completed in it; MB/s = records × bin payload bytes');
    printResults(scenarios, results);
    console.log('');
    const verdicts = printRatios(scenarios, results, server.simulated);
    const slowVerdict = printSlowConsumer(slow, options.slowMs);
    if (slowVerdict !== undefined) verdicts.push(slowVerdict);
    if (profiles.size > 0) printProfiles(outDir, profiles);
    console.log(`\n${verdicts.join('\n')}${officialNote === '' ? '' : `\n${officialNote}`}\nclient bench total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await server.stop();
  }
}

/** Top self-time functions of round 1's rx profiles (bench/cpuprofile-top.ts). */
function printProfiles(outDir: string | undefined, profiles: ReadonlyMap<string, string>): void {
  console.log(`\nrx worker CPU profiles of the measuring window (round 1; profiling inflates the CPU figures of the rx rows above):`);
  const script = outDir === undefined ? ['-r', 'ts-node/register/transpile-only', join(__dirname, 'cpuprofile-top.ts')] : [join(outDir, 'bench', 'cpuprofile-top.js')];
  spawnSync(process.execPath, [...script, ...profiles.values(), '--top', '12'], { stdio: 'inherit', cwd: resolve(__dirname, '..') });
}

if (require.main === module) {
  runClientBench(process.argv.slice(2)).catch((error: unknown) => {
    // a bad flag is a usage message, not a stack
    console.error(error instanceof TypeError || error instanceof RangeError ? error.message : error);
    process.exitCode = 1;
  });
}
