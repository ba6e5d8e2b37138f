// The simulated node's list and map bins, kept as msgpack bytes the way the real server keeps them
// (each behaviour checked against Aerospike 8.1.2 by bench/check-values-real.ts): a written list or
// map is validated and every map's pairs sorted by key; CDT ops edit element spans without
// re-encoding them. Test support only; knows nothing of sockets or records.

import { ParticleType, OpType } from '../protocol/constants';
import { ResultCode } from '../protocol/result-codes';
import type { RawParticle } from '../protocol/raw-value';

/** Deeper values are refused here (rc 1); the real server accepted 5000 levels in our checks. */
const MAX_DEPTH = 1000;
/** Map flags of a map created by a CDT put with attributes 1 (key-ordered). */
const K_ORDERED = 0x01;

class Invalid extends Error {}

function need(buf: Buffer, at: number, n: number): void {
  if (at + n > buf.length) throw new Invalid('truncated');
}

function isExt(t: number): boolean {
  return (t >= 0xd4 && t <= 0xd8) || (t >= 0xc7 && t <= 0xc9);
}

/** Container header at `at`: kind, element count and where the elements start. */
interface Header {
  readonly kind: 'list' | 'map' | 'scalar';
  readonly count: number;
  readonly body: number;
}

interface ContainerHeader extends Header {
  readonly kind: 'list' | 'map';
}

function header(buf: Buffer, at: number): Header {
  need(buf, at, 1);
  const t = buf[at]!;
  if (t >= 0x90 && t <= 0x9f) return { kind: 'list', count: t & 0x0f, body: at + 1 };
  if (t >= 0x80 && t <= 0x8f) return { kind: 'map', count: t & 0x0f, body: at + 1 };
  if (t === 0xdc || t === 0xde) {
    need(buf, at, 3);
    return { kind: t === 0xdc ? 'list' : 'map', count: buf.readUInt16BE(at + 1), body: at + 3 };
  }
  if (t === 0xdd || t === 0xdf) {
    need(buf, at, 5);
    return { kind: t === 0xdd ? 'list' : 'map', count: buf.readUInt32BE(at + 1), body: at + 5 };
  }
  return { kind: 'scalar', count: 0, body: at };
}

/** End of the scalar at `at` (any non-container msgpack value). */
function scalarEnd(buf: Buffer, at: number): number {
  const t = buf[at]!;
  if (t < 0x80 || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) return at + 1;
  if (t >= 0xa0 && t <= 0xbf) return sized(buf, at + 1, t & 0x1f);
  switch (t) {
    case 0xcc: case 0xd0: return sized(buf, at + 1, 1);
    case 0xcd: case 0xd1: return sized(buf, at + 1, 2);
    case 0xce: case 0xd2: case 0xca: return sized(buf, at + 1, 4);
    case 0xcf: case 0xd3: case 0xcb: return sized(buf, at + 1, 8);
    case 0xc4: case 0xd9: need(buf, at, 2); return sized(buf, at + 2, buf[at + 1]!);
    case 0xc5: case 0xda: need(buf, at, 3); return sized(buf, at + 3, buf.readUInt16BE(at + 1));
    case 0xc6: case 0xdb: need(buf, at, 5); return sized(buf, at + 5, buf.readUInt32BE(at + 1));
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: return sized(buf, at + 2, 1 << (t - 0xd4));
    case 0xc7: need(buf, at, 2); return sized(buf, at + 3, buf[at + 1]!);
    case 0xc8: need(buf, at, 3); return sized(buf, at + 4, buf.readUInt16BE(at + 1));
    case 0xc9: need(buf, at, 5); return sized(buf, at + 6, buf.readUInt32BE(at + 1));
    default: throw new Invalid(`type byte 0x${t.toString(16)}`);
  }
}

function sized(buf: Buffer, from: number, n: number): number {
  need(buf, from, n);
  return from + n;
}

/** The parts of a list or map, each element as its (canonical) bytes. */
export interface Container {
  readonly kind: 'list' | 'map';
  /** The leading ext element (list) or ext key + value (map) carrying flags, as bytes. */
  readonly flags: Buffer | undefined;
  readonly items: Buffer[];
  /** Maps: keys and values, pairs kept sorted by key. */
  readonly keys: Buffer[];
}

/**
 * Reads one value at `at` and returns its canonical bytes (maps sorted by key, recursively) and end.
 * Throws Invalid for what the server refuses with rc 1: bad or truncated msgpack, ext values inside,
 * map keys that are not integers or str/bin entries, duplicate keys, an unsorted key-ordered map.
 */
