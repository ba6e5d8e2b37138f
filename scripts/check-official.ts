// `npm run check:official`: proves a SimulatedCluster behaves like a server by driving the official
// `aerospike` client against it (one seed → all nodes, put/get/batch/scan, routing to masters, a
// failover). The addon is installed on demand into a cache folder outside the repo, never a dependency.
//
//   npm run check:official [-- --nodes 3] [--log debug] [--hosts 127.0.0.1:3200,…] [--server-script PATH --port P]
//
// --hosts runs the same steps against a real cluster (routing checks need the simulated one);
// --server-script/--port let the failover step kill and revive node 2 of a real test cluster.

import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SimulatedCluster } from '../lib/testing';
import { ensureOfficialClient, OFFICIAL_VERSION } from './official-client-install';
import { computeDigest, partitionId } from '../lib/protocol/digest';
import type { KeyOutcome, WorkerReply, WorkerRequest } from './official-client-worker';

const SET = 'official';
const KEY_COUNT = 100;

interface Args {
  nodes: number;
  log: string;
  hosts: string | undefined;
  serverScript: string | undefined;
  port: number | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { nodes: 3, log: 'warn', hosts: undefined, serverScript: undefined, port: undefined };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--nodes':
        args.nodes = Number(value);
        break;
      case '--log':
        args.log = String(value);
        break;
      case '--hosts':
        args.hosts = value;
        break;
      case '--server-script':
        args.serverScript = value;
        break;
      case '--port':
        args.port = Number(value);
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
    i++;
  }
  return args;
}

class Worker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly ready: Promise<void>;

  constructor(private readonly child: ChildProcess) {
    let markReady: () => void = () => undefined;
    this.ready = new Promise((resolve) => (markReady = resolve));
    child.on('message', (reply: WorkerReply) => {
      if (reply.id === 0) return markReady();
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.value);
      else waiter?.reject(Object.assign(new Error(reply.error?.message), { code: reply.error?.code }));
    });
    child.on('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`worker exited with ${code}`));
      this.pending.clear();
    });
  }

  static start(officialDir: string): Worker {
    const child = fork(join(__dirname, 'official-client-worker.ts'), [], {
      execArgv: ['-r', 'ts-node/register/transpile-only'],
      env: { ...process.env, AEROSPIKE_OFFICIAL_DIR: officialDir },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Worker(child);
  }

  async call<T>(request: WorkerRequest): Promise<T> {
    await this.ready;
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, request });
    });
  }

  stop(): void {
    if (this.child.connected) this.child.disconnect();
    this.child.kill();
  }
}

