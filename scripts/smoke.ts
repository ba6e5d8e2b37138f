// `npm run smoke`: every transport method once against in-process SimulatedNodes, each result
// checked, so one command tells whether this runtime (Node, Bun, Deno) runs the package:
// info$, put/get (plain and compressed), a batch through commandStream$, a scan through stream$
// cancelled midway and one read to the end, frames(), TLS with the committed test certificates,
// logins, and close. Exits non-zero at the first failed check. `npm run test:runtimes` runs it
// compiled under each runtime.

import { readFileSync } from 'node:fs';
import { connect as netConnect, type Server } from 'node:net';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { AerospikeError, TcpTransport, type Connection } from '../lib/index';
import { encodeBatchGet } from '../lib/protocol/batch-request';
import { decodeRecord, decodeRecords } from '../lib/protocol/record';
import { encodeGet, encodePut } from '../lib/protocol/requests';
import { encodePartitionScan } from '../lib/protocol/scan-request';
import { SimulatedNode } from '../lib/testing/simulated-node';

const NAMESPACE = 'test';
const SET = 'smoke';
/** Seeded with SCAN_RECORDS records (keys 0…) for the batch and the scans. */
const SCAN_SET = 'smoke-scan';
const SCAN_RECORDS = 120;
const PASSWORD = 'smoke-password';
const TLS_DIR = join(__dirname, '..', 'spec', 'fixtures', 'tls');
/** The DNS name in the committed server certificate. */
const TLS_NAME = 'aerospike-test';

declare const Bun: { version: string } | undefined;
declare const Deno: { version: { deno: string } } | undefined;

function runtimeName(): string {
  if (typeof Bun !== 'undefined') return `bun ${Bun.version}`;
  if (typeof Deno !== 'undefined') return `deno ${Deno.version.deno}`;
  return `node ${process.versions.node}`;
}

let passed = 0;

function check(what: string, ok: boolean, detail = ''): void {
  if (!ok) throw new Error(`smoke check failed: ${what}${detail === '' ? '' : ` (${detail})`}`);
  passed++;
  process.stdout.write(`ok  ${what}\n`);
}

async function expectError(what: string, run: () => Promise<unknown>, code: string): Promise<void> {
  try {
    await run();
  } catch (err) {
    check(what, err instanceof AerospikeError && err.code === code, `got ${(err as Error)?.name}: ${(err as { code?: string }).code} ${(err as Error)?.message}`);
    return;
  }
  check(what, false, 'no error');
}

