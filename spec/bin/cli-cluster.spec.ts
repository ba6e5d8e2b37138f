// The CLI against a 3-node SimulatedCluster: one seed (--hosts or AEROSPIKE_HOSTS) finds every node,
// info goes to each node or to --node, get/put/batch are routed by the client, the scan streams from
// every node and Ctrl-C cuts all of them.
import { PassThrough } from 'node:stream';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { runCli } from '../../bin/cli';
import { AerospikeClient } from '../../lib/index';
import { computeDigest, partitionId } from '../../lib/protocol/digest';
import { SimulatedCluster } from '../../lib/testing/simulated-cluster';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}, interrupted?: Promise<void>): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(argv, { stdout, stderr, ...(interrupted ? { interrupted } : {}) }, env);
  return { code, out, err };
}

describe('aerospike-rx CLI on a cluster (--hosts)', () => {
  let sim: SimulatedCluster;
  let seed: string;

  beforeAll(async () => {
    sim = await SimulatedCluster.start({ nodes: 3, replicationFactor: 2, scanFrameBytes: 8 * 1024, syntheticScan: { set: 'endless', frames: 1_000_000, frameBytes: 64 * 1024 } });
    sim.seed('test', 'cli', 150, 256);
    seed = sim.seeds.split(',')[0]!;
  });
  afterAll(() => sim.stop());

  it('asks every node discovered from one --hosts seed, in node order', async () => {
    const r = await run(['info', 'node', 'cluster-name', '--hosts', seed]);
    expect(r).toEqual({ code: 0, out: 'A1\tnode\tA1\nA1\tcluster-name\tlocal\nA2\tnode\tA2\nA2\tcluster-name\tlocal\nA3\tnode\tA3\nA3\tcluster-name\tlocal\n', err: '' });
  });

  it('asks only the --node named', async () => {
    const r = await run(['info', 'node', '--node', 'A3', '--hosts', seed]);
    expect(r).toEqual({ code: 0, out: 'node\tA3\n', err: '' });
  });

  it('exits 1 with invalid_node when --node names no node of the cluster', async () => {
    const r = await run(['info', 'node', '--node', 'Z9', '--hosts', seed]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('aerospike-rx: invalid_node: no active node named "Z9" (active: A1, A2, A3)\n');
  });

  it('takes the seeds from AEROSPIKE_HOSTS when no flag names them', async () => {
    const r = await run(['info', 'node'], { AEROSPIKE_HOSTS: sim.seeds });
    expect(r.out).toBe('A1\tnode\tA1\nA2\tnode\tA2\nA3\tnode\tA3\n');
  });

  it('writes on the master of the key and reads it back through another seed', async () => {
    const puts = sim.nodes.map((n) => n.stats.requests.put);
    const put = await run(['put', 'test', 'cli-put', 'k1', 'name=Ada', 'age=36', 'score=9.5', '--hosts', seed]);
    expect(put).toEqual({ code: 0, out: 'ok generation=1\n', err: '' });
    const written = sim.nodes.filter((n, i) => n.stats.requests.put > puts[i]!).map((n) => n.name);
    expect(written).toEqual([sim.ownership('test', partitionId(computeDigest('cli-put', 'k1')))[0]!]);
    const got = await run(['get', 'test', 'cli-put', 'k1', '--hosts', sim.seeds.split(',')[2]!]);
    expect(got.code).toBe(0);
    const record = JSON.parse(got.out);
    expect(record.bins).toEqual({ name: 'Ada', age: 36, score: 9.5 });
    expect(record.key).toEqual(jasmine.objectContaining({ namespace: 'test', set: 'cli-put', key: 'k1' }));
    expect(record.generation).toBe(1);
  });

  it('prints bigints, blobs, Maps and nested lists a client wrote as JSON', async () => {
    const client = await firstValueFrom(AerospikeClient.connect$({ seeds: seed }));
    try {
      const bins = { big: 2n ** 62n + 1n, blob: Buffer.from([1, 2, 255]), map: new Map<number, string>([[1, 'one']]), list: [1, [2n ** 60n, 'x'], { k: Buffer.from('z') }] };
      await lastValueFrom(client.put$({ namespace: 'test', set: 'cli-json', key: 'v' }, bins));
    } finally {
      client.close();
    }
    const r = await run(['get', 'test', 'cli-json', 'v', '--hosts', seed]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).bins).toEqual({ big: '4611686018427387905', blob: '0102ff', map: [[1, 'one']], list: [1, ['1152921504606846976', 'x'], { k: '7a' }] });
  });

  it('prints one JSON line per batch key in the order given, null for a missing record', async () => {
    const r = await run(['batch', 'test', 'cli', '7', 'missing', '0', '149', '--hosts', seed]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => (l === null ? null : l.bins.n))).toEqual([7, null, 0, 149]);
    expect(lines[0].key).toEqual(jasmine.objectContaining({ namespace: 'test', set: 'cli', key: 7 }));
  });

  it('scans every record of the set from all three nodes, each once', async () => {
    const r = await run(['scan', 'test', 'cli', '--print', '--hosts', seed]);
    expect(r.code).toBe(0);
    const ns = r.out.trim().split('\n').map((l) => JSON.parse(l).bins.n as number);
    expect(ns.length).toBe(150);
    expect(new Set(ns).size).toBe(150);
    expect(r.err).toMatch(/\rrecords 150 {2}[\d.]+ MB {2}[\d.]+ MB\/s {2}3 node streams\n$/);
  });

  it('stops a cluster scan on Ctrl-C: every node stream is cut and the exit code is 0', async () => {
    // the set "endless" streams far more than any socket buffer holds: a stream started is never over by itself
    const scansBefore = sim.nodes.map((n) => n.stats.requests.scan);
    const closedBefore = sim.nodes.map((n) => n.stats.connectionsClosed);
    const everyNodeStreaming = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (sim.nodes.every((n, i) => n.stats.requests.scan > scansBefore[i]!)) {
          clearInterval(poll);
          resolve();
        }
      }, 2);
    });
    const r = await run(['scan', 'test', 'endless', '--hosts', seed], {}, everyNodeStreaming);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/\rrecords \d+ {2}[\d.]+ MB {2}[\d.]+ MB\/s {2}0 node streams, 3 cut\nscan stopped\n$/);
    const closedOn = (): number => sim.nodes.filter((n, i) => n.stats.connectionsClosed > closedBefore[i]!).length;
    for (let i = 0; i < 50 && closedOn() < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closedOn()).toBe(3);
  });

  it('exits 2 when both --hosts and --host are given', async () => {
    const r = await run(['info', 'node', '--hosts', seed, '--host', '127.0.0.1']);
    expect(r).toEqual({ code: 2, out: '', err: 'aerospike-rx: --hosts and --host/--port are alternatives: give one (see --help)\n' });
  });

  it('exits 1 with connection_error naming every seed when none answers', async () => {
    const spare = await SimulatedCluster.start({ nodes: 2 });
    const seeds = spare.seeds;
    await spare.stop();
    const r = await run(['info', 'node', '--hosts', seeds]);
    expect(r.code).toBe(1);
    for (const s of seeds.split(',')) expect(r.err).toContain(s);
    expect(r.err).toMatch(/^aerospike-rx: connection_error: no seed could be validated/);
  });
});

describe('aerospike-rx CLI with credentials', () => {
  let sim: SimulatedCluster;

  beforeAll(async () => {
    sim = await SimulatedCluster.start({ nodes: 2, users: { admin: 'secret' } });
  });
  afterAll(() => sim.stop());

  it('logs in to every node with --user and --password', async () => {
    const put = await run(['put', 'test', 'auth', 'k', 'n=1', '--hosts', sim.seeds, '-U', 'admin', '-P', 'secret']);
    expect(put).toEqual({ code: 0, out: 'ok generation=1\n', err: '' });
    const info = await run(['info', 'node', '--hosts', sim.seeds, '-U', 'admin', '-P', 'secret']);
    expect(info.out).toBe('A1\tnode\tA1\nA2\tnode\tA2\n');
  });

  it('exits 1 with the server refusal for a wrong password, never printing it', async () => {
    const r = await run(['info', 'node', '--hosts', sim.seeds, '-U', 'admin', '-P', 'wrong-pw']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^aerospike-rx: connection_error: no seed could be validated: .*invalid_credential/);
    expect(r.err).not.toContain('wrong-pw');
  });
});
