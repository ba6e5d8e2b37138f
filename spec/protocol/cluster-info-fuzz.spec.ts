// Seeded fuzzing of the info-value parsers the tender uses, with mutated real replies
// (spec/fixtures/cluster-info) and random strings: each input gives a value that re-encodes
// consistently, or a parse_error naming the info name; never another exception.
// npm test: 4,000 cases per parser. HARDENING_LONG=1: 100,000 per parser. FUZZ_SEED=<seed> replays.

import { AerospikeError } from '../../lib/errors';
import { parseFeatures } from '../../lib/protocol/features';
import { parseGeneration } from '../../lib/protocol/generation';
import { formatHostAddress } from '../../lib/protocol/host-address';
import { encodePeers, parsePeers } from '../../lib/protocol/peers';
import { bitmapOf, encodeReplicas, parseReplicas } from '../../lib/protocol/replicas';
import { parseServices } from '../../lib/protocol/services';
import { capturedValues } from './cluster-info-captures';
import { int, LONG_MODE, pick, rngFor, SEED, type Rng } from './fuzz-kit';

const CASES = LONG_MODE ? 100_000 : 4_000;
const TIMEOUT_MS = LONG_MODE ? 600_000 : 60_000;

const TOKENS = ['[', ']', ',', ':', ';', '=', '==', '+', '/', 'A', '0', '9', '-', '.', ' ', '%', '\t', 'é', '\u0000', 'ERROR:4:', '::', '[::1]', ':3000'];
// Real server answers to a failed info command (8.1.2).
const SERVER_ERRORS = ['ERROR:4:unrecognized command', 'ERROR:7:unstable cluster'];
const NUMBERS = ['0', '-1', '00', '3000', '65535', '65536', '4294967295', '4294967296', '99999999999', '1e3', ''];
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function values(...keys: string[]): string[] {
  return [...new Set(keys.flatMap((key) => capturedValues(key).map((c) => c.value))), ...SERVER_ERRORS];
}

const corpus = {
  peers: [
    ...values('peers-clear-std', 'peers-clear-alt', 'peers-tls-std'),
    '7,3000,[[BB9020011AC4202,,[172.17.0.3]],[BB9030011AC4202,,[172.17.0.4:3100,[2001:db8::1]]]]',
    '10,4333,[[BB9050011AC4202,peers,[172.17.0.1]],[BB9070011AC4202,peers,[[2001:db8:85a3::8a2e]:4000]]]',
    '3,3000,[[A2,,[]]]',
  ],
  services: [...values('service-clear-std', 'service-clear-alt'), '[2001:db8::1]:3100,[::1]:3000', 'db.example.com,10.0.0.1'],
  replicas: [
    ...values('replicas'),
    encodeReplicas(['a', 'b', 'c'].map((namespace, i) => ({ namespace, regime: i * 7, replicaCount: 2, bitmaps: [bitmapOf([i, 4095]), bitmapOf([])] }))),
  ],
  features: values('features'),
  generations: [...values('partition-generation', 'peers-generation'), '4294967295'],
};

/** One to three text mutations: token swaps and inserts, cuts, repeats, splices, number swaps, base64 swaps. */
function mutateText(rng: Rng, input: string, pool: readonly string[]): string {
  let s = input;
  const at = (): number => int(rng, s.length + 1);
  for (let round = 1 + int(rng, 3); round > 0; round--) {
    switch (int(rng, 9)) {
      case 0: {
        const i = int(rng, Math.max(1, s.length));
        s = s.slice(0, i) + pick(rng, TOKENS) + s.slice(i + 1);
        break;
      }
      case 1: {
        const i = at();
        s = s.slice(0, i) + pick(rng, TOKENS) + s.slice(i);
        break;
      }
      case 2: {
        const i = at();
        s = s.slice(0, i) + s.slice(i + 1 + int(rng, 8));
        break;
      }
      case 3:
        s = s.slice(0, at());
        break;
      case 4: {
        const start = at();
        const piece = s.slice(start, start + int(rng, 40));
        const i = at();
        s = s.slice(0, i) + piece + s.slice(i);
        break;
      }
      case 5: {
        const other = pick(rng, pool);
        s = s.slice(0, at()) + other.slice(int(rng, other.length + 1));
        break;
      }
      case 6:
        s = s.replace(/[0-9]+/g, (digits) => (rng() < 0.3 ? pick(rng, NUMBERS) : digits));
        break;
      case 7: {
        // a swap inside the base64 alphabet keeps most bitmaps valid, so values are reached too
        const i = int(rng, Math.max(1, s.length));
        s = s.slice(0, i) + BASE64[int(rng, 64)]! + s.slice(i + 1);
        break;
      }
      default:
        s = Array.from({ length: int(rng, 60) }, () => pick(rng, TOKENS)).join('');
    }
  }
  return s;
}

