// Builds a batch-get request: one type-3 frame (info1 BATCH) whose single BATCH_INDEX field lists
// every key; a key that reads the same namespace, set and bins as the one before is sent as a
// 1-byte "repeat". Pure. Layout and flags follow the official Node client (vectors/07-batch-get).

import { FieldType, Info1, OpType } from './constants';
import { binName, encodeAsMsg, field, nameBytes } from './as-msg-encoder';
import { compressFlag, keyDigest, readInfo1, serverTimeout, type CommandRequestOptions, type RecordKey } from './requests';

export interface BatchGetKey extends RecordKey {
  /** Read only these bins. Default: all bins. */
  readonly bins?: readonly string[];
  /** Read generation and TTL only. */
  readonly headerOnly?: boolean;
}

export interface BatchGetOptions extends CommandRequestOptions {
  /** Let the server answer in its service thread for in-memory namespaces. Default true. */
  readonly allowInline?: boolean;
  /** The same for SSD namespaces. Default false. */
  readonly allowInlineSsd?: boolean;
  /** Keep going after a key fails (per-key result codes instead of aborting). Default true. */
  readonly respondAllKeys?: boolean;
}

/** Per-key entry kinds (batch "msg" flags of the BATCH_INDEX layout). */
const BatchEntry = {
  REPEAT: 0x01,
  INFO: 0x02,
  TTL: 0x08,
} as const;

/** Batch field flags; the official clients always set 0x08. */
const BatchFlag = {
  ALLOW_INLINE: 0x01,
  ALLOW_INLINE_SSD: 0x02,
  RESPOND_ALL_KEYS: 0x04,
  BASE: 0x08,
} as const;

const ENTRY_PREFIX = 4 + 20; // u32 index + digest

interface EntryShape {
  readonly namespace: string;
  readonly set: string;
  readonly info1: number;
  readonly bins: readonly string[];
}

function sameShape(a: EntryShape | undefined, b: EntryShape): boolean {
  return (
    a !== undefined &&
    a.namespace === b.namespace &&
    a.set === b.set &&
    a.info1 === b.info1 &&
    a.bins.length === b.bins.length &&
    a.bins.every((name, i) => name === b.bins[i])
  );
}

/**
 * The whole batch-get frame; replies carry each key's index in the transaction-ttl slot: its position
 * in `keys`, or `indexes[i]` when given (a cluster client sends each node a subset of the caller's keys).
 */
export function encodeBatchGet(keys: readonly BatchGetKey[], options: BatchGetOptions = {}, indexes?: readonly number[]): Buffer {
  if (keys.length === 0) throw new RangeError('a batch needs at least one key');
  if (indexes !== undefined && indexes.length !== keys.length) throw new RangeError(`indexes must give one index per key: ${indexes.length} for ${keys.length} keys`);
  const parts: Buffer[] = [];
  const head = Buffer.allocUnsafe(5);
  head.writeUInt32BE(keys.length, 0);
  let flags: number = BatchFlag.BASE;
  if (options.allowInline ?? true) flags |= BatchFlag.ALLOW_INLINE;
  if (options.allowInlineSsd ?? false) flags |= BatchFlag.ALLOW_INLINE_SSD;
  if (options.respondAllKeys ?? true) flags |= BatchFlag.RESPOND_ALL_KEYS;
  head[4] = flags;
  parts.push(head);

  let previous: EntryShape | undefined;
  keys.forEach((key, index) => {
    if (typeof key.namespace !== 'string' || key.namespace.length === 0) throw new TypeError(`key ${index}: namespace must be a non-empty string`);
    const bins = key.headerOnly === true ? [] : (key.bins ?? []);
    const shape: EntryShape = { namespace: key.namespace, set: key.set, info1: readInfo1(key), bins };
    const prefix = Buffer.allocUnsafe(ENTRY_PREFIX);
    const wireIndex = indexes === undefined ? index : indexes[index]!;
    if (!Number.isInteger(wireIndex) || wireIndex < 0 || wireIndex > 0xffff_ffff) throw new RangeError(`indexes[${index}] must be a u32, got ${wireIndex}`);
    prefix.writeUInt32BE(wireIndex, 0);
    prefix.set(keyDigest(key), 4);
    parts.push(prefix);
    if (sameShape(previous, shape)) {
      parts.push(Buffer.of(BatchEntry.REPEAT));
      return;
    }
    previous = shape;
    // entry flags, info1, info2, info3, ttl u32, n_fields u16, n_ops u16
    const entry = Buffer.alloc(12);
    entry[0] = BatchEntry.INFO | BatchEntry.TTL;
    entry[1] = shape.info1;
    const setBytes = nameBytes(key.set, 'set');
    const fieldCount = setBytes.length > 0 ? 2 : 1;
    entry.writeUInt16BE(fieldCount, 8);
    entry.writeUInt16BE(bins.length, 10);
    parts.push(entry, fieldBytes(FieldType.NAMESPACE, nameBytes(key.namespace, 'namespace')));
    if (setBytes.length > 0) parts.push(fieldBytes(FieldType.SET, setBytes));
    for (const name of bins) parts.push(readOpBytes(binName(name)));
  });

  return encodeAsMsg(
    { info1: Info1.BATCH | compressFlag(options), transactionTtl: serverTimeout(options) },
    [field(FieldType.BATCH_INDEX, Buffer.concat(parts))],
  );
}

function fieldBytes(type: number, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + data.length);
  out.writeUInt32BE(data.length + 1, 0);
  out[4] = type;
  data.copy(out, 5);
  return out;
}

function readOpBytes(name: Buffer): Buffer {
  const out = Buffer.alloc(8 + name.length);
  out.writeUInt32BE(4 + name.length, 0);
  out[4] = OpType.READ; // particle NULL (0), flags 0
  out[7] = name.length;
  name.copy(out, 8);
  return out;
}