let failures = 0;
function check(label: string, ok: boolean, detail = ''): void {
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${detail.length > 0 ? `: ${detail}` : ''}`);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const masterOf = (cluster: SimulatedCluster, k: number): string => cluster.ownership('test', partitionId(computeDigest(SET, k)))[0]!;
const summary = (outcomes: readonly KeyOutcome[]): string => {
  const codes = new Map<string, number>();
  for (const o of outcomes) codes.set(o.code === undefined ? 'ok' : `rc ${o.code}`, (codes.get(o.code === undefined ? 'ok' : `rc ${o.code}`) ?? 0) + 1);
  return [...codes].map(([c, n]) => `${n} ${c}`).join(', ');
};

/** Per node name, the change of one request counter across `run`. */
async function countsDuring(cluster: SimulatedCluster | undefined, kind: 'put' | 'get' | 'batch' | 'scan', run: () => Promise<void>): Promise<Map<string, number>> {
  const before = new Map(cluster?.nodes.map((n) => [n.name, n.stats.requests[kind]]) ?? []);
  await run();
  return new Map(cluster?.nodes.map((n) => [n.name, n.stats.requests[kind] - before.get(n.name)!]) ?? []);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const officialDir = ensureOfficialClient();
  const cluster = args.hosts === undefined ? await SimulatedCluster.start({ nodes: args.nodes, detectionDelayMs: 500 }) : undefined;
  const hosts = (args.hosts ?? cluster!.seeds).split(',');
  const expected = hosts.length;
  const worker = Worker.start(officialDir);
  console.log(`${cluster === undefined ? 'real cluster' : 'SimulatedCluster'} ${hosts.join(',')}; official client ${OFFICIAL_VERSION}, seed ${hosts[0]}`);
  try {
    const seen = await worker.call<Array<{ name: string }>>({ op: 'connect', seed: hosts[0]!, clusterName: 'local', logLevel: args.log });
    const nodes = await worker.call<Array<{ name: string; address: string }>>({ op: 'waitNodes', count: expected, timeoutMs: 10_000 });
    check(`connects with one seed and discovers ${expected} nodes`, nodes.length === expected, `after connect ${seen.length}, then ${nodes.map((n) => `${n.name}@${n.address}`).join(' ')}`);

    const keys = range(KEY_COUNT);
    let outcomes: KeyOutcome[] = [];
    const puts = await countsDuring(cluster, 'put', async () => void (outcomes = await worker.call({ op: 'put', set: SET, keys })));
    check(`puts ${KEY_COUNT} records`, outcomes.every((o) => o.code === undefined), summary(outcomes));
    if (cluster !== undefined) {
      const want = new Map(cluster.nodes.map((n) => [n.name, keys.filter((k) => masterOf(cluster, k) === n.name).length]));
      check('routes every put to the partition master', [...want].every(([name, n]) => puts.get(name) === n), `want ${[...want]} got ${[...puts]}`);
    }

    const gets = await countsDuring(cluster, 'get', async () => void (outcomes = await worker.call({ op: 'get', set: SET, keys })));
    check('gets every record back', outcomes.every((o) => o.n === o.key), summary(outcomes));
    if (cluster !== undefined) {
      const want = new Map(cluster.nodes.map((n) => [n.name, keys.filter((k) => masterOf(cluster, k) === n.name).length]));
      check('routes every get to the partition master', [...want].every(([name, n]) => gets.get(name) === n), `want ${[...want]} got ${[...gets]}`);
    }

    const batchKeys = [...keys, 'missing-1', 'missing-2'];
    const batches = await countsDuring(cluster, 'batch', async () => void (outcomes = await worker.call({ op: 'batch', set: SET, keys: batchKeys })));
    const batchOk = outcomes.length === batchKeys.length && outcomes.every((o, i) => (i < KEY_COUNT ? o.n === i : o.code === 2));
    check('batch-reads the records (rc 2 for missing keys)', batchOk, summary(outcomes));
    if (cluster !== undefined) check('sends one batch request per node', [...batches.values()].every((n) => n === 1), `${[...batches]}`);

    let scanned: number[] = [];
    const scans = await countsDuring(cluster, 'scan', async () => void (scanned = await worker.call({ op: 'scan', set: SET })));
    check('scans every record exactly once', scanned.length === KEY_COUNT && new Set(scanned).size === KEY_COUNT, `${scanned.length} records`);
    if (cluster !== undefined) check('sends one partition scan per node', [...scans.values()].every((n) => n === 1), `${[...scans]}`);

    await failover(args, cluster, worker, expected, keys);
    await worker.call({ op: 'close' });
    for (const node of cluster?.nodes ?? []) {
      const asked = Object.entries(node.stats.infoNames).map(([name, n]) => `${name.length > 40 ? `${name.slice(0, 40)}…` : name} ×${n}`);
      console.log(`info names ${node.name} answered: ${asked.join(', ')}`);
    }
  } finally {
    worker.stop();
    await cluster?.stop();
  }
  console.log(failures === 0 ? 'official client check passed' : `official client check: ${failures} failed`);
  process.exitCode = failures === 0 ? 0 : 1;
}

/** Kill node 2, let the client notice, read and scan through the survivors, revive, see it again. */
async function failover(args: Args, cluster: SimulatedCluster | undefined, worker: Worker, expected: number, keys: number[]): Promise<void> {
  if (expected < 2) return;
  const realScript = args.serverScript;
  if (cluster === undefined && (realScript === undefined || args.port === undefined)) {
    console.log('skip failover (a real cluster needs --server-script and --port)');
    return;
  }
  const server = (verb: 'kill' | 'revive'): Promise<void> => {
    if (cluster !== undefined) return cluster[verb](1);
    const run = spawnSync(realScript!, [verb, '--node', '2', '--port', String(args.port)], { stdio: 'inherit' });
    return run.status === 0 ? Promise.resolve() : Promise.reject(new Error(`${verb} failed`));
  };
  await server('kill');
  const nodes = await worker.call<Array<{ name: string }>>({ op: 'waitNodes', count: expected - 1, timeoutMs: 15_000 });
  check('drops the killed node', nodes.length === expected - 1, nodes.map((n) => n.name).join(' '));
  const outcomes = await worker.call<KeyOutcome[]>({ op: 'get', set: SET, keys });
  check('reads every record through the survivors', outcomes.every((o) => o.n === o.key), summary(outcomes));
  const scanned = await worker.call<number[]>({ op: 'scan', set: SET });
  check('scans every record through the survivors', new Set(scanned).size === KEY_COUNT, `${scanned.length} records`);
  await server('revive');
  const back = await worker.call<Array<{ name: string }>>({ op: 'waitNodes', count: expected, timeoutMs: 15_000 });
  check('finds the revived node again', back.length === expected, back.map((n) => n.name).join(' '));
  const after = await worker.call<KeyOutcome[]>({ op: 'get', set: SET, keys });
  check('reads every record after the revive', after.every((o) => o.n === o.key), summary(after));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
