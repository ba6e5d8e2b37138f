// `npm start`: a tour of the record API on an embedded 3-node SimulatedCluster, or on the real
// cluster named by AEROSPIKE_HOSTS (AEROSPIKE_SERVER + AEROSPIKE_PORT let it crash and restart node 2
// of an aerospike-server cluster). Prints what happened; exits 0, on its own, when all went well.

import { isAerospikeError } from '../lib/index';
import { runTour } from './tour/tour';
import { embeddedTarget, realTarget, type TourTarget } from './tour/tour-target';

async function main(): Promise<void> {
  const env = process.env;
  const namespace = env['AEROSPIKE_NAMESPACE'] ?? 'test';
  const hosts = env['AEROSPIKE_HOSTS'];
  const target: TourTarget = hosts !== undefined && hosts.trim() !== '' ? realTarget(hosts, namespace, env) : await embeddedTarget(namespace);
  await runTour(target, (line = '') => console.log(line));
}

main().catch((err: unknown) => {
  // a server or cluster failure is news, not a bug: its code and message say it all
  const text = isAerospikeError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? (err.stack ?? err.message) : String(err);
  console.error(`tour failed: ${text}`);
  process.exitCode = 1;
});
