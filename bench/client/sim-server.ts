// The client bench's default server process: a 3-node SimulatedCluster (RF 2) on loopback, its store
// seeded with every set the bench reads. Reports its seed list over IPC and stops when the parent
// disconnects. Its own process, so its CPU and memory are never the client's.

import { SimulatedCluster } from '../../lib/testing/simulated-cluster';
import { NAMESPACE, RECORD_SET, SCAN_SETS } from './data';

async function main(): Promise<void> {
  const cluster = await SimulatedCluster.start({ nodes: 3, replicationFactor: 2, namespaces: [NAMESPACE] });
  for (const set of [RECORD_SET, SCAN_SETS.small, SCAN_SETS.large, SCAN_SETS.slow]) cluster.seed(NAMESPACE, set.name, set.count, set.blobBytes);
  process.send!({ seeds: cluster.seeds });
  process.on('disconnect', () => void cluster.stop().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
