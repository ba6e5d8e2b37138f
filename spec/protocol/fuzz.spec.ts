// Seeded fuzzing of every pure decoder with random and mutated real frames. Each target has its own
// PRNG stream derived from the seed, so a failure replays regardless of jasmine's spec order:
// FUZZ_SEED=<seed> node spec/run.js spec/protocol/fuzz.spec.ts

import * as zlib from 'node:zlib';
import { AerospikeError } from '../../lib/errors';
import { decodeAdminHeader, findAdminTerminal, walkAdminRecords } from '../../lib/protocol/admin';
import { decodeAsMsgHeader, findAsMsgLast, walkAsMsgRecords } from '../../lib/protocol/as-msg';
import { compressFrame, inflateCompressedBody } from '../../lib/protocol/compression';
import { FrameDecoder, type Frame } from '../../lib/protocol/frame-decoder';
import { encodeInfoRequest, parseInfoReply } from '../../lib/protocol/info';
import { decodeLoginReply, encodeAuthenticateRequest, encodeLoginRequest } from '../../lib/protocol/login';
import { resultCodeName } from '../../lib/protocol/result-codes';
import { decodeRecords } from '../../lib/protocol/record';
import { decodeOperateReply } from '../../lib/protocol/operate-request';
import { decodeBinValue, encodeBinValue, type ValueInput } from '../../lib/protocol/value';
import { Double } from '../../lib/protocol/double';
import { officialLabels, officialStep } from '../helpers/official-client-frames';
import { hex, loadCapturedStreams } from './captures';
import { int, LONG_MODE, pick, rngFor, SEED, type Rng } from './fuzz-kit';

/** HARDENING_LONG=1 (or FUZZ_LONG=1) runs the long mode: 100,000+ cases for the msgpack decoder. */
const LONG = LONG_MODE || process.env['FUZZ_LONG'] === '1';
/** Small cap so tampered lengths must be refused rather than allocated. */
const CAP = 4096;
const TIMEOUT_MS = 60_000;

function randomBytes(rng: Rng, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = int(rng, 256);
  return out;
}

const INTERESTING_BYTES = [0, 1, 2, 3, 4, 5, 16, 22, 50, 52, 66, 0x7f, 0x80, 0xfe, 0xff];

function interestingU32(rng: Rng, length: number): number {
  return pick(rng, [0, 1, 3, 4, 5, 7, 8, 15, 16, 21, 22, 23, length - 1, length, length + 1, 0x7fff_ffff, 0xffff_ffff, int(rng, 2 ** 32)]) >>> 0;
}

/** One to three mutations: bit flips, byte sets, truncation, extension, splices, slice moves, length tampering. */
function mutate(rng: Rng, input: Buffer, corpus: readonly Buffer[], lengthOffsets: (b: Buffer) => number[] = () => []): Buffer {
  let b: Buffer = Buffer.from(input);
  const rounds = 1 + int(rng, 3);
  for (let r = 0; r < rounds; r++) {
    switch (int(rng, 9)) {
      case 0:
        for (let i = 1 + int(rng, 8); i > 0 && b.length > 0; i--) b[int(rng, b.length)]! ^= 1 << int(rng, 8);
        break;
      case 1:
        for (let i = 1 + int(rng, 4); i > 0 && b.length > 0; i--) b[int(rng, b.length)] = rng() < 0.5 ? pick(rng, INTERESTING_BYTES) : int(rng, 256);
        break;
      case 2:
        b = b.subarray(0, int(rng, b.length + 1));
        break;
      case 3:
        b = Buffer.concat([b, randomBytes(rng, 1 + int(rng, 64))]);
        break;
      case 4: {
        const other = pick(rng, corpus);
        b = Buffer.concat([b.subarray(0, int(rng, b.length + 1)), other.subarray(int(rng, other.length + 1))]);
        break;
      }
      case 5: {
        if (b.length === 0) break;
        const start = int(rng, b.length);
        const end = start + int(rng, b.length - start + 1);
        const at = int(rng, b.length + 1);
        b = rng() < 0.5 ? Buffer.concat([b.subarray(0, at), b.subarray(start, end), b.subarray(at)]) : Buffer.concat([b.subarray(0, start), b.subarray(end)]);
        break;
      }
      case 6:
      case 7: {
        // length-field tampering: a known size position when there is one, else anywhere
        const known = lengthOffsets(b).filter((o) => o + 4 <= b.length);
        const at = known.length > 0 && rng() < 0.7 ? pick(rng, known) : int(rng, Math.max(1, b.length - 3));
        if (at + 4 <= b.length) b.writeUInt32BE(interestingU32(rng, b.length), at);
        else if (at + 2 <= b.length) b.writeUInt16BE(int(rng, 65536), at);
        break;
      }
      default:
        b = randomBytes(rng, int(rng, 96));
    }
  }
  return b;
}

