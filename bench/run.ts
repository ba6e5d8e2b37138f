// npm run bench: the transport against a raw node:net baseline measured in the same run, several
// rounds, medians. The server runs in its own process (the simulated node, or a real node when
// AEROSPIKE_HOST/AEROSPIKE_PORT are set) and so does every scenario, so each peak RSS is its own.
//
// Why compile first: ts-node (even transpile-only) keeps the TypeScript compiler loaded in every
// process, which adds tens of MB to each peak RSS and seconds to each start, while the emitted
// code is the same. So this script (run under ts-node) compiles lib/ and bench/ with tsc to a
// temp dir once, and forks plain node on the output. BENCH_RUNTIME=ts-node skips that, to compare.
//
// The CPU-per-get table also runs the gets against bench/echo-server.ts, a separate process that
// answers each request with precomputed bytes, so the client is the bottleneck there; the simulated
// (or real) node's rows sit beside it. The reply-RSS rows read one 64 MiB scan per process.
//
// Then the client part (issue 15, bench/client-compare.ts): AerospikeClient against the official
// client and the bare transport on a 3-node cluster; flags after `--` go to it (npm run bench --
// --quick, --real --port P, …; see bench/client/options.ts). npm run bench:client runs it alone.
//
// Env: BENCH_ROUNDS (5), BENCH_WARMUP_MS (300), BENCH_MEASURE_MS (1000), BENCH_ONLY (comma list of
// groups: get,conn64,pipe,scan50,scan2000,echo,rss,frames1g,client), BENCH_CPU_PROF (dir: --cpu-prof
// every transport scenario), BENCH_CLIENT=0 (skip the client part), BENCH_CLIENT_ROUNDS (3).

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runClientBench } from './client-compare';
import { compileBench, ROOT } from './client/compile';
import { parseClientBenchArgs } from './client/options';
import { ONE_SHOT, type ScenarioResult } from './scenario';

const env = process.env;
const ROUNDS = Number(env['BENCH_ROUNDS'] ?? 5);
const WARMUP_MS = Number(env['BENCH_WARMUP_MS'] ?? 300);
const MEASURE_MS = Number(env['BENCH_MEASURE_MS'] ?? 1000);
const TS_NODE = env['BENCH_RUNTIME'] === 'ts-node';
const CPU_PROF = env['BENCH_CPU_PROF'];
const REAL_HOST = env['AEROSPIKE_HOST'];
const VERBOSE = env['BENCH_VERBOSE'] === '1';
// On this 2-core box the server and the client each get a core of their own (BENCH_PIN=0: no
// pinning), so the scheduler cannot stack them on one core for some runs and not others.
const PIN = env['BENCH_PIN'] !== '0' && REAL_HOST === undefined && existsSync('/usr/bin/taskset');

interface Group {
  readonly id: string;
  readonly title: string;
  readonly unit: 'ops' | 'MB';
  /** 'echo': bench/echo-server.ts; otherwise the simulated or real node. */
  readonly server?: 'echo';
  /** The baseline scenario first; each other scenario is reported as a ratio to it. */
  readonly scenarios: readonly string[];
  /** Extra throughput ratios: [scenario, against, label, target (at least)]. */
  readonly extraRatios?: ReadonlyArray<readonly [string, string, string, number]>;
  readonly targets?: Readonly<Record<string, number>>;
}

