// Aerospike's msgpack, write side: lists and maps of Values as the official clients pack them
// (aerospike-common as_msgpack.c): strings and blobs use the str header family with a particle-type
// prefix byte (0x03 string, 0x04 blob), integers the smallest int form, maps are key-ordered
// (a leading ext(flags=1) + nil pair, keys sorted in Aerospike's value order). Pure; programmer
// errors throw TypeError/RangeError naming the path of the offending value (`bins.tags[2]`).

import { ParticleType } from './constants';
import { isDouble } from './double';
import { compareKeys, KeyRank, sortableKey, sortObjectKeys, type SortableKey } from './map-keys';
import { RawValue } from './raw-value';
import { isWellFormed, loneSurrogateError } from './utf8';
import { describeValue, formatPath, isPlainObject, mapKeyText, type PathSegment } from './value-description';
import type { ValueInput } from './value';

/** Deepest nesting of lists/maps written or read (the top-level list or map is depth 1). */
export const MSGPACK_MAX_DEPTH = 256;

/** Map flags carried by the leading ext key: 1 = key-ordered (what the clients write for every map). */
const MAP_KEY_ORDERED = 0x01;

/** One writer's buffer, reused by the next value when that one is done (a getter may nest an encode: it gets its own). */
let spare: Buffer | undefined = Buffer.allocUnsafe(4096);

class MsgpackWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly segments: PathSegment[] = [];
  private readonly ancestors: object[] = [];

  constructor(private readonly root: string) {
    this.buf = spare ?? Buffer.allocUnsafe(256);
    spare = undefined;
  }

  /** The bytes written, copied out; the buffer goes back for reuse. */
  result(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.release();
    return out;
  }

  /** Hands the buffer back (after result(), or when an error abandons the value). */
  release(): void {
    if (this.buf.length <= 64 * 1024) spare = this.buf;
  }

  private path(): string {
    return formatPath(this.root, this.segments);
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private typeAndU8(type: number, v: number): void {
    this.ensure(2);
    this.buf[this.pos] = type;
    this.buf[this.pos + 1] = v;
    this.pos += 2;
  }

  private typeAndU16(type: number, v: number): void {
    this.ensure(3);
    this.buf[this.pos] = type;
    this.buf.writeUInt16BE(v, this.pos + 1);
    this.pos += 3;
  }

  private typeAndU32(type: number, v: number): void {
    this.ensure(5);
    this.buf[this.pos] = type;
    this.buf.writeUInt32BE(v, this.pos + 1);
    this.pos += 5;
  }

  /** A safe integer in the smallest form, as as_pack_int64 does. */
  private int(v: number): void {
    if (v >= 0) {
      if (v < 0x80) this.byte(v);
      else if (v < 0x100) this.typeAndU8(0xcc, v);
      else if (v < 0x1_0000) this.typeAndU16(0xcd, v);
      else if (v < 0x1_0000_0000) this.typeAndU32(0xce, v);
      else this.int64(0xcf, v);
    } else if (v >= -32) this.byte(0xe0 | (v + 32));
    else if (v >= -0x80) this.typeAndU8(0xd0, v & 0xff);
    else if (v >= -0x8000) this.typeAndU16(0xd1, v & 0xffff);
    else if (v >= -0x8000_0000) this.typeAndU32(0xd2, v >>> 0);
    else this.int64(0xd3, v);
  }

  private int64(type: number, v: number): void {
    this.ensure(9);
    const high = Math.floor(v / 0x1_0000_0000);
    this.buf[this.pos] = type;
    this.buf.writeInt32BE(high, this.pos + 1);
    this.buf.writeUInt32BE(v - high * 0x1_0000_0000, this.pos + 5);
    this.pos += 9;
  }

  private bigint(v: bigint): void {
    if (v >= -0x8000_0000n && v < 0x1_0000_0000n) {
      this.int(Number(v));
      return;
    }
    if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new RangeError(`${this.path()}: ${v} does not fit in 64 signed bits`);
    this.ensure(9);
    this.buf[this.pos] = v >= 0n ? 0xcf : 0xd3;
    this.buf.writeBigInt64BE(v, this.pos + 1);
    this.pos += 9;
  }

  private double(v: number): void {
    this.ensure(9);
    this.buf[this.pos] = 0xcb;
    this.buf.writeDoubleBE(v, this.pos + 1);
    this.pos += 9;
  }

  /** str-family header for `size` bytes (the clients use it for strings and byte arrays alike). */
  private strHeader(size: number): void {
    if (size < 32) this.byte(0xa0 | size);
    else if (size < 0x100) this.typeAndU8(0xd9, size);
    else if (size < 0x1_0000) this.typeAndU16(0xda, size);
    else this.typeAndU32(0xdb, size);
  }

  /** A string value, or an object's key (`what` = 'a map key'); a lone surrogate is a TypeError naming the path. */
  private string(s: string, what?: string): void {
    const n = s.length;
    if (n < 31) {
      // ASCII fast path: one byte per UTF-16 unit, so the header size is known before the scan
      this.ensure(n + 2);
      const start = this.pos;
      const buf = this.buf;
      buf[start] = 0xa0 | (n + 1);
      buf[start + 1] = ParticleType.STRING;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + 2 + i] = c;
      }
      if (i === n) {
        this.pos = start + 2 + n;
        return;
      }
    }
    const length = Buffer.byteLength(s, 'utf8');
    // as many bytes as units: all ASCII, nothing to check
    if (length !== n && !isWellFormed(s)) throw loneSurrogateError(s, this.path(), what);
    this.strHeader(length + 1);
    this.ensure(length + 1);
    this.buf[this.pos++] = ParticleType.STRING;
    this.pos += this.buf.write(s, this.pos, length, 'utf8');
  }

  private prefixedBytes(prefix: number, bytes: Uint8Array): void {
    const n = bytes.length;
    this.strHeader(n + 1);
    this.ensure(n + 1);
    const buf = this.buf;
    buf[this.pos++] = prefix;
    // a loop beats TypedArray.set's call overhead for small arrays
    if (n <= 32) for (let i = 0; i < n; i++) buf[this.pos + i] = bytes[i]!;
    else buf.set(bytes, this.pos);
    this.pos += n;
  }

  private containerHeader(count: number, fix: number, type16: number, type32: number): void {
    if (count < 16) this.byte(fix | count);
    else if (count < 0x1_0000) this.typeAndU16(type16, count);
    else this.typeAndU32(type32, count);
  }

  private enter(container: object): void {
    if (this.ancestors.length >= MSGPACK_MAX_DEPTH) {
      // only a value this deep can be cyclic: name its first repetition
      const seen = new Map<object, number>();
      for (let j = 0; j < this.ancestors.length; j++) {
        const i = seen.get(this.ancestors[j]!);
        if (i !== undefined) {
          throw new TypeError(`${formatPath(this.root, this.segments.slice(0, i))} is cyclic: it contains itself at ${formatPath(this.root, this.segments.slice(0, j))}`);
        }
        seen.set(this.ancestors[j]!, j);
      }
      throw new RangeError(`${this.path()}: lists and maps nest at most ${MSGPACK_MAX_DEPTH} deep`);
    }
    this.ancestors.push(container);
  }

  value(v: ValueInput): void {
    switch (typeof v) {
      case 'string':
        this.string(v);
        return;
      case 'number':
        if (!Number.isInteger(v)) this.double(v);
        else if (Number.isSafeInteger(v)) this.int(v);
        else throw new RangeError(`${this.path()}: ${v} is not a safe integer; pass a bigint for 64-bit integers, or Double(x) for a double`);
        return;
      case 'bigint':
        this.bigint(v);
        return;
      case 'boolean':
        this.byte(v ? 0xc3 : 0xc2);
        return;
      case 'object':
        if (v === null) this.byte(0xc0);
        else if (v instanceof Uint8Array) this.prefixedBytes(ParticleType.BLOB, v);
        else if (isDouble(v)) this.double(v.value);
        else if (v instanceof RawValue) this.raw(v);
        else if (Array.isArray(v)) this.list(v as readonly ValueInput[]);
        else if (v instanceof Map) this.map(v);
        else if (isPlainObject(v)) this.object(v);
        else break;
        return;
      default:
        break;
    }
    throw new TypeError(`${this.path()}: ${describeValue(v)} is not a storable value (null, boolean, number, bigint, string, Buffer, Uint8Array, Double, array, plain object or Map)`);
  }

  /** Byte-like raw particles (GeoJSON, HLL, …) nest as prefixed str entries, as the clients pack them. */
  private raw(v: RawValue): void {
    switch (v.particleType) {
      case ParticleType.NULL:
      case ParticleType.INTEGER:
      case ParticleType.DOUBLE:
      case ParticleType.BOOL:
      case ParticleType.LIST:
      case ParticleType.MAP:
        throw new TypeError(`${this.path()}: a RawValue of particle type ${v.particleType} cannot be nested in a list or map; pass the value itself`);
      default:
        this.prefixedBytes(v.particleType, v.bytes);
    }
  }

  list(list: readonly ValueInput[]): void {
    this.enter(list);
    const n = list.length;
    this.containerHeader(n, 0x90, 0xdc, 0xdd);
    const depth = this.segments.length;
    for (let i = 0; i < n; i++) {
      this.segments[depth] = i;
      this.value(list[i]!);
    }
    this.segments.length = depth;
    this.ancestors.pop();
  }

  private mapHeader(count: number): void {
    this.containerHeader(count + 1, 0x80, 0xde, 0xdf);
    // ext 8 of size 0 whose type byte carries the map flags, then a nil value
    this.ensure(4);
    this.buf[this.pos] = 0xc7;
    this.buf[this.pos + 1] = 0;
    this.buf[this.pos + 2] = MAP_KEY_ORDERED;
    this.buf[this.pos + 3] = 0xc0;
    this.pos += 4;
  }

  object(object: { readonly [key: string]: ValueInput }): void {
    this.enter(object);
    const keys = Object.keys(object);
    sortObjectKeys(keys);
    this.mapHeader(keys.length);
    const depth = this.segments.length;
    for (const key of keys) {
      this.segments[depth] = key;
      this.string(key, 'a map key');
      this.value(object[key]!);
    }
    this.segments.length = depth;
    this.ancestors.pop();
  }

  map(map: ReadonlyMap<ValueInput, ValueInput>): void {
    this.enter(map);
    const depth = this.segments.length;
    const entries: SortableKey[] = [];
    for (const [key, value] of map) {
      this.segments[depth] = { mapKey: key };
      entries.push(sortableKey(key, value, () => this.path()));
    }
    entries.sort(compareKeys);
    for (let i = 1; i < entries.length; i++) {
      if (compareKeys(entries[i - 1]!, entries[i]!) === 0) {
        this.segments[depth] = { mapKey: entries[i]!.key };
        throw new TypeError(`${this.path()}: duplicate map key (${mapKeyText(entries[i - 1]!.key)} and ${mapKeyText(entries[i]!.key)} are the same Aerospike key)`);
      }
    }
    this.mapHeader(entries.length);
    for (const entry of entries) {
      this.segments[depth] = { mapKey: entry.key };
      // a string key's UTF-8 bytes, made and checked by sortableKey: the bytes string() would write
      if (entry.rank === KeyRank.STRING) this.prefixedBytes(ParticleType.STRING, entry.bytes!);
      else this.value(entry.key);
      this.value(entry.value);
    }
    this.segments.length = depth;
    this.ancestors.pop();
  }
}

/** The msgpack bytes of a list bin (particle type LIST). */
export function packList(list: readonly ValueInput[], path: string): Buffer {
  return run(path, (writer) => writer.list(list));
}

function run(path: string, write: (writer: MsgpackWriter) => void): Buffer {
  const writer = new MsgpackWriter(path);
  try {
    write(writer);
  } catch (err) {
    writer.release();
    throw err;
  }
  return writer.result();
}

/** The msgpack bytes of a map bin (particle type MAP): a plain object or a Map. */
export function packMap(map: ReadonlyMap<ValueInput, ValueInput> | { readonly [key: string]: ValueInput }, path: string): Buffer {
  return run(path, (writer) => (map instanceof Map ? writer.map(map) : writer.object(map as { readonly [key: string]: ValueInput })));
}

/** The msgpack bytes of any value, as an operation argument (a CDT value or key) carries it. */
export function packValue(value: ValueInput, path: string): Buffer {
  return run(path, (writer) => writer.value(value));
}

/** A msgpack writer for operation argument arrays: `[opCode, ...args]` with args packed as values. */
export function packArgs(path: string, opCode: number, args: readonly ValueInput[]): Buffer {
  return run(path, (writer) => writer.list([opCode, ...args]));
}
