// The value codec's cost: encode and decode of a nested 1.7 KB record value (strings, numbers, a
// nested map, lists of maps with blobs) against JSON.stringify/parse of the same value in the same
// run. Best of five rounds per measurement. Run: node -r ts-node/register/transpile-only bench/values.ts
//
// For the record (a one-off run, libraries kept out of the repo): on this value @msgpack/msgpack 3.1.3
// and msgpackr 2.1.3 in plain msgpack, which cannot carry Aerospike's particle prefixes or key-ordered
// maps, ran within ±20% of this codec (see the helper's report).

import { decodeBinValue, encodeBinValue, type ValueInput } from '../lib/protocol/value';

const value: { readonly [key: string]: ValueInput } = {
  name: 'Ada Lovelace',
  age: 36,
  active: true,
  balance: 1234.56,
  tags: ['math', 'poetry', 'engines', 'notes', 'analytical', 'babbage', 'london', 'science', 'history', 'computing'],
  scores: Array.from({ length: 20 }, (_, i) => i * 1.25 + 0.5),
  address: { street: '12 St James Square', city: 'London', zip: 'SW1Y 4JH', geo: { lat: 51.507, lon: -0.134 } },
  history: Array.from({ length: 20 }, (_, i) => ({ ts: 1_700_000_000 + i * 3600, event: i % 2 ? 'login' : 'purchase', amount: i * 100, data: Buffer.alloc(16, i) })),
};
const ROUNDS = 5;
const PER_ROUND = Number(process.env['VALUES_N'] ?? 10_000);

function microseconds(fn: () => unknown): number {
  for (let i = 0; i < 2000; i++) fn();
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < PER_ROUND; i++) fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1000 / PER_ROUND);
  }
  return best;
}

const particle = encodeBinValue(value, 'bins.v');
const json = JSON.stringify(value);
const stringify = microseconds(() => JSON.stringify(value));
const parse = microseconds(() => JSON.parse(json));
const encode = microseconds(() => encodeBinValue(value, 'bins.v'));
const decode = microseconds(() => decodeBinValue(particle.particleType, particle.bytes));
console.log(`value: ${particle.bytes.length} bytes of msgpack (${Buffer.byteLength(json)} of JSON)`);
console.log(`encode ${encode.toFixed(2)} us  (JSON.stringify ${stringify.toFixed(2)} us, ratio ${(encode / stringify).toFixed(2)})`);
console.log(`decode ${decode.toFixed(2)} us  (JSON.parse ${parse.toFixed(2)} us, ratio ${(decode / parse).toFixed(2)})`);