const GROUPS: readonly Group[] = [
  { id: 'get', title: 'get, sequential, 1 conn', unit: 'ops', scenarios: ['get-seq-raw', 'get-seq-rx'], targets: { 'get-seq-rx': 0.95 } },
  { id: 'conn64', title: 'get, 64 in flight, 64 conns', unit: 'ops', scenarios: ['get-64conn-raw', 'get-64conn-rx'], targets: { 'get-64conn-rx': 0.9 } },
  {
    id: 'pipe',
    title: 'get, 64 pipelined, 1 conn',
    unit: 'ops',
    scenarios: ['get-pipe64-raw', 'get-pipe64-rx'],
    extraRatios: [['get-pipe64-rx', 'get-seq-rx', 'command$ sequential (target ≥ 3)', 3]],
  },
  { id: 'scan50', title: 'scan 50 × 32 KiB', unit: 'MB', scenarios: ['scan50-raw', 'scan50-stream', 'scan50-cmdstream'], targets: { 'scan50-stream': 0.9 } },
  {
    id: 'scan2000',
    title: 'scan 2000 × 32 KiB',
    unit: 'MB',
    scenarios: ['scan2000-raw', 'scan2000-stream', 'scan2000-cmdstream', 'scan2000-rawjoin'],
    targets: { 'scan2000-stream': 0.9 },
    extraRatios: [
      ['scan2000-cmdstream', 'scan2000-stream', 'stream$ (target ≥ 0.9)', 0.9],
      ['scan2000-cmdstream', 'scan2000-rawjoin', 'raw joined into one Buffer', 0.9],
    ],
  },
  { id: 'echo', title: 'get, sequential, echo server', unit: 'ops', server: 'echo', scenarios: ['echo-seq-raw', 'echo-seq-rx', 'echo-seq-rawobs'] },
  { id: 'echo', title: 'get, 64 conns, echo server', unit: 'ops', server: 'echo', scenarios: ['echo-64conn-raw', 'echo-64conn-rx', 'echo-64conn-rawobs'] },
];

/** Rows of the CPU-per-get table: [server label, shape, raw scenario, transport scenario]. */
const CPU_ROWS: ReadonlyArray<readonly [string, string, string, string]> = [
  ['echo server (precomputed replies)', 'sequential, 1 conn', 'echo-seq-raw', 'echo-seq-rx'],
  ['echo server (precomputed replies)', '64 in flight, 64 conns', 'echo-64conn-raw', 'echo-64conn-rx'],
  ['MAIN', 'sequential, 1 conn', 'get-seq-raw', 'get-seq-rx'],
  ['MAIN', '64 in flight, 64 conns', 'get-64conn-raw', 'get-64conn-rx'],
];
const CPU_TARGET = 1.1;

const RSS_SCENARIOS = ['reply-rss-stream', 'reply-rss-cmdstream'] as const;
const RSS_TARGET = 1.3;

const LABELS: Readonly<Record<string, string>> = {
  raw: 'raw node:net',
  rx: 'command$',
  stream: 'stream$',
  cmdstream: 'commandStream$',
  rawjoin: 'raw, one Buffer',
  rawobs: 'raw in an Observable',
};

function label(name: string): string {
  return LABELS[name.slice(name.lastIndexOf('-') + 1)] ?? name;
}

