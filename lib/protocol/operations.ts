// Operation values and their builders (`op.add('n', 1)`): each validates its arguments when built
// and carries its wire op (protocol.md §3.3) ready to encode. CDT arguments are packed as the
// official clients pack them (Node client 6.7.1 / C client: `[opCode, returnType?, args…]` msgpack
// in a BLOB particle). Pure; the operate frame itself is built by operate-request.ts.

import { OpType, ParticleType } from './constants';
import { binName, type OpSpec } from './as-msg-encoder';
import { isDouble, type Double } from './double';
import { checkMapKey } from './map-keys';
import { packArgs } from './msgpack-writer';
import { encodeBinValue, int64Bytes, type ValueInput } from './value';

export type OperationKind =
  | 'add'
  | 'append'
  | 'prepend'
  | 'put'
  | 'get'
  | 'getHeader'
  | 'touch'
  | 'delete'
  | 'listAppend'
  | 'listGetByIndex'
  | 'listSize'
  | 'listRemoveByIndex'
  | 'mapPut'
  | 'mapGetByKey'
  | 'mapRemoveByKey'
  | 'mapSize';

/** CDT list op codes (as_cdt_op / Java ListOperation). */
const ListOp = { APPEND: 1, SIZE: 16, GET_BY_INDEX: 19, REMOVE_BY_INDEX: 32 } as const;
/** CDT map op codes (Java MapOperation). */
const MapOp = { PUT: 67, REMOVE_BY_KEY: 76, SIZE: 96, GET_BY_KEY: 97 } as const;
/** CDT return type VALUE: the selected element itself (what every get/remove op here returns). */
const RETURN_VALUE = 7;
/** Map attributes of a map a put creates: 0 = unordered, as the clients' default map policy sends. */
const MAP_UNORDERED = 0;

const NO_BYTES = Buffer.alloc(0);

/** How an operation shapes the request's info bits. */
export interface OperationEffect {
  readonly reads: boolean;
  readonly writes: boolean;
  /** Map ops: the Node client sets info2 RESPOND_ALL_OPS for them (a result per op, null for writes). */
  readonly respondAllOps: boolean;
  /** `get()` of every bin: info1 GET_ALL. */
  readonly readsAllBins: boolean;
  /** `getHeader()`: info1 NOBINDATA unless another op reads bins. */
  readonly headerOnly: boolean;
}

/** One step of an operate command, built by `op.*`. Immutable. */
export class Operation {
  private constructor(
    readonly kind: OperationKind,
    /** The bin it acts on; undefined for record-level operations. */
    readonly bin: string | undefined,
    /** The op as it goes on the wire. */
    readonly wire: OpSpec,
    readonly effect: OperationEffect,
  ) {
    Object.freeze(this);
  }

  /** @internal Builders only. */
  static make(kind: OperationKind, bin: string | undefined, op: number, particleType: number, value: Buffer, effect: Partial<OperationEffect>): Operation {
    const name = bin === undefined ? NO_BYTES : binName(bin);
    return new Operation(kind, bin, { op, particleType, name, value }, {
      reads: effect.reads ?? false,
      writes: effect.writes ?? false,
      respondAllOps: effect.respondAllOps ?? false,
      readsAllBins: effect.readsAllBins ?? false,
      headerOnly: effect.headerOnly ?? false,
    });
  }
}

export function isOperation(value: unknown): value is Operation {
  return value instanceof Operation;
}

function checkBin(bin: unknown, builder: string): string {
  if (typeof bin !== 'string' || bin.length === 0) throw new TypeError(`op.${builder}: bin must be a non-empty string, got ${typeof bin === 'string' ? "''" : typeof bin}`);
  return bin;
}

function checkIndex(index: unknown, builder: string): number {
  if (typeof index !== 'number' || !Number.isSafeInteger(index)) {
    throw new RangeError(`op.${builder}: index must be a safe integer (negative counts from the end), got ${String(index)}`);
  }
  return index;
}

const READ = { reads: true } as const;
const WRITE = { writes: true } as const;

function cdt(kind: OperationKind, bin: string, op: number, code: number, args: readonly ValueInput[], effect: Partial<OperationEffect>): Operation {
  return Operation.make(kind, bin, op, ParticleType.BLOB, packArgs(`op.${kind}(${JSON.stringify(bin)})`, code, args), effect);
}

