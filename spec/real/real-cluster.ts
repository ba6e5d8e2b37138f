// Where the integration specs find the real cluster: AEROSPIKE_HOSTS (required), and for crash tests
// the aerospike-server script and its base port (AEROSPIKE_SERVER, AEROSPIKE_PORT), set by .ci/run.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

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
