// Where the integration specs find the real cluster: AEROSPIKE_HOSTS (required), and for crash tests
// the aerospike-server script and its base port (AEROSPIKE_SERVER, AEROSPIKE_PORT), set by .ci/run.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { defer, firstValueFrom, lastValueFrom, map, mergeMap, range, toArray } from 'rxjs';
import { AerospikeClient } from '../../lib/client/aerospike-client';
import { TcpTransport } from '../../lib/net/tcp-transport';

// async: revive waits seconds for the node to rejoin, and a blocked event loop would fire every read deadline late
const run = promisify(execFile);

export const HOSTS = process.env['AEROSPIKE_HOSTS'] ?? '';
if (HOSTS.length === 0) throw new Error('npm run test:real needs AEROSPIKE_HOSTS=host:port,… (e.g. from ../shared/aerospike-server/aerospike-server start --nodes 3)');

export const FIRST_SEED = HOSTS.split(',')[0]!;

const script = process.env['AEROSPIKE_SERVER'];
const basePort = process.env['AEROSPIKE_PORT'];

/** True when the specs may crash and restart nodes. */
export const canCrash = script !== undefined && basePort !== undefined;

/** SIGKILLs node `index` (1-based) of the cluster. */
export async function killNode(index: number): Promise<void> {
  await run(script!, ['kill', '--node', String(index), '--port', basePort!]);
}

/** Restarts node `index` and waits until it rejoined. */
export async function reviveNode(index: number): Promise<void> {
  await run(script!, ['revive', '--node', String(index), '--port', basePort!]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let warming: Promise<void> | undefined;

/**
 * Resolves once the cluster answers a burst of writes promptly; every suite awaits it in `beforeAll`,
 * and it runs once per process. A cluster formed seconds ago is slow on its first writes, whichever
 * client sends them (measured on 8.1.2 with this client and the official one alike): the first
 * sequential writes take ~50 ms each, and the first burst of 64 in flight ~0.6–1.1 s, past the
 * default 1000 ms write timeout; a second burst takes ~70 ms. Specs about the client, not about a
 * cold server, start after it. Writes to its own set with a patient policy, in rounds of 512 keys at
 * 64 in flight, until a round's slowest write takes under 250 ms (at most 20 rounds).
 */
export function warmedUp(): Promise<void> {
  warming ??= warmUp();
  return warming;
}

async function warmUp(): Promise<void> {
  const client = await firstValueFrom(AerospikeClient.connect$({ seeds: FIRST_SEED, transport: new TcpTransport() }));
  const patient = { totalTimeoutMs: 20_000, socketTimeoutMs: 5_000, maxRetries: 5 };
  try {
    for (let round = 0; round < 20; round++) {
      const slowest = await lastValueFrom(
        range(round * 512, 512).pipe(
          mergeMap((k) => defer(() => {
            const started = performance.now();
            return client.put$({ namespace: 'test', set: 'rx-warmup', key: k }, { k }, patient).pipe(map(() => performance.now() - started));
          }), 64),
          toArray(),
          map((ms) => Math.max(...ms)),
        ),
      );
      if (slowest < 250 || round === 19) {
        process.stdout.write(`(cluster warm-up: ${round + 1} round(s) of 512 writes, slowest of the last ${Math.round(slowest)} ms)\n`);
        return;
      }
    }
  } finally {
    client.close();
  }
}
