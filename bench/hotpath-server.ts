// The hot-path bench's server process: a 3-node SimulatedCluster (replication factor 2) on 127.0.0.1,
// in its own process so the measuring worker's process.cpuUsage() is the client's alone. Reports its
// seeds over IPC and stops when the parent disconnects. Benchmark support only.

import { SimulatedCluster } from '../lib/testing';

async function main(): Promise<void> {
  const cluster = await SimulatedCluster.start({ nodes: 3, replicationFactor: 2 });
  process.send!({ seeds: cluster.seeds });
  process.on('disconnect', () => void cluster.stop().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