function canonical(buf: Buffer, at: number, depth: number): { bytes: Buffer; end: number } {
  const h = header(buf, at);
  if (h.kind === 'scalar') {
    if (isExt(buf[at]!)) throw new Invalid('ext value');
    const end = scalarEnd(buf, at);
    return { bytes: buf.subarray(at, end), end };
  }
  if (depth >= MAX_DEPTH) throw new Invalid('too deep');
  const c = readContainer(buf, h as ContainerHeader, depth + 1);
  return { bytes: writeContainer(c, buf.subarray(at, h.body)), end: c.end };
}

function readContainer(buf: Buffer, h: ContainerHeader, depth: number): Container & { end: number } {
  let pos = h.body;
  let n = h.count;
  let flags: Buffer | undefined;
  if (n > 0 && pos < buf.length && isExt(buf[pos]!)) {
    // flags travel as an empty ext8 whose type byte is the flags
    if (buf[pos] !== 0xc7 || buf[pos + 1] !== 0) throw new Invalid('ext element');
    const extEnd = scalarEnd(buf, pos);
    if (h.kind === 'map') {
      const value = canonical(buf, extEnd, depth);
      flags = buf.subarray(pos, value.end);
      pos = value.end;
    } else {
      flags = buf.subarray(pos, extEnd);
      pos = extEnd;
    }
    n--;
  }
  const items: Buffer[] = [];
  const keys: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    if (h.kind === 'map') {
      const key = canonical(buf, pos, depth);
      keyRank(key.bytes);
      keys.push(key.bytes);
      pos = key.end;
    }
    const value = canonical(buf, pos, depth);
    items.push(value.bytes);
    pos = value.end;
  }
  if (h.kind === 'map') {
    const order = keys.map((_, i) => i);
    order.sort((a, b) => compareKeys(keys[a]!, keys[b]!));
    for (let i = 1; i < order.length; i++) if (compareKeys(keys[order[i - 1]!]!, keys[order[i]!]!) === 0) throw new Invalid('duplicate key');
    const keyOrdered = flags !== undefined && (flags[2]! & K_ORDERED) !== 0;
    if (keyOrdered && order.some((o, i) => o !== i)) throw new Invalid('unsorted key-ordered map');
    const sortedKeys = order.map((i) => keys[i]!);
    const sortedItems = order.map((i) => items[i]!);
    return { kind: 'map', flags, keys: sortedKeys, items: sortedItems, end: pos };
  }
  return { kind: 'list', flags, keys, items, end: pos };
}

function containerHeader(kind: 'list' | 'map', count: number): Buffer {
  const [fix, t16, t32] = kind === 'list' ? [0x90, 0xdc, 0xdd] : [0x80, 0xde, 0xdf];
  if (count < 16) return Buffer.of(fix | count);
  if (count < 0x1_0000) return Buffer.of(t16, count >> 8, count & 0xff);
  const b = Buffer.alloc(5);
  b[0] = t32;
  b.writeUInt32BE(count, 1);
  return b;
}

/** The bytes of a container; `original` is the header as it came, kept when the count did not change. */
function writeContainer(c: Container, original?: Buffer): Buffer {
  const count = c.items.length + (c.flags === undefined ? 0 : 1);
  const head = original !== undefined && header(original, 0).count === count ? original : containerHeader(c.kind, count);
  const parts: Buffer[] = [head];
  if (c.flags !== undefined) parts.push(c.flags);
  c.items.forEach((item, i) => {
    if (c.kind === 'map') parts.push(c.keys[i]!);
    parts.push(item);
  });
  return Buffer.concat(parts);
}

/** Rank of a map key in the server's order: integers, then strings, then other str/bin entries. */
function isInt(entry: Buffer): boolean {
  const t = entry[0]!;
  return t < 0x80 || t >= 0xe0 || (t >= 0xcc && t <= 0xd3);
}

function keyRank(key: Buffer): number {
  const t = key[0]!;
  if (isInt(key)) return 1;
  if ((t >= 0xa0 && t <= 0xbf) || t === 0xd9 || t === 0xda || t === 0xdb || (t >= 0xc4 && t <= 0xc6)) {
    return payload(key)[0] === ParticleType.STRING ? 2 : 3;
  }
  throw new Invalid('map key type');
}