function start(outDir: string | undefined, file: string, args: string[], execArgv: string[] = [], cpu?: number): ChildProcess {
  const path = outDir === undefined ? join(ROOT, 'bench', `${file}.ts`) : join(outDir, 'bench', `${file}.js`);
  const runtime = outDir === undefined ? ['-r', 'ts-node/register/transpile-only'] : [];
  const options = { env: { ...env, NODE_PATH: join(ROOT, 'node_modules'), TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') }, cwd: ROOT };
  if (PIN && cpu !== undefined) {
    const argv = ['-c', String(cpu), process.execPath, ...runtime, ...execArgv, path, ...args];
    return spawn('/usr/bin/taskset', argv, { ...options, stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  }
  return fork(path, args, { ...options, execArgv: [...runtime, ...execArgv] });
}

function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    child.once('message', (m) => resolvePromise(m as T));
    child.once('exit', (code) => reject(new Error(`${what} exited with code ${code} before reporting`)));
  });
}

async function runScenario(outDir: string | undefined, name: string, host: string, port: number, measureMs = MEASURE_MS): Promise<ScenarioResult> {
  const execArgv = ONE_SHOT.has(name) ? ['--expose-gc'] : [];
  if (CPU_PROF !== undefined) execArgv.push('--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`);
  const child = start(outDir, 'scenario', [name, host, String(port), String(WARMUP_MS), String(measureMs)], execArgv, 0);
  const result = await firstMessage<ScenarioResult>(child, name);
  await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  return result;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const throughput = (r: ScenarioResult, unit: 'ops' | 'MB'): number => (unit === 'ops' ? r.ops : r.bytes / 1e6) / r.seconds;

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—';
}

function ms(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return n < 1 ? `${(n * 1000).toFixed(0)} µs` : `${n.toFixed(n < 10 ? 2 : 0)} ms`;
}

async function main(): Promise<void> {
  const only = env['BENCH_ONLY']?.split(',');
  const wanted = (id: string) => only === undefined || only.includes(id);
  // flags after `--` are the client part's (npm run bench:client runs it alone): refused up front, not after the transport part
  const clientArgs = process.argv.slice(2);
  parseClientBenchArgs(clientArgs);
  const outDir = TS_NODE ? undefined : compileBench();
  try {
    if ([...GROUPS.map((g) => g.id), 'pipe', 'rss', 'frames1g'].some(wanted)) await transportBench(outDir, wanted);
    if (wanted('client') && env['BENCH_CLIENT'] !== '0') await runClientBench(clientArgs, outDir);
  } finally {
    if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
  }
}

async function transportBench(outDir: string | undefined, wanted: (id: string) => boolean): Promise<void> {
  const started = Date.now();
  const groups = GROUPS.filter((g) => wanted(g.id) || (g.id === 'get' && wanted('pipe')));
  let host = '127.0.0.1';
  let port = 0;
  let server: ChildProcess | undefined;
  const needsMain = groups.some((g) => g.server === undefined) || wanted('rss') || wanted('frames1g');
  if (needsMain && REAL_HOST !== undefined) {
    host = REAL_HOST;
    port = Number(env['AEROSPIKE_PORT'] ?? 3000);
    console.log(`real node ${host}:${port}: seeding the bench sets`);
    const seeding = start(outDir, 'seed-node', [host, String(port)]);
    const code = await new Promise((r) => seeding.once('exit', r));
    if (code !== 0) throw new Error('seeding the real node failed');
  } else if (needsMain) {
    server = start(outDir, 'server', [], [], 1);
    port = (await firstMessage<{ port: number }>(server, 'server')).port;
  }
  let echo: ChildProcess | undefined;
  let echoPort = 0;
  if (groups.some((g) => g.server === 'echo')) {
    echo = start(outDir, 'echo-server', [], [], 1);
    echoPort = (await firstMessage<{ port: number }>(echo, 'echo server')).port;
  }
  const serverOf = (name: string): [string, number] => (name.startsWith('echo-') ? ['127.0.0.1', echoPort] : [host, port]);

  const order = groups.flatMap((g) => g.scenarios);
  const results = new Map<string, ScenarioResult[]>(order.map((n) => [n, []]));
  // A discarded pass over the baselines first, so the server's JIT warm-up is not charged to round 1's first side.
  for (const group of groups) await runScenario(outDir, group.scenarios[0]!, ...serverOf(group.scenarios[0]!), 200);
  for (let round = 0; round < ROUNDS; round++) {
    // alternate the order so drift over a round does not always favour the same side
    for (const name of round % 2 === 0 ? order : [...order].reverse()) {
      const result = await runScenario(outDir, name, ...serverOf(name));
      results.get(name)!.push(result);
      if (VERBOSE) console.log(`  ${name}: ${fmt(result.ops / result.seconds)} ops/s, ${fmt(result.bytes / 1e6 / result.seconds)} MB/s, p50 ${ms(result.p50Ms)}`);
    }
    process.stdout.write(`round ${round + 1}/${ROUNDS} done (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  }

  const rss = new Map<string, ScenarioResult[]>(RSS_SCENARIOS.map((n) => [n, []]));
  if (wanted('rss')) {
    for (let round = 0; round < Math.min(ROUNDS, 3); round++) {
      for (const name of RSS_SCENARIOS) rss.get(name)!.push(await runScenario(outDir, name, host, port));
    }
  }
  let big: ScenarioResult | undefined;
  if (wanted('frames1g') && REAL_HOST === undefined) big = await runScenario(outDir, 'frames-1g', host, port);
  server?.disconnect();
  echo?.disconnect();

  const rows: string[][] = [['scenario', 'side', 'throughput', 'frames/s', 'p50', 'p99', 'ratio', 'ratio to', 'client CPU', 'peak RSS']];
  const verdicts: string[] = [];
  for (const group of groups) {
    const base = group.scenarios[0]!;
    for (const name of group.scenarios) {
      const rs = results.get(name)!;
      const tput = median(rs.map((r) => throughput(r, group.unit)));
      const framesPerS = group.unit === 'MB' && !name.endsWith('cmdstream') && !name.endsWith('rawjoin') ? fmt(median(rs.map((r) => r.frames / r.seconds))) : '';
      const perRound = (against: string) => median(rs.map((r, i) => throughput(r, group.unit) / throughput(results.get(against)![i]!, group.unit)));
      const cpu = median(rs.map((r) => r.windowCpuMicros / (group.unit === 'ops' ? r.ops : r.bytes / 1e6)));
      const ratio = name === base ? '1.00' : perRound(base).toFixed(2);
      rows.push([
        name === base ? group.title : '',
        label(name),
        `${fmt(tput, group.unit === 'MB' ? 0 : 0)} ${group.unit === 'ops' ? 'ops/s' : 'MB/s'}`,
        framesPerS,
        ms(median(rs.map((r) => r.p50Ms))),
        ms(median(rs.map((r) => r.p99Ms))),
        ratio,
        name === base ? '' : 'raw',
        `${cpu.toFixed(1)} µs/${group.unit === 'ops' ? 'op' : 'MB'}`,
        `${fmt(median(rs.map((r) => r.maxRssMB)))} MB`,
      ]);
      const target = group.targets?.[name];
      if (target !== undefined) verdicts.push(`${label(name)} ${group.title}: ${perRound(base).toFixed(2)}× raw (target ≥ ${target}) ${perRound(base) >= target ? 'MET' : 'NOT MET'}`);
      for (const [scenario, against, text, atLeast] of group.extraRatios ?? []) {
        if (scenario !== name || !results.has(against)) continue;
        rows.push(['', '', '', '', '', '', perRound(against).toFixed(2), text, '', '']);
        verdicts.push(`${label(name)} ${group.title}: ${perRound(against).toFixed(2)}× ${text} ${perRound(against) >= atLeast ? 'MET' : 'NOT MET'}`);
      }
    }
  }
  if (big !== undefined) {
    const growth = big.maxRssMB - big.baseRssMB!;
    rows.push([
      `frames(), ${fmt(big.bytes / 2 ** 30, 2)} GiB, 1 ms/frame`,
      'frames()',
      `${fmt(big.bytes / 1e6 / big.seconds)} MB/s`,
      fmt(big.frames / big.seconds),
      '',
      '',
      '',
      '',
      `${(big.windowCpuMicros / (big.bytes / 1e6)).toFixed(1)} µs/MB`,
      `${fmt(big.maxRssMB)} MB (+${fmt(growth, 1)})`,
    ]);
    verdicts.push(`frames() backpressure: RSS growth ${growth.toFixed(1)} MB over ${fmt(big.bytes / 2 ** 30, 2)} GiB (target < 64 MB) ${growth < 64 ? 'MET' : 'NOT MET'}`);
  }

  const mainName = REAL_HOST === undefined ? 'simulated node' : `real node ${REAL_HOST}:${port}`;
  console.log(`\n${mainName}, ${ROUNDS} rounds × ${MEASURE_MS} ms (+${WARMUP_MS} ms warm-up), medians; ratios are medians of per-round ratios`);
  printTable(rows, [2, 3, 4, 5, 6]);

  // Client CPU per get, raw beside transport, per server; the ratio is the median of per-round ratios.
  const cpuPerOp = (r: ScenarioResult): number => r.windowCpuMicros / r.ops;
  // "raw in an Observable": the raw client with each get wrapped in a bare cold Observable, the
  // floor of any Observable-returning API (echo server only).
  const cpuRows: string[][] = [['server', 'gets', 'raw node:net', 'command$', 'ratio', `target ≤ ${CPU_TARGET}`, 'raw in an Observable']];
  for (const [server, shape, raw, rx] of CPU_ROWS) {
    const raws = results.get(raw);
    const rxs = results.get(rx);
    if (raws === undefined || rxs === undefined || raws.length === 0) continue;
    const ratio = median(rxs.map((r, i) => cpuPerOp(r) / cpuPerOp(raws[i]!)));
    const where = server === 'MAIN' ? mainName : server;
    const wrapped = results.get(raw.replace(/-raw$/, '-rawobs'));
    const floor = wrapped === undefined ? '' : `${median(wrapped.map(cpuPerOp)).toFixed(2)} µs/op (${median(wrapped.map((r, i) => cpuPerOp(r) / cpuPerOp(raws[i]!))).toFixed(2)}×)`;
    cpuRows.push([where, shape, `${median(raws.map(cpuPerOp)).toFixed(2)} µs/op`, `${median(rxs.map(cpuPerOp)).toFixed(2)} µs/op`, `${ratio.toFixed(2)}×`, ratio <= CPU_TARGET ? 'MET' : 'NOT MET', floor]);
    verdicts.push(`client CPU per get, ${where}, ${shape}: ${ratio.toFixed(2)}× raw (target ≤ ${CPU_TARGET}) ${ratio <= CPU_TARGET ? 'MET' : 'NOT MET'}`);
  }
  if (cpuRows.length > 1) {
    console.log('\nclient CPU per get (process.cpuUsage over the measuring window / gets completed in it)');
    printTable(cpuRows, [2, 3, 4, 6]);
  }

  if (rss.get('reply-rss-cmdstream')!.length > 0) {
    const rssRows: string[][] = [['one 2000 × 32 KiB scan', 'reply', 'RSS before', 'peak RSS', 'growth', 'growth / reply', 'time']];
    for (const name of RSS_SCENARIOS) {
      const rs = rss.get(name)!;
      const growth = median(rs.map((r) => r.maxRssMB - r.baseRssMB!));
      const replyMB = median(rs.map((r) => r.bytes / 2 ** 20));
      const ratio = median(rs.map((r) => (r.maxRssMB - r.baseRssMB!) / (r.bytes / 2 ** 20)));
      rssRows.push([label(name), `${fmt(replyMB, 1)} MiB`, `${fmt(median(rs.map((r) => r.baseRssMB!)))} MB`, `${fmt(median(rs.map((r) => r.maxRssMB)))} MB`, `${fmt(growth, 1)} MiB`, `${ratio.toFixed(2)}×`, ms(median(rs.map((r) => r.seconds * 1000)))]);
      if (name === 'reply-rss-cmdstream') verdicts.push(`commandStream$ peak RSS growth for one reply: ${ratio.toFixed(2)}× the reply (target ≤ ${RSS_TARGET}) ${ratio <= RSS_TARGET ? 'MET' : 'NOT MET'}`);
    }
    console.log(`\nRSS over one reply (fresh process, warm-up scan, GC, then one scan; medians of ${rss.get('reply-rss-cmdstream')!.length})`);
    printTable(rssRows, [1, 2, 3, 4, 5, 6]);
  }
  console.log(`\n${verdicts.join('\n')}\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

function printTable(rows: string[][], rightAligned: readonly number[]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (rightAligned.includes(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ');
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
