// Aerospike's msgpack, read side: list and map particles into Values, safe on hostile bytes. Every
// declared length is checked against the bytes left before anything is allocated, nesting is bounded
// (MSGPACK_MAX_DEPTH), and any malformed input is a parse_error naming the offset. Pure.
//
// As aerospike-common's unpacker: a str/bin entry's first byte is its particle type (0x03 string,
// 0x04 blob, other types such as GeoJSON 0x17 become a RawValue); a leading ext element of a list, or a
// leading ext key (with its value) of a map, carries order flags and is skipped. Any other ext
// (including the wildcard/infinity markers, which only operation arguments carry) is a parse_error.
// A map whose keys are all strings becomes a plain object (own data properties, `__proto__` included);
// any other map becomes a Map.

import { parseError } from '../errors';
import { ParticleType } from './constants';
import { MSGPACK_MAX_DEPTH } from './msgpack-writer';
import { RawValue } from './raw-value';
import type { Value } from './value';

const EMPTY = Buffer.alloc(0);
/** Strings up to this many bytes are decoded in JS when ASCII: cheaper than a call into the UTF-8 decoder. */
const SHORT_STRING = 24;

function asciiString(buf: Buffer, start: number, end: number): string | undefined {
  let s = '';
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c >= 0x80) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

class MsgpackReader {
  pos = 0;

  constructor(private readonly buf: Buffer) {}

  private fail(what: string, at = this.pos): never {
    throw parseError(`msgpack: ${what} at offset ${at} of ${this.buf.length}`);
  }

  private need(n: number): void {
    if (n > this.buf.length - this.pos) this.fail(`truncated: need ${n} more bytes, have ${this.buf.length - this.pos}`);
  }

  private u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  private u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  private u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** 64-bit integers wrap to signed, as the C unpacker casts them; a number when safe. */
  private int64(): number | bigint {
    this.need(8);
    const high = this.buf.readInt32BE(this.pos);
    const low = this.buf.readUInt32BE(this.pos + 4);
    const v = high * 0x1_0000_0000 + low;
    const result = Number.isSafeInteger(v) ? v : this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return result;
  }