/** A TLS terminator in front of `port`, with the committed test server certificate. */
function tlsFront(port: number): Promise<Server> {
  const options = { key: readFileSync(join(TLS_DIR, 'server-key.pem')), cert: readFileSync(join(TLS_DIR, 'server.pem')) };
  const server = createTlsServer(options, (secure) => {
    const plain = netConnect(port, '127.0.0.1');
    secure.pipe(plain).pipe(secure);
    const close = (): void => {
      secure.destroy();
      plain.destroy();
    };
    secure.on('error', close).on('close', close);
    plain.on('error', close).on('close', close);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const portOf = (server: Server): number => (server.address() as { port: number }).port;

async function main(): Promise<void> {
  const started = Date.now();
  const node = await SimulatedNode.start({ scanFrameBytes: 16 * 1024 });
  const secured = await SimulatedNode.start({ users: { smoke: PASSWORD } });
  // a scan from this one never ends, so a loop that breaks early must be the one that ends it
  const stalling = await SimulatedNode.start({ scanFrameBytes: 16 * 1024, faults: { stallAfterBytes: 40 * 1024 } });
  stalling.seed(NAMESPACE, SCAN_SET, SCAN_RECORDS, 512);
  const front = await tlsFront(node.port);
  node.seed(NAMESPACE, SCAN_SET, SCAN_RECORDS, 512);
  const transport = new TcpTransport();
  const open: Connection[] = [];
  const connect = async (port: number, opts = {}): Promise<Connection> => {
    const conn = await firstValueFrom(transport.connect$('127.0.0.1', port, opts));
    open.push(conn);
    return conn;
  };
  try {
    let conn = await connect(node.port);
    check('connect$ opens a connection', conn.isOpen);

    const info = await firstValueFrom(transport.info$(conn, ['build', 'namespaces']));
    check('info$ answers build and namespaces', info['build'] === '8.1.2.0' && info['namespaces'] === NAMESPACE, JSON.stringify(info));

    const key = { namespace: NAMESPACE, set: SET, key: 'smoke-key' };
    const put = decodeRecord(await firstValueFrom(transport.command$(conn, encodePut(key, { greeting: 'hello', n: 7 }), 1000)));
    check('command$ put', put.resultCode === 0, `result ${put.resultCode}`);
    const got = decodeRecord(await firstValueFrom(transport.command$(conn, encodeGet(key), 1000)));
    check('command$ get reads the put back', got.bins['greeting'] === 'hello' && got.bins['n'] === 7, JSON.stringify(got.bins));

    const big = { namespace: NAMESPACE, set: SET, key: 'smoke-compressed' };
    const text = 'compressible '.repeat(400);
    await firstValueFrom(transport.command$(conn, encodePut(big, { text }, { useCompression: true }), 1000, { useCompression: true }));
    const inflated = decodeRecord(await firstValueFrom(transport.command$(conn, encodeGet(big, { useCompression: true }), 1000, { useCompression: true })));
    check('command$ with compression both ways (zlib)', inflated.bins['text'] === text);

    const keys = [0, 1, 2, 'missing', 3].map((k) => ({ namespace: NAMESPACE, set: SCAN_SET, key: k }));
    const batch = decodeRecords(await firstValueFrom(transport.commandStream$(conn, encodeBatchGet(keys), 1000))).filter((r) => !r.last);
    const found = batch.filter((r) => r.resultCode === 0).length;
    check('commandStream$ batch get: 4 found, 1 missing', batch.length === 5 && found === 4, `${batch.length} records, ${found} found`);

    const scan = (taskId: bigint) => encodePartitionScan({ namespace: NAMESPACE, set: SCAN_SET, taskId });
    const countRecords = (frames: readonly Buffer[]) => frames.reduce((n, f) => n + decodeRecords(f.subarray(8)).filter((r) => !r.last && !r.partitionDone).length, 0);
    const firstTwo = await lastValueFrom(transport.stream$(conn, scan(1n), 1000).pipe(take(2), toArray()));
    check('stream$ scan cancelled after 2 frames destroys the socket', firstTwo.length === 2 && !conn.isOpen);

    conn = await connect(node.port);
    const all = await lastValueFrom(transport.stream$(conn, scan(2n), 1000).pipe(toArray()));
    check(`stream$ scan read to the end: ${SCAN_RECORDS} records`, countRecords(all) === SCAN_RECORDS && conn.isOpen, `${countRecords(all)} records in ${all.length} frames`);

    const iterated: Buffer[] = [];
    for await (const frame of transport.frames(conn, scan(3n), 1000, { highWaterFrames: 2 })) iterated.push(frame);
    check(`frames() iterates the scan with backpressure: ${SCAN_RECORDS} records`, countRecords(iterated) === SCAN_RECORDS && conn.isOpen);
    const endless = await connect(stalling.port);
    for await (const frame of transport.frames(endless, scan(4n), 5000)) {
      check('frames() yields a first frame', frame.length > 8);
      break;
    }
    check('breaking out of frames() before the end destroys the socket', !endless.isOpen);

    const tls = await connect(portOf(front), { tls: { ca: readFileSync(join(TLS_DIR, 'ca.pem')), servername: TLS_NAME } });
    const overTls = decodeRecord(await firstValueFrom(transport.command$(tls, encodeGet(key), 1000)));
    check('TLS connection (committed test CA, tls-name) reads the record', overTls.bins['greeting'] === 'hello');
    await expectError('TLS to an untrusted certificate is a connection_error', () => connect(portOf(front), { tls: { ca: readFileSync(join(TLS_DIR, 'other-ca.pem')), servername: TLS_NAME } }), 'connection_error');

    const authed = await connect(secured.port, { user: 'smoke', password: PASSWORD });
    const securedInfo = await firstValueFrom(transport.info$(authed, ['build']));
    check('connect$ logs in with user and password (bcrypt)', securedInfo['build'] === '8.1.2.0');
    const login = await firstValueFrom(transport.login$(authed, { user: 'smoke', password: PASSWORD }));
    check('login$ returns a session token', login.kind === 'session' && login.token.length > 0);
    await expectError('a wrong password is invalid_credential', () => connect(secured.port, { user: 'smoke', password: 'wrong' }), 'invalid_credential');

    transport.close(authed);
    transport.close(authed);
    check('close is idempotent and ends the connection', !authed.isOpen);
    await expectError('an operation on a closed connection is a network_error', () => firstValueFrom(transport.command$(authed, encodeGet(key), 1000)), 'network_error');
  } finally {
    for (const conn of open) transport.close(conn);
    await new Promise((resolve) => front.close(resolve));
    await Promise.all([node.stop(), secured.stop(), stalling.stop()]);
  }
  process.stdout.write(`smoke: ${passed} checks passed on ${runtimeName()} in ${Date.now() - started} ms\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`smoke failed on ${runtimeName()}: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
