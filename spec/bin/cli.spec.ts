import { PassThrough } from 'node:stream';
import { runCli, USAGE } from '../../bin/cli';
import { SimulatedNode } from '../../lib/testing/simulated-node';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], interrupted?: Promise<void>): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await runCli(argv, { stdout, stderr, ...(interrupted ? { interrupted } : {}) }, {});
  return { code, out, err };
}

describe('aerospike-rx CLI', () => {
  let node: SimulatedNode;
  let at: string[];

  beforeAll(async () => {
    node = await SimulatedNode.start({ scanFrameBytes: 16 * 1024, syntheticScan: { set: 'endless', frames: 1_000_000, frameBytes: 64 * 1024 } });
    node.seed('test', 'cli', 120, 512);
    at = ['--host', node.host, '--port', String(node.port)];
  });
  afterAll(() => node.stop());

  it('prints the usage with --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${USAGE}\n`);
  });

  it('answers info names from every node as node<TAB>name<TAB>value lines', async () => {
    const r = await run(['info', 'build', 'namespaces', ...at]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('BB9000000000001\tbuild\t8.1.2.0\nBB9000000000001\tnamespaces\ttest\n');
  });

  it('answers info names from the --node named as name<TAB>value lines', async () => {
    const r = await run(['info', 'build', 'namespaces', '--node', 'BB9000000000001', ...at]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('build\t8.1.2.0\nnamespaces\ttest\n');
  });

  it('puts then gets a record', async () => {
    const put = await run(['put', 'test', 'cli-put', 'k1', 'name=Ada', 'age=36', 'score=9.5', ...at]);
    expect(put).toEqual({ code: 0, out: 'ok generation=1\n', err: '' });
    const got = await run(['get', 'test', 'cli-put', 'k1', ...at]);
    expect(got.code).toBe(0);
    expect(JSON.parse(got.out).bins).toEqual({ name: 'Ada', age: 36, score: 9.5 });
  });

  it('exits 1 with the error code when the record is missing', async () => {
    const r = await run(['get', 'test', 'cli', 'missing', ...at]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^aerospike-rx: key_not_found: /);
  });

  it('scans a set, printing records and the final progress line on stderr', async () => {
    const r = await run(['scan', 'test', 'cli', '--print', ...at]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').length).toBe(120);
    expect(r.err).toMatch(/\rrecords 120 {2}[\d.]+ MB {2}[\d.]+ MB\/s {2}1 node stream\n$/);
  });

  it('stops a scan cleanly on Ctrl-C: the stream is cut and the exit code is 0', async () => {
    const scansBefore = node.stats.requests.scan;
    const streaming = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (node.stats.requests.scan > scansBefore) {
          clearInterval(poll);
          resolve();
        }
      }, 2);
    });
    const r = await run(['scan', 'test', 'endless', ...at], streaming);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/ {2}0 node streams, 1 cut\nscan stopped\n$/);
  });

  it('exits 2 with one line for an unknown flag', async () => {
    const r = await run(['info', 'build', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter(Boolean).length).toBe(1);
    expect(r.err).toContain("'--bogus'");
  });

  it('exits 2 for an unknown command, a missing argument or a bad port', async () => {
    expect((await run(['frobnicate', ...at])).code).toBe(2);
    expect((await run(['get', 'test', ...at])).code).toBe(2);
    const bad = await run(['info', 'build', '--port', 'http']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--port must be a positive integer');
  });

  it('exits 2 when only one of --user and --password is given', async () => {
    const r = await run(['info', 'build', '--user', 'admin', ...at]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--user and --password go together');
  });

  it('exits 1 with connection_error when nothing listens', async () => {
    const spare = await SimulatedNode.start();
    const port = spare.port;
    await spare.stop();
    const r = await run(['info', 'build', '--host', '127.0.0.1', '--port', String(port)]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('connection_error');
  });
});
