// `npm start` as a user runs it: the tour in a child process on its embedded SimulatedCluster. It must
// exit 0 on its own (nothing left open) within the time limit, and its lines must agree with each other.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

interface TourRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

const ROOT = join(__dirname, '..', '..');
const LIMIT_MS = 60_000;

function runTour(): Promise<TourRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' };
  for (const name of ['AEROSPIKE_HOSTS', 'AEROSPIKE_SERVER', 'AEROSPIKE_PORT', 'AEROSPIKE_NAMESPACE']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'examples/demo.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the tour did not exit within ${LIMIT_MS} ms; output so far:\n${out}\n${err}`));
    }, LIMIT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(limit);
      resolve({ code, out, err });
    });
  });
}

const numbers = (line: string | undefined): number[] => (line ?? '').match(/\d[\d,]*/g)?.map((n) => Number(n.replace(/,/g, ''))) ?? [];

describe('npm start (examples/demo.ts)', () => {
  let run: TourRun;
  let lines: string[];
  const line = (pattern: RegExp): string | undefined => lines.find((l) => pattern.test(l));

  beforeAll(async () => {
    run = await runTour();
    lines = run.out.split('\n');
  }, LIMIT_MS + 5000);

  it('exits 0 on its own with nothing on stderr', () => {
    expect({ code: run.code, err: run.err }).toEqual({ code: 0, err: '' });
    expect(lines.filter((l) => l.length > 0).length).toBeLessThanOrEqual(60);
    expect(line(/^done in [\d.]+ s: client closed, embedded cluster stopped$/)).toBeDefined();
  });

  it('finds the three nodes and the whole partition map from one seed', () => {
    expect(line(/^1\. connect\$ with one seed, 127\.0\.0\.1:\d+: connected in \d+ ms, 3 nodes found$/)).toBeDefined();
    expect(line(/^ {3}nodes\$: A1 127\.0\.0\.1:\d+, A2 127\.0\.0\.1:\d+, A3 127\.0\.0\.1:\d+$/)).toBeDefined();
    expect(line(/partition map: namespace test, 2 replicas, 4096 of 4096 partitions with a master$/)).toBeDefined();
  });

  it('shows put, get, operate and delete with their real results', () => {
    expect(line(/put\$ "greeting" \{"text":"hello","visits":1\} -> generation 1$/)).toBeDefined();
    expect(line(/get\$ "greeting" -> \{"text":"hello","visits":1\}, generation 1, never expires$/)).toBeDefined();
    expect(line(/operate\$ "greeting" .* -> visits = 2, generation 2$/)).toBeDefined();
    expect(line(/delete\$ "greeting" -> true; get\$ "greeting" -> null$/)).toBeDefined();
    expect(line(/16 in flight: 200 written in \d+ ms$/)).toBeDefined();
  });

  it('reads a batch in the caller order with null for the missing key, one request per node', () => {
    expect(line(/^3\. batchGet\$ of 5 keys: 3 requests to 3 nodes \(A1, A2, A3\), results in the order of the keys$/)).toBeDefined();
    expect(line(/^ {3}0 -> n = 0, 57 -> n = 57, "no-such-key" -> null, 123 -> n = 123, 199 -> n = 199$/)).toBeDefined();
  });

  it('scans every record once, with a progress line as each node stream ends', () => {
    const progress = lines.filter((l) => /^ {3}\.\.\. A\d's stream ended \([\d,]+ bytes\): \d+ records so far$/.test(l));
    expect(progress.length).toBe(3);
    expect(numbers(progress[2]).pop()).toBe(200);
    expect(line(/^ {3}200 records \(200 distinct\) in \d+ ms: [\d.]+ MB over 3 node streams, all open at once$/)).toBeDefined();
  });

  it('reports the cancelled scan consistently: cut streams = connections closed by the pools = sockets the nodes saw close', () => {
    expect(line(/take\(10\)\) unsubscribed the scan after 10 records$/)).toBeDefined();
    const streams = /its (\d+) node streams?: (\d+) still reading, cut \([A\d, ]+\); (\d+) already ended; scan span result: cancelled$/.exec(line(/its \d+ node stream/) ?? '');
    expect(streams).not.toBeNull();
    const [total, cut, ended] = streams!.slice(1).map(Number) as [number, number, number];
    expect(cut + ended).toBe(total);
    expect(numbers(line(/stats\(\): the pools closed/))[0]).toBe(cut);
    expect(numbers(line(/server side: the simulated nodes saw/))[0]).toBe(cut);
    expect(line(/stats\(\): the pools closed \d+ connections?, one per cut stream; 0 in use, \d+ idle$/)).toBeDefined();
  });

  it('shows A2 crashed, removed and back, in that order, in the failover timeline', () => {
    const at = (pattern: RegExp): number => lines.findIndex((l) => pattern.test(l));
    const order = [at(/^ +\+0\.00 s {2}crashing A2$/), at(/killed A2 \(127\.0\.0\.1:\d+\)/), at(/node_removed A2, reason \w+$/), at(/revived A2/), at(/node_added A2 \(/)];
    expect(order.every((i) => i > 0)).toBeTrue();
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('counts the same calls in the phase table as in the load loop', () => {
    const start = lines.findIndex((l) => /^ {3}phase +calls ok +retried +failed +duration$/.test(l));
    const rows = lines.slice(start + 1, start + 5).map((l) => l.trim().split(/ {2,}/));
    expect(rows.map((cells) => cells[0])).toEqual(['3 nodes', 'A2 crashed, not yet removed', 'A2 removed', 'A2 back']);
    const load = /^ {3}load loop: ([\d,]+) calls ok \(\d+ put\$, \d+ get\$\), (\d+) failed/.exec(line(/^ {3}load loop: /) ?? '');
    expect(load).not.toBeNull();
    const [ok, failed] = load!.slice(1).map((n) => Number(n.replace(/,/g, ''))) as [number, number];
    expect(rows.reduce((n, cells) => n + Number(cells[1]), 0)).toBe(ok);
    expect(rows.reduce((n, cells) => n + Number(cells[3]), 0)).toBe(failed);
    expect(ok).toBeGreaterThan(0);
  });

  it('prints the telemetry of every channel of the package', () => {
    for (const channel of ['aerospike:command:send', 'aerospike:command:recv', 'aerospike:info:rpc', 'aerospike:connect', 'aerospike:tend', 'aerospike:command']) {
      expect(line(new RegExp(`^ {3}${channel} +\\d+ +\\d+ +\\d+ +[\\d.]+ +[\\d.]+ +[\\d.]+$`))).withContext(channel).toBeDefined();
    }
  });
});