/** The operation builders. Every argument is checked here, so a bad one throws where it is written. */
export const op = {
  /** Adds to an integer or double bin (created when missing); bin_type_error (12) on another type. */
  add(bin: string, value: number | bigint | Double): Operation {
    checkBin(bin, 'add');
    if (isDouble(value) || (typeof value === 'number' && !Number.isInteger(value))) {
      const n = isDouble(value) ? value.value : value;
      if (!Number.isFinite(n)) throw new RangeError(`op.add: value must be finite, got ${n}`);
      return Operation.make('add', bin, OpType.ADD, ParticleType.DOUBLE, encodeBinValue(n, 'op.add value').bytes, WRITE);
    }
    if (typeof value !== 'number' && typeof value !== 'bigint') throw new TypeError(`op.add: value must be a number, bigint or Double, got ${typeof value}`);
    return Operation.make('add', bin, OpType.ADD, ParticleType.INTEGER, int64Bytes(value, 'op.add value'), WRITE);
  },

  /** Appends to a string (or blob) bin. */
  append(bin: string, value: string | Uint8Array): Operation {
    return stringOp('append', OpType.APPEND, bin, value);
  },

  /** Prepends to a string (or blob) bin. */
  prepend(bin: string, value: string | Uint8Array): Operation {
    return stringOp('prepend', OpType.PREPEND, bin, value);
  },

  /** Writes a bin; `null` deletes it. */
  put(bin: string, value: ValueInput): Operation {
    checkBin(bin, 'put');
    const particle = encodeBinValue(value, `op.put(${JSON.stringify(bin)}) value`);
    return Operation.make('put', bin, OpType.WRITE, particle.particleType, particle.bytes, WRITE);
  },

  /** Reads one bin, or every bin when called without one (info1 GET_ALL). */
  get(bin?: string): Operation {
    if (bin === undefined) return Operation.make('get', undefined, OpType.READ, ParticleType.NULL, NO_BYTES, { reads: true, readsAllBins: true });
    checkBin(bin, 'get');
    return Operation.make('get', bin, OpType.READ, ParticleType.NULL, NO_BYTES, READ);
  },

  /** Reads generation and TTL only (info1 NOBINDATA when nothing else reads bins). */
  getHeader(): Operation {
    return Operation.make('getHeader', undefined, OpType.READ, ParticleType.NULL, NO_BYTES, { reads: true, headerOnly: true });
  },

  /** Resets the record's TTL to the command's ttlSeconds and bumps its generation. */
  touch(): Operation {
    return Operation.make('touch', undefined, OpType.TOUCH, ParticleType.NULL, NO_BYTES, WRITE);
  },

  /** Deletes the record. */
  delete(): Operation {
    return Operation.make('delete', undefined, OpType.DELETE, ParticleType.NULL, NO_BYTES, WRITE);
  },

  /** Appends `value` to a list bin (created when missing); returns the new size. */
  listAppend(bin: string, value: ValueInput): Operation {
    checkBin(bin, 'listAppend');
    return cdt('listAppend', bin, OpType.CDT_MODIFY, ListOp.APPEND, [value], WRITE);
  },

  /** The element at `index` (negative: from the end); op_not_applicable (26) when out of range. */
  listGetByIndex(bin: string, index: number): Operation {
    checkBin(bin, 'listGetByIndex');
    return cdt('listGetByIndex', bin, OpType.CDT_READ, ListOp.GET_BY_INDEX, [RETURN_VALUE, checkIndex(index, 'listGetByIndex')], READ);
  },

  /** The number of elements of a list bin. */
  listSize(bin: string): Operation {
    checkBin(bin, 'listSize');
    return cdt('listSize', bin, OpType.CDT_READ, ListOp.SIZE, [], READ);
  },

  /** Removes the element at `index` and returns it; op_not_applicable (26) when out of range. */
  listRemoveByIndex(bin: string, index: number): Operation {
    checkBin(bin, 'listRemoveByIndex');
    return cdt('listRemoveByIndex', bin, OpType.CDT_MODIFY, ListOp.REMOVE_BY_INDEX, [RETURN_VALUE, checkIndex(index, 'listRemoveByIndex')], WRITE);
  },

  /** Puts `key` → `value` into a map bin (an unordered map is created when missing); returns the new size. */
  mapPut(bin: string, key: ValueInput, value: ValueInput): Operation {
    checkBin(bin, 'mapPut');
    checkMapKey(key, 'op.mapPut key');
    return cdt('mapPut', bin, OpType.CDT_MODIFY, MapOp.PUT, [key, value, MAP_UNORDERED], { writes: true, respondAllOps: true });
  },

  /** The value under `key`, or null when the key is absent. */
  mapGetByKey(bin: string, key: ValueInput): Operation {
    checkBin(bin, 'mapGetByKey');
    checkMapKey(key, 'op.mapGetByKey key');
    return cdt('mapGetByKey', bin, OpType.CDT_READ, MapOp.GET_BY_KEY, [RETURN_VALUE, key], { reads: true, respondAllOps: true });
  },

  /** Removes `key` and returns its value, or null when the key was absent. */
  mapRemoveByKey(bin: string, key: ValueInput): Operation {
    checkBin(bin, 'mapRemoveByKey');
    checkMapKey(key, 'op.mapRemoveByKey key');
    return cdt('mapRemoveByKey', bin, OpType.CDT_MODIFY, MapOp.REMOVE_BY_KEY, [RETURN_VALUE, key], { writes: true, respondAllOps: true });
  },

  /** The number of entries of a map bin. */
  mapSize(bin: string): Operation {
    checkBin(bin, 'mapSize');
    return cdt('mapSize', bin, OpType.CDT_READ, MapOp.SIZE, [], { reads: true, respondAllOps: true });
  },
} as const;

function stringOp(kind: 'append' | 'prepend', opType: number, bin: string, value: string | Uint8Array): Operation {
  checkBin(bin, kind);
  if (typeof value === 'string') return Operation.make(kind, bin, opType, ParticleType.STRING, encodeBinValue(value, `op.${kind}(${JSON.stringify(bin)}) value`).bytes, WRITE);
  if (value instanceof Uint8Array) return Operation.make(kind, bin, opType, ParticleType.BLOB, Buffer.from(value.buffer, value.byteOffset, value.byteLength), WRITE);
  throw new TypeError(`op.${kind}: value must be a string or Uint8Array, got ${typeof value}`);
}