  value(depth: number): Value {
    const at = this.pos;
    const type = this.u8();
    if (type < 0x80) return type;
    if (type >= 0xe0) return type - 0x100;
    if (type <= 0x8f) return this.map(type & 0x0f, depth, at);
    if (type <= 0x9f) return this.list(type & 0x0f, depth, at);
    if (type <= 0xbf) return this.bytes(type & 0x1f);
    switch (type) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xd9:
        return this.bytes(this.u8());
      case 0xc5:
      case 0xda:
        return this.bytes(this.u16());
      case 0xc6:
      case 0xdb:
        return this.bytes(this.u32());
      case 0xca: {
        this.need(4);
        const v = this.buf.readFloatBE(this.pos);
        this.pos += 4;
        return v;
      }
      case 0xcb: {
        this.need(8);
        const v = this.buf.readDoubleBE(this.pos);
        this.pos += 8;
        return v;
      }
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf:
      case 0xd3:
        return this.int64();
      case 0xd0:
        return (this.u8() << 24) >> 24;
      case 0xd1:
        return (this.u16() << 16) >> 16;
      case 0xd2:
        return this.u32() | 0;
      case 0xdc:
        return this.list(this.u16(), depth, at);
      case 0xdd:
        return this.list(this.u32(), depth, at);
      case 0xde:
        return this.map(this.u16(), depth, at);
      case 0xdf:
        return this.map(this.u32(), depth, at);
      default:
        if (isExt(type)) this.fail(`ext type 0x${this.buf[this.skipExt(type, at)]!.toString(16)} is not a stored value`, at);
        return this.fail(`invalid type byte 0x${type.toString(16)}`, at);
    }
  }

  /** Skips the ext whose type byte was just read; returns the offset of its ext-type byte. */
  private skipExt(type: number, at: number): number {
    let size: number;
    if (type >= 0xd4 && type <= 0xd8) size = 1 << (type - 0xd4);
    else if (type === 0xc7) size = this.u8();
    else if (type === 0xc8) size = this.u16();
    else size = this.u32();
    const typeAt = this.pos;
    this.need(1 + size);
    this.pos += 1 + size;
    if (this.pos > this.buf.length) this.fail('truncated ext', at);
    return typeAt;
  }

  /** A leading ext element (list flags, or a map's flags key) at the current offset is consumed. */
  private skipLeadingExt(): boolean {
    if (this.pos >= this.buf.length || !isExt(this.buf[this.pos]!)) return false;
    const at = this.pos;
    this.skipExt(this.u8(), at);
    return true;
  }

  private bytes(size: number): Value {
    this.need(size);
    if (size === 0) return EMPTY;
    const prefix = this.buf[this.pos]!;
    const start = this.pos + 1;
    this.pos += size;
    if (prefix === ParticleType.STRING) return (this.pos - start <= SHORT_STRING ? asciiString(this.buf, start, this.pos) : undefined) ?? this.buf.toString('utf8', start, this.pos);
    const data = this.buf.subarray(start, this.pos);
    return prefix === ParticleType.BLOB ? data : new RawValue(prefix, data);
  }

  private enter(depth: number, at: number): number {
    if (depth >= MSGPACK_MAX_DEPTH) this.fail(`lists and maps nested deeper than ${MSGPACK_MAX_DEPTH}`, at);
    return depth + 1;
  }

  private list(count: number, depth: number, at: number): Value[] {
    const inner = this.enter(depth, at);
    // every element takes at least one byte: a count beyond the bytes left is a lie, refused before allocating
    if (count > this.buf.length - this.pos) this.fail(`list declares ${count} elements, ${this.buf.length - this.pos} bytes remain`, at);
    let n = count;
    if (n > 0 && this.skipLeadingExt()) n--;
    const out: Value[] = [];
    for (let i = 0; i < n; i++) out.push(this.value(inner));
    return out;
  }

  private map(count: number, depth: number, at: number): Value {
    const inner = this.enter(depth, at);
    if (count > (this.buf.length - this.pos) / 2) this.fail(`map declares ${count} entries, ${this.buf.length - this.pos} bytes remain`, at);
    let n = count;
    if (n > 0 && this.skipLeadingExt()) {
      this.value(inner);
      n--;
    }
    // a plain object while every key is a string; the first other key turns the entries into a Map
    const object: { [key: string]: Value } = {};
    let map: Map<Value, Value> | undefined;
    for (let i = 0; i < n; i++) {
      const key = this.value(inner);
      const value = this.value(inner);
      if (map !== undefined) map.set(key, value);
      else if (typeof key !== 'string') {
        map = new Map(Object.entries(object));
        map.set(key, value);
      } else if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
      else object[key] = value;
    }
    return map ?? object;
  }
}

function isExt(type: number): boolean {
  return (type >= 0xd4 && type <= 0xd8) || (type >= 0xc7 && type <= 0xc9);
}

const LIST_TYPES = (t: number): boolean => (t >= 0x90 && t <= 0x9f) || t === 0xdc || t === 0xdd;
const MAP_TYPES = (t: number): boolean => (t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf;

/**
 * The Value of one msgpack-encoded particle. `expect` checks the top-level type of a list or map
 * particle. Trailing bytes after the value are a parse_error.
 */
export function unpackValue(bytes: Buffer, expect?: 'list' | 'map'): Value {
  if (expect !== undefined) {
    if (bytes.length === 0) throw parseError(`msgpack: empty ${expect} particle`);
    const ok = expect === 'list' ? LIST_TYPES(bytes[0]!) : MAP_TYPES(bytes[0]!);
    if (!ok) throw parseError(`msgpack: a ${expect} particle starts with type byte 0x${bytes[0]!.toString(16)}`);
  }
  const reader = new MsgpackReader(bytes);
  const value = reader.value(0);
  if (reader.pos !== bytes.length) throw parseError(`msgpack: ${bytes.length - reader.pos} trailing bytes after the value at offset ${reader.pos}`);
  return value;
}