/** Offsets of the u32 size prefixes of fields walking a record layout with `headerSize`-byte headers. */
function sizeOffsets(b: Buffer, headerSize: number, countAt: number): number[] {
  const offsets: number[] = [headerSize - 4];
  let cursor = headerSize;
  const count = b.length >= headerSize ? (headerSize === 22 ? b.readUInt16BE(countAt) + b.readUInt16BE(countAt + 2) : b[countAt]!) : 0;
  for (let i = 0; i < count && cursor + 4 <= b.length && offsets.length < 64; i++) {
    offsets.push(cursor);
    cursor += 4 + b.readUInt32BE(cursor);
  }
  return offsets;
}

// ---- corpus --------------------------------------------------------------------------------

const streams = loadCapturedStreams();
const allFrames: Buffer[] = [];
for (const stream of streams) {
  new FrameDecoder().push(stream.bytes, (f: Frame) => {
    if (f.bytes.length <= 16 * 1024) allFrames.push(Buffer.from(f.bytes));
  });
}
const vectorFrames = [
  encodeInfoRequest(['node', 'build']),
  hex(`02 03 00 00 00 00 00 16 16 00 00 01 00 04 ${'00'.repeat(16)}`),
  hex(`02 02 00 00 00 00 00 10 00 32 00 00 ${'00'.repeat(12)}`),
  hex(`02 02 00 00 00 00 00 10 00 4a 10 00 ${'00'.repeat(12)}`),
  hex(`02 02 00 00 00 00 00 21 00 00 00 02 ${'00'.repeat(12)} 00 00 00 04 05 74 6f 6b 00 00 00 05 06 00 01 51 80`),
  encodeLoginRequest({ user: 'admin', credential: '$2a$10$7EqJtq98hPqEX7fNZaFWoO1mVO/4MLpGzsqojz6E9Gef6iXDjXdDa', clearPassword: 'admin' }),
  encodeAuthenticateRequest({ user: 'admin', token: Buffer.from('tok') }),
  hex('02 03 00 00 00 00 00 00 02 02 00 00 00 00 00 00'),
];
const frameCorpus = [...allFrames, ...vectorFrames];
const bodiesOfType = (type: number): Buffer[] => frameCorpus.filter((f) => f[1] === type).map((f) => f.subarray(8));
const asMsgBodies = bodiesOfType(3);
const infoBodies = bodiesOfType(1);
const adminBodies = [
  ...bodiesOfType(2),
  // a QUERY_USERS-like reply: two records with fields, then QUERY_END
  hex(`00 00 09 02 ${'00'.repeat(12)} 00 00 00 06 00 61 6c 69 63 65 00 00 00 07 0a 01 04 72 65 61 64
       00 00 09 01 ${'00'.repeat(12)} 00 00 00 04 00 62 6f 62  00 32 09 00 ${'00'.repeat(12)}`),
];
const loginBodies = adminBodies;
const envelopeBodies = [
  ...frameCorpus.filter((f) => f[1] === 4).map((f) => f.subarray(8)),
  ...frameCorpus.filter((f) => f[1] === 3 && f.length > 40).slice(0, 12).map((f) => compressFrame(f).subarray(8)),
  // a small bomb: 1 MiB of zeros declared as 4000 bytes
  Buffer.concat([hex('00 00 00 00 00 00 0f a0'), zlib.deflateSync(Buffer.alloc(1024 * 1024))]),
];