/**
 * Runs CASES mutated inputs through `run`: a value must pass `run`'s own checks; an error must be
 * a parse_error whose message starts with `infoName: `. Anything else fails with seed, case and input.
 * Both outcomes must occur, or the mutations miss the checks.
 */
function fuzz(target: string, pool: readonly string[], infoName: string, run: (input: string) => void): void {
  const rng = rngFor(`cluster-info:${target}`);
  let errors = 0;
  for (let i = 0; i < CASES; i++) {
    const input = rng() < 0.85 ? mutateText(rng, pick(rng, pool), pool) : pick(rng, pool);
    try {
      run(input);
    } catch (err) {
      if (err instanceof AerospikeError && err.code === 'parse_error' && err.message.startsWith(`${infoName}: `)) {
        errors++;
        continue;
      }
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      fail(`${target}: seed ${SEED} case ${i} threw ${what}\n  input: ${JSON.stringify(input)}`);
      return;
    }
  }
  if (process.env['FUZZ_VERBOSE'] === '1') console.log(`${target}: ${errors} parse errors, ${CASES - errors} values`);
  expect(errors).withContext(`${target} parse errors`).toBeGreaterThan(CASES / 10);
  expect(errors).withContext(`${target} values`).toBeLessThan(CASES * 0.95);
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`invariant broken: ${what}`);
}

describe('fuzzing the cluster info-value parsers', () => {
  it('finds real replies to mutate', () => {
    expect(corpus.peers.length).toBeGreaterThan(10);
    expect(corpus.replicas.length).toBeGreaterThan(10);
    expect(corpus.services.length).toBeGreaterThan(5);
  });

  it(`peers: ${CASES.toLocaleString('en')} mutated values parse to a reply that survives encode and parse, or a parse_error`, () => {
    fuzz('peers', corpus.peers, 'peers-clear-alt', (input) => {
      const reply = parsePeers(input, 'peers-clear-alt');
      for (const peer of reply.peers) for (const a of peer.addresses) check(a.port >= 1 && a.port <= 65_535 && !a.host.startsWith('['), 'address');
      check(JSON.stringify(parsePeers(encodePeers(reply), 'peers-clear-alt')) === JSON.stringify(reply), 'encode/parse round trip');
    });
  }, TIMEOUT_MS);

  it(`services: ${CASES.toLocaleString('en')} mutated values parse to addresses that survive format and parse, or a parse_error`, () => {
    fuzz('services', corpus.services, 'service-clear-std', (input) => {
      const addresses = parseServices(input, 'service-clear-std', 3000);
      const again = parseServices(addresses.map((a) => formatHostAddress(a)).join(','), 'service-clear-std');
      check(JSON.stringify(again) === JSON.stringify(addresses), 'format/parse round trip');
    });
  }, TIMEOUT_MS);

  it(`replicas: ${CASES.toLocaleString('en')} mutated values parse to maps that re-encode to the same text, or a parse_error`, () => {
    fuzz('replicas', corpus.replicas, 'replicas', (input) => {
      const namespaces = parseReplicas(input);
      for (const ns of namespaces) check(ns.bitmaps.length === ns.replicaCount && ns.bitmaps.every((b) => b.length === 512), 'bitmap shape');
      check(encodeReplicas(namespaces) === (input.endsWith(';') ? input.slice(0, -1) : input), 're-encodes to the input');
    });
  }, TIMEOUT_MS);

  it(`features: ${CASES.toLocaleString('en')} mutated values give trimmed non-empty tokens, or a parse_error`, () => {
    fuzz('features', corpus.features, 'features', (input) => {
      for (const token of parseFeatures(input)) check(token !== '' && token === token.trim() && !token.includes(';'), 'token');
    });
  }, TIMEOUT_MS);

  it(`generations: ${CASES.toLocaleString('en')} mutated values give a u32 or -1 equal to the text, or a parse_error`, () => {
    fuzz('generations', corpus.generations, 'partition-generation', (input) => {
      const generation = parseGeneration(input, 'partition-generation', { allowMinusOne: true });
      check(generation === Number(input) && (generation === -1 || (generation >= 0 && generation <= 0xffff_ffff)), 'range');
    });
  }, TIMEOUT_MS);
});
