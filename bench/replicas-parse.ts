// parseReplicas cost per bitmap as the namespace count grows (1, 3, 30, 300 namespaces × RF 2), as a
// ratio to a baseline measured in the same run: Node's bare (lenient) base64 decode of the same
// bitmaps. A flat per-bitmap cost shows the parse is linear in the value's size.
// Run: node -r ts-node/register/transpile-only bench/replicas-parse.ts   (BENCH_MEASURE_MS, default 400)

import { bitmapOf, encodeReplicas, parseReplicas } from '../lib/protocol/replicas';

const MEASURE_MS = Number(process.env['BENCH_MEASURE_MS'] ?? 400);

function randomBitmap(seed: number): Uint8Array {
  const partitions: number[] = [];
  for (let p = 0; p < 4096; p++) if (((p * 2654435761 + seed * 40503) >>> 7) % 2 === 0) partitions.push(p);
  return bitmapOf(partitions);
}

/** Microseconds per call of `fn`, after a warm-up, over MEASURE_MS. */
function timeUs(fn: () => unknown): number {
  const warmUntil = Date.now() + MEASURE_MS / 4;
  while (Date.now() < warmUntil) fn();
  let calls = 0;
  const start = process.hrtime.bigint();
  const until = Date.now() + MEASURE_MS;
  while (Date.now() < until) {
    for (let i = 0; i < 10; i++) fn();
    calls += 10;
  }
  return Number(process.hrtime.bigint() - start) / 1000 / calls;
}

console.log('namespaces  bitmaps  parse µs  µs/bitmap  bare decode µs/bitmap  ratio');
for (const count of [1, 3, 30, 300]) {
  const value = encodeReplicas(
    Array.from({ length: count }, (_, i) => ({ namespace: `ns${i}`, regime: 0, replicaCount: 2, bitmaps: [randomBitmap(2 * i), randomBitmap(2 * i + 1)] })),
  );
  const texts = value.split(';').flatMap((segment) => segment.split(',').slice(2));
  const parseUs = timeUs(() => parseReplicas(value));
  const bareUs = timeUs(() => texts.map((t) => Buffer.from(t, 'base64')));
  const bitmaps = texts.length;
  const perBitmap = parseUs / bitmaps;
  const barePerBitmap = bareUs / bitmaps;
  console.log(
    `${String(count).padStart(10)}  ${String(bitmaps).padStart(7)}  ${parseUs.toFixed(1).padStart(8)}  ${perBitmap.toFixed(2).padStart(9)}  ${barePerBitmap.toFixed(2).padStart(21)}  ${(perBitmap / barePerBitmap).toFixed(2).padStart(5)}`,
  );
}