/** Every list and map particle of the captures and the official-client frames, plus our encodings of nested values. */
const msgpackParticles: Array<readonly [number, Buffer]> = [];
{
  const bodies = [
    ...asMsgBodies,
    ...officialLabels().flatMap((label) => [officialStep(label).request.subarray(8), officialStep(label).reply.subarray(8)]),
  ];
  for (const body of bodies) {
    try {
      walkAsMsgRecords(body, (span) => {
        let at = span.opsOffset;
        for (let i = 0; i < span.opCount; i++) {
          const type = body[at + 5]!;
          if (type === 19 || type === 20) msgpackParticles.push([type, Buffer.from(body.subarray(at + 8 + body[at + 7]!, at + 4 + body.readUInt32BE(at)))]);
          at += 4 + body.readUInt32BE(at);
        }
      });
    } catch {
      // a hand-made vector frame that is not a record body
    }
  }
  const samples: ValueInput[] = [
    [1, 'two', 3.25, null, true, Buffer.of(1, 2), [[[]]], { a: { b: [1, { c: 'd' }] } }, 2n ** 62n, -(2 ** 40), Double(2)],
    { s: 'héllo ✓ 𝄞', n: [0, -1, 127, 128, -33, 65536, 2 ** 32], m: new Map<ValueInput, ValueInput>([[1, 'a'], ['b', [2]], [Buffer.of(3), {}]]) },
    Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? `s${i}`.repeat(i) : i % 3 === 1 ? { [`k${i}`]: [i, i * 1.5] } : -i * 1000)),
  ];
  for (const value of samples) {
    const particle = encodeBinValue(value, 'sample');
    msgpackParticles.push([particle.particleType, particle.bytes]);
  }
}

// ---- harness -------------------------------------------------------------------------------

/**
 * Runs `cases` inputs through `run`; an outcome other than a value or an allowed AerospikeError
 * fails the spec with the seed, case number and input hex, and stops the target.
 */
function fuzz(target: string, cases: number, next: (rng: Rng) => Buffer, run: (input: Buffer) => void, allowed: (err: AerospikeError, input: Buffer) => boolean = (e) => e.code === 'parse_error'): void {
  const rng = rngFor(target);
  let errors = 0;
  for (let i = 0; i < cases; i++) {
    const input = next(rng);
    try {
      run(input);
    } catch (err) {
      if (err instanceof AerospikeError && allowed(err, input)) {
        errors++;
        continue;
      }
      const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      fail(`${target}: seed ${SEED} case ${i} threw ${what}\n  input (${input.length} bytes): ${input.toString('hex')}`);
      return;
    }
  }
  // both outcomes must occur, or the mutations are not reaching the checks
  expect(errors).withContext(`${target} parse errors`).toBeGreaterThan(cases / 50);
  expect(errors).withContext(`${target} values`).toBeLessThan(cases);
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`invariant broken: ${what}`);
}