function payload(entry: Buffer): Buffer {
  const t = entry[0]!;
  if (t >= 0xa0 && t <= 0xbf) return entry.subarray(1);
  if (t === 0xd9 || t === 0xc4) return entry.subarray(2);
  if (t === 0xda || t === 0xc5) return entry.subarray(3);
  return entry.subarray(5);
}

function intOf(entry: Buffer): bigint {
  const t = entry[0]!;
  if (t < 0x80) return BigInt(t);
  if (t >= 0xe0) return BigInt(t - 0x100);
  switch (t) {
    case 0xcc: return BigInt(entry[1]!);
    case 0xcd: return BigInt(entry.readUInt16BE(1));
    case 0xce: return BigInt(entry.readUInt32BE(1));
    case 0xd0: return BigInt(entry.readInt8(1));
    case 0xd1: return BigInt(entry.readInt16BE(1));
    case 0xd2: return BigInt(entry.readInt32BE(1));
    default: return entry.readBigInt64BE(1);
  }
}

function compareKeys(a: Buffer, b: Buffer): number {
  const ra = keyRank(a);
  const rb = keyRank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) {
    const x = intOf(a);
    const y = intOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return Buffer.compare(payload(a), payload(b));
}

/** Canonical bytes of a written LIST or MAP particle, or undefined when the server would refuse it (rc 1). */
export function canonicalParticle(particleType: number, bytes: Buffer): Buffer | undefined {
  try {
    const h = header(bytes, 0);
    if (h.kind !== (particleType === ParticleType.LIST ? 'list' : 'map')) return undefined;
    const { bytes: out, end } = canonical(bytes, 0, 0);
    return end === bytes.length ? Buffer.from(out) : undefined;
  } catch (err) {
    if (err instanceof Invalid) return undefined;
    throw err;
  }
}

/** A msgpack element as the particle a CDT result carries. */
function elementParticle(e: Buffer): RawParticle {
  const t = e[0]!;
  const h = header(e, 0);
  if (h.kind !== 'scalar') return { particleType: h.kind === 'list' ? ParticleType.LIST : ParticleType.MAP, bytes: e };
  if (t === 0xc0) return { particleType: ParticleType.NULL, bytes: Buffer.alloc(0) };
  if (t === 0xc2 || t === 0xc3) return { particleType: ParticleType.BOOL, bytes: Buffer.of(t === 0xc3 ? 1 : 0) };
  if (t === 0xca || t === 0xcb) {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(t === 0xca ? e.readFloatBE(1) : e.readDoubleBE(1));
    return { particleType: ParticleType.DOUBLE, bytes };
  }
  if (isInt(e)) return integer(intOf(e));
  const data = payload(e);
  return data.length === 0 ? { particleType: ParticleType.BLOB, bytes: data } : { particleType: data[0]!, bytes: data.subarray(1) };
}

function integer(n: bigint | number): RawParticle {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(BigInt.asIntN(64, BigInt(n)));
  return { particleType: ParticleType.INTEGER, bytes };
}

/** The outcome of a CDT op: a result code, or the bin's new value (undefined: unchanged) and the op's result. */
export type CdtOutcome =
  | { readonly resultCode: number }
  | { readonly resultCode: 0; readonly bin?: RawParticle; readonly result?: RawParticle };

const ListOp = { APPEND: 1, SIZE: 16, GET_BY_INDEX: 19, REMOVE_BY_INDEX: 32 } as const;
const MapOp = { PUT: 67, REMOVE_BY_KEY: 76, SIZE: 96, GET_BY_KEY: 97 } as const;
const RETURN_NONE = 0;
const RETURN_VALUE = 7;

