// The client bench's command line: npm run bench:client -- [flags]; also read by npm run bench when it
// runs the client part. Unknown flags are refused, naming the known ones.

import { join } from 'node:path';
import { ROOT } from './compile';

export const SCENARIO_GROUPS = ['get', 'put', 'batch', 'scan', 'slow'] as const;
export type ScenarioGroup = (typeof SCENARIO_GROUPS)[number];

export interface ClientBenchOptions {
  readonly rounds: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** How long the slow scanIterable consumer reads. */
  readonly slowMs: number;
  readonly quick: boolean;
  /** Start the real 3-node cluster of `server` on `port` for the run. */
  readonly real: boolean;
  readonly port: number;
  readonly server: string;
  /** A running cluster (AEROSPIKE_HOSTS or --hosts); undefined: simulated, or --real. */
  readonly hosts: string | undefined;
  readonly only: readonly ScenarioGroup[];
  readonly cpuProfDir: string | undefined;
  readonly official: boolean;
}

export const USAGE = `npm run bench:client -- [--rounds 3] [--quick] [--measure-ms 2000] [--warmup-ms 1500] [--slow-ms 6000]
    [--real [--port 3100] [--server PATH]] [--hosts h:p,…] [--only get,put,batch,scan,slow] [--cpu-prof DIR] [--no-official]`;

export function parseClientBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ClientBenchOptions {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new TypeError(`${name} needs a value\n${USAGE}`);
    return v;
  };
  const number = (name: string, fallback: number): number => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${name} must be a positive integer, got ${v}`);
    return n;
  };
  const flags = new Set(['--real', '--quick', '--no-official']);
  const valued = new Set(['--rounds', '--measure-ms', '--warmup-ms', '--slow-ms', '--port', '--server', '--hosts', '--only', '--cpu-prof']);
  argv.forEach((a, i) => {
    if (a.startsWith('--') && !flags.has(a) && !valued.has(a)) throw new TypeError(`unknown flag ${a}\n${USAGE}`);
    if (!a.startsWith('--') && (i === 0 || !valued.has(argv[i - 1]!))) throw new TypeError(`unexpected argument ${a}\n${USAGE}`);
  });
  const quick = argv.includes('--quick');
  const only = (value('--only') ?? SCENARIO_GROUPS.join(',')).split(',');
  const unknown = only.filter((g) => !(SCENARIO_GROUPS as readonly string[]).includes(g));
  if (unknown.length > 0) throw new RangeError(`--only takes ${SCENARIO_GROUPS.join(',')}; got ${unknown.join(',')}`);
  const real = argv.includes('--real');
  const hosts = value('--hosts') ?? (env['AEROSPIKE_HOSTS'] || undefined);
  if (real && value('--hosts') !== undefined) throw new TypeError('--real starts its own cluster: give --hosts or --real, not both');
  return {
    rounds: number('--rounds', Number(env['BENCH_CLIENT_ROUNDS'] ?? (quick ? 1 : 3))),
    // the rx worker's get$ CPU settles only after ~1–1.5 s of load (JIT); shorter warm-ups charged it 1.5–6× its steady cost
    warmupMs: number('--warmup-ms', quick ? 1000 : 1500),
    measureMs: number('--measure-ms', quick ? 1000 : 2000),
    slowMs: number('--slow-ms', quick ? 2000 : 6000),
    quick,
    real,
    port: number('--port', Number(env['AEROSPIKE_PORT'] ?? 3100)),
    server: value('--server') ?? env['AEROSPIKE_SERVER'] ?? join(ROOT, '..', 'shared', 'aerospike-server', 'aerospike-server'),
    hosts: real ? undefined : hosts,
    only: only as ScenarioGroup[],
    cpuProfDir: value('--cpu-prof'),
    official: !argv.includes('--no-official'),
  };
}
