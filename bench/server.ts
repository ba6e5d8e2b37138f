// The benchmark's server process: a SimulatedNode seeded with the bench sets, on 127.0.0.1. It
// reports its port over IPC and stops when the parent disconnects. Benchmark support only.

import { SimulatedNode } from '../lib/testing/simulated-node';
import { BENCH_NAMESPACE, BENCH_SETS, SCAN_RECORD_BYTES, SYNTHETIC_FRAME_BYTES, SYNTHETIC_FRAMES } from './sets';

async function main(): Promise<void> {
  const node = await SimulatedNode.start({
    namespaces: [BENCH_NAMESPACE],
    syntheticScan: { set: BENCH_SETS.synthetic, frames: SYNTHETIC_FRAMES, frameBytes: SYNTHETIC_FRAME_BYTES },
  });
  node.seed(BENCH_NAMESPACE, BENCH_SETS.get, 1, 100);
  node.seed(BENCH_NAMESPACE, BENCH_SETS.scanSmall, 50, SCAN_RECORD_BYTES);
  node.seed(BENCH_NAMESPACE, BENCH_SETS.scanLarge, 2000, SCAN_RECORD_BYTES);
  process.send!({ port: node.port });
  process.on('disconnect', () => void node.stop().then(() => process.exit(0)));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