describe('fuzzing the pure decoders', () => {
  it('finds a corpus of real frames to mutate', () => {
    expect(msgpackParticles.length).toBeGreaterThan(15);
    expect(frameCorpus.length).toBeGreaterThan(100);
    expect(asMsgBodies.length).toBeGreaterThan(20);
    expect(envelopeBodies.length).toBeGreaterThan(10);
  });

  it('frame decoder: 30,000 mutated streams in random chunks give frames within the cap or a parse_error, and never allocate beyond it', () => {
    let decoding = false;
    const realAllocUnsafe = Buffer.allocUnsafe.bind(Buffer);
    spyOn(Buffer, 'allocUnsafe').and.callFake((size: number) => {
      if (decoding && size > CAP + 8) throw new Error(`allocated ${size} bytes, above the cap`);
      return realAllocUnsafe(size);
    });
    const frameStarts = (b: Buffer): number[] => {
      const starts: number[] = [];
      for (let o = 0; o + 8 <= b.length && starts.length < 16; o += 8 + b.readUIntBE(o + 2, 6)) starts.push(o + 2, o + 4);
      return starts;
    };
    fuzz(
      'frame-decoder',
      30_000,
      (rng) => {
        const parts = Array.from({ length: 1 + int(rng, 3) }, () => pick(rng, frameCorpus));
        return mutate(rng, Buffer.concat(parts), frameCorpus, frameStarts);
      },
      (input) => {
        const decoder = new FrameDecoder({ maxFrameBytes: CAP });
        const onFrame = (f: Frame): void => {
          check(f.bytes.length === 8 + f.bytes.readUIntBE(2, 6) && f.bytes.length <= CAP + 8, 'frame length');
          check(f.bytes[0] === 2 && f.type >= 1 && f.type <= 4, 'frame header');
        };
        let offset = 0;
        decoding = true;
        try {
          while (offset < input.length) {
            const take = 1 + ((input[offset]! * 7 + offset) % 97);
            decoder.push(input.subarray(offset, offset + take), onFrame);
            offset += take;
          }
        } catch (err) {
          // a failed decoder refuses everything after
          try {
            decoder.push(Buffer.from('0201000000000000', 'hex'), () => check(false, 'frame after an error'));
          } catch (again) {
            check(again === err, 'the same error after a failure');
          }
          throw err;
        } finally {
          decoding = false;
        }
      },
    );
  }, TIMEOUT_MS);

  it('as_msg walker: 25,000 mutated bodies walk in bounds or give a parse_error', () => {
    fuzz(
      'as-msg',
      25_000,
      (rng) => mutate(rng, pick(rng, asMsgBodies), asMsgBodies, (b) => sizeOffsets(b, 22, 18)),
      (body) => {
        let previous = 0;
        walkAsMsgRecords(body, (r) => {
          check(r.offset === previous && r.offset < r.end && r.end <= body.length, 'record span');
          previous = r.end;
        });
        const last = findAsMsgLast(body);
        if (last !== undefined) check((decodeAsMsgHeader(body, last.offset).info3 & 1) === 1, 'LAST record');
      },
    );
  }, TIMEOUT_MS);

  it('admin walker: 15,000 mutated bodies walk in bounds or give a parse_error', () => {
    fuzz(
      'admin',
      15_000,
      (rng) => mutate(rng, pick(rng, adminBodies), adminBodies, (b) => sizeOffsets(b, 16, 3)),
      (body) => {
        let previous = 0;
        walkAdminRecords(body, (r) => {
          check(r.offset === previous && r.offset < r.end && r.end <= body.length, 'record span');
          previous = r.end;
        });
        const terminal = findAdminTerminal(body);
        if (terminal !== undefined) check(decodeAdminHeader(body, terminal.offset).resultCode !== 0, 'terminal result');
      },
    );
  }, TIMEOUT_MS);

  it('info parser: 10,000 mutated and random bodies always give a null-prototype object', () => {
    const rng = rngFor('info');
    for (let i = 0; i < 10_000; i++) {
      const body = rng() < 0.8 ? mutate(rng, pick(rng, infoBodies), infoBodies) : randomBytes(rng, int(rng, 200));
      let reply: object;
      try {
        reply = parseInfoReply(body);
      } catch (err) {
        fail(`info: seed ${SEED} case ${i} threw ${String(err)}\n  input: ${body.toString('hex')}`);
        return;
      }
      if (Object.getPrototypeOf(reply) !== null || Object.getPrototypeOf({}) !== Object.prototype) {
        fail(`info: seed ${SEED} case ${i} returned an object with a prototype\n  input: ${body.toString('hex')}`);
        return;
      }
    }
  }, TIMEOUT_MS);

  it('login decoder: 10,000 mutated replies give a reply, a parse_error, or the named error of their result code', () => {
    fuzz(
      'login',
      10_000,
      (rng) => mutate(rng, pick(rng, loginBodies), loginBodies, (b) => sizeOffsets(b, 16, 3)),
      (body) => {
        const reply = decodeLoginReply(body);
        check(reply.kind !== 'security_not_enabled' || body[1] === 52, 'security_not_enabled only for 52');
        check(reply.kind === 'security_not_enabled' || body[1] === 0, 'success only for 0');
      },
      (err, body) =>
        err.code === 'parse_error' ||
        (body.length >= 16 && err.resultCode === body[1] && body[1] !== 0 && body[1] !== 52 && err.code === (resultCodeName(body[1]!) ?? 'server_error')),
    );
  }, TIMEOUT_MS);

  it('decompressor: 12,000 mutated envelopes inflate to a whole type-3 frame within the cap or give a parse_error', () => {
    fuzz(
      'decompressor',
      12_000,
      (rng) => {
        if (rng() < 0.6) return mutate(rng, pick(rng, envelopeBodies), envelopeBodies, () => [0, 4]);
        // a tampered inner frame compressed properly, so the inner-header checks are reached
        const inner = mutate(rng, pick(rng, frameCorpus), frameCorpus, () => [2, 4]);
        const body = compressFrame(inner).subarray(8);
        if (rng() < 0.2) body.writeUInt32BE(interestingU32(rng, inner.length), 4);
        return body;
      },
      (body) => {
        const inner = inflateCompressedBody(body, CAP);
        check(inner.length <= CAP + 8 && inner[0] === 2 && inner[1] === 3 && inner.readUIntBE(2, 6) === inner.length - 8, 'inner frame');
      },
    );
  }, TIMEOUT_MS);

  it(`msgpack values: ${LONG ? '120,000' : '12,000'} mutated list and map particles decode to a list or map Value or give a parse_error`, () => {
    const corpus = msgpackParticles.map(([, bytes]) => bytes);
    const bodyOffsets = (b: Buffer): number[] => {
      // positions of 16/32-bit lengths after container and str headers
      const out: number[] = [];
      for (let i = 0; i < b.length && out.length < 32; i++) if ([0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xc5, 0xc6].includes(b[i]!)) out.push(i + 1);
      return out;
    };
    fuzz(
      'msgpack',
      LONG ? 120_000 : 12_000,
      (rng) => {
        const [type, bytes] = pick(rng, msgpackParticles);
        return Buffer.concat([Buffer.of(type), mutate(rng, bytes, corpus, bodyOffsets)]);
      },
      (input) => {
        const value = decodeBinValue(input[0]!, input.subarray(1));
        if (input[0] === 20) check(Array.isArray(value), 'a list particle gives an array');
        else check(value instanceof Map || (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype), 'a map particle gives an object or Map');
      },
    );
  }, LONG ? 600_000 : TIMEOUT_MS);

  it('record and operate decoders: 8,000 mutated replies with list and map bins decode or give a parse_error', () => {
    const replies = [
      ...asMsgBodies.filter((b) => b.includes(Buffer.of(0x14)) || b.includes(Buffer.of(0x13))),
      ...officialLabels().map((label) => officialStep(label).reply.subarray(8)),
    ];
    fuzz('records', 8_000, (rng) => mutate(rng, pick(rng, replies), replies, (b) => sizeOffsets(b, 22, 18)), (body) => {
      const records = decodeRecords(body);
      if (records.length !== 1) return;
      const reply = decodeOperateReply(body, 0);
      check(reply.generation === records[0]!.generation && reply.results.length === body.readUInt16BE(20), 'operate reply matches the record');
    });
  }, TIMEOUT_MS);
});