/** Executes one CDT op (its msgpack `[code, args…]`) on a bin; `bin` undefined when the bin is absent. */
export function executeCdt(opType: number, args: Buffer, bin: RawParticle | undefined): CdtOutcome {
  let call: Container;
  try {
    const h = header(args, 0);
    if (h.kind !== 'list' || h.count === 0) return { resultCode: ResultCode.PARAMETER_ERROR };
    call = readContainer(args, h as ContainerHeader, 1);
  } catch (err) {
    if (err instanceof Invalid) return { resultCode: ResultCode.PARAMETER_ERROR };
    throw err;
  }
  const [codeBytes, ...rest] = call.items;
  if (!isInt(codeBytes!)) return { resultCode: ResultCode.PARAMETER_ERROR };
  const code = Number(intOf(codeBytes!));
  const modify = opType === OpType.CDT_MODIFY;
  const isMapOp = code >= 64;
  if (bin !== undefined && bin.particleType !== (isMapOp ? ParticleType.MAP : ParticleType.LIST)) return { resultCode: ResultCode.BIN_TYPE_ERROR };
  const current = bin === undefined ? undefined : readContainer(bin.bytes, header(bin.bytes, 0) as ContainerHeader, 1);
  const intArg = (i: number): number | undefined => (rest[i] !== undefined && isInt(rest[i]!) ? Number(intOf(rest[i]!)) : undefined);
  const returnType = intArg(0);
  try {
    switch (modify ? `m${code}` : `r${code}`) {
      case `m${ListOp.APPEND}`: {
        if (rest[0] === undefined) return { resultCode: ResultCode.PARAMETER_ERROR };
        const list: Container = current ?? { kind: 'list', flags: undefined, items: [], keys: [] };
        list.items.push(canonical(rest[0], 0, 1).bytes);
        return { resultCode: 0, bin: { particleType: ParticleType.LIST, bytes: writeContainer(list) }, result: integer(list.items.length) };
      }
      case `r${ListOp.SIZE}`:
      case `r${MapOp.SIZE}`:
        return current === undefined ? { resultCode: 0 } : { resultCode: 0, result: integer(current.items.length) };
      case `r${ListOp.GET_BY_INDEX}`:
      case `m${ListOp.REMOVE_BY_INDEX}`: {
        const index = intArg(1);
        if (index === undefined || (returnType !== RETURN_VALUE && returnType !== RETURN_NONE)) return { resultCode: ResultCode.PARAMETER_ERROR };
        if (current === undefined) return { resultCode: 0 };
        const i = index < 0 ? index + current.items.length : index;
        if (i < 0 || i >= current.items.length) return { resultCode: ResultCode.OP_NOT_APPLICABLE };
        const element = current.items[i]!;
        const result = returnType === RETURN_VALUE ? elementParticle(element) : undefined;
        if (!modify) return { resultCode: 0, ...(result && { result }) };
        current.items.splice(i, 1);
        return { resultCode: 0, bin: { particleType: ParticleType.LIST, bytes: writeContainer(current) }, ...(result && { result }) };
      }
      case `m${MapOp.PUT}`: {
        if (rest[0] === undefined || rest[1] === undefined) return { resultCode: ResultCode.PARAMETER_ERROR };
        const key = canonical(rest[0], 0, 1).bytes;
        keyRank(key);
        const attributes = intArg(2) ?? 0;
        const map: Container = current ?? { kind: 'map', flags: (attributes & K_ORDERED) !== 0 ? Buffer.of(0xc7, 0, K_ORDERED, 0xc0) : undefined, items: [], keys: [] };
        const at = findKey(map, key);
        if (at.found) map.items[at.index] = canonical(rest[1], 0, 1).bytes;
        else {
          map.keys.splice(at.index, 0, key);
          map.items.splice(at.index, 0, canonical(rest[1], 0, 1).bytes);
        }
        return { resultCode: 0, bin: { particleType: ParticleType.MAP, bytes: writeContainer(map) }, result: integer(map.items.length) };
      }
      case `r${MapOp.GET_BY_KEY}`:
      case `m${MapOp.REMOVE_BY_KEY}`: {
        if (rest[1] === undefined || (returnType !== RETURN_VALUE && returnType !== RETURN_NONE)) return { resultCode: ResultCode.PARAMETER_ERROR };
        if (current === undefined) return { resultCode: 0 };
        const at = findKey(current, canonical(rest[1], 0, 1).bytes);
        if (!at.found) return { resultCode: 0, ...(modify && { bin: bin! }) };
        const result = returnType === RETURN_VALUE ? elementParticle(current.items[at.index]!) : undefined;
        if (!modify) return { resultCode: 0, ...(result && { result }) };
        current.keys.splice(at.index, 1);
        current.items.splice(at.index, 1);
        return { resultCode: 0, bin: { particleType: ParticleType.MAP, bytes: writeContainer(current) }, ...(result && { result }) };
      }
      default:
        return { resultCode: ResultCode.PARAMETER_ERROR };
    }
  } catch (err) {
    if (err instanceof Invalid) return { resultCode: ResultCode.PARAMETER_ERROR };
    throw err;
  }
}

function findKey(map: Container, key: Buffer): { found: boolean; index: number } {
  let lo = 0;
  let hi = map.keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = compareKeys(map.keys[mid]!, key);
    if (c === 0) return { found: true, index: mid };
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return { found: false, index: lo };
}
