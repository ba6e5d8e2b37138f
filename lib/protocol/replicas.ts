// The `replicas` info value: per namespace `<ns>:<regime>,<count>,<bitmap 0>,...,<bitmap count-1>`,
// namespaces joined with `;`; bitmap i marks the partitions this node holds as replica i (0 = master).
// Pure (cluster.md §4.1): a strict parser, its inverse for fakes, and the bitmap helpers.

import { PARTITION_COUNT } from './digest';
import { decimalU32, infoValueError, refuseServerError, shown } from './info-value';

/** One bit per partition: 4096 bits. */
export const PARTITION_BITMAP_BYTES = PARTITION_COUNT / 8;

export interface NamespaceReplicas {
  readonly namespace: string;
  /** Rebalance regime (u32): 0 in AP namespaces, grows in strong-consistency ones. */
  readonly regime: number;
  /** The replication factor the node applies now (1 with an all-zero map before its first rebalance). */
  readonly replicaCount: number;
  /** replicaCount bitmaps of 512 bytes; bitmaps[i] is replica index i. */
  readonly bitmaps: readonly Uint8Array[];
}

const INFO_NAME = 'replicas';
const SHAPE = '<namespace>:<regime>,<replica count>,<bitmap>,...[;...]';
// 512 bytes in padded base64: 170 groups of 4 chars, then 2 bytes as 3 chars and one "=".
const BITMAP_TEXT_CHARS = 684;
const NOT_BASE64 = /[^A-Za-z0-9+/=]/;
// 1..31 bytes (the server's limit), none of the separators or control characters.
const NAMESPACE = /^[^:;,\x00-\x1f\x7f]+$/;
const NAMESPACE_MAX_BYTES = 31;

/**
 * Parses a replicas value; an empty value is no namespace. One trailing `;` is tolerated (Java's
 * parser does; 8.1 servers never send it). The older `replicas-all` form (`<ns>:<count>,<bitmaps>`)
 * is refused. Anything malformed is a parse_error naming the namespace and what was seen.
 */
export function parseReplicas(value: string): NamespaceReplicas[] {
  if (value === '') return [];
  refuseServerError(value, INFO_NAME, SHAPE);
  const segments = value.split(';');
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  const seen = new Set<string>();
  return segments.map((segment, i) => {
    const parsed = parseNamespace(segment, i);
    if (seen.has(parsed.namespace)) throw infoValueError(INFO_NAME, `namespace ${JSON.stringify(parsed.namespace)} appears twice`);
    seen.add(parsed.namespace);
    return parsed;
  });
}

function parseNamespace(segment: string, index: number): NamespaceReplicas {
  const colon = segment.indexOf(':');
  if (colon === -1) throw infoValueError(INFO_NAME, `namespace entry ${index} ${shown(segment)} has no ":", expected ${SHAPE}`);
  const namespace = segment.slice(0, colon);
  const nameBytes = Buffer.byteLength(namespace, 'utf8');
  if (!NAMESPACE.test(namespace) || nameBytes > NAMESPACE_MAX_BYTES) {
    throw infoValueError(INFO_NAME, `namespace entry ${index} has name ${shown(namespace)} (${nameBytes} bytes), expected 1..31 bytes without separators`);
  }
  const of = `of namespace ${JSON.stringify(namespace)}`;
  const fields = segment.slice(colon + 1).split(',');
  const regime = decimalU32(fields[0]!);
  if (regime === undefined) throw infoValueError(INFO_NAME, `regime ${of} is ${shown(fields[0]!)}, expected a u32`);
  const replicaCount = decimalU32(fields[1] ?? '');
  if (replicaCount === undefined || replicaCount < 1) {
    const olderForm = fields.length === regime + 1 ? ' (the older replicas-all form <count>,<bitmaps> is not accepted)' : '';
    throw infoValueError(INFO_NAME, `replica count ${of} is ${fields[1] === undefined ? 'missing' : shown(fields[1])}, expected an integer >= 1${olderForm}`);
  }
  if (fields.length - 2 !== replicaCount) {
    throw infoValueError(INFO_NAME, `namespace ${JSON.stringify(namespace)} has ${fields.length - 2} bitmaps, expected ${replicaCount} (its replica count)`);
  }
  // Lengths first: `n,,,,…` must not make us allocate n × 512 bytes for a few bytes of input.
  for (let i = 0; i < replicaCount; i++) {
    const text = fields[i + 2]!;
    if (text.length !== BITMAP_TEXT_CHARS) throw infoValueError(INFO_NAME, `bitmap ${i} ${of} ${bitmapProblem(text)}`);
  }
  // One fresh buffer per namespace, viewed as replicaCount bitmaps (never Node's shared pool).
  const memory = new Uint8Array(replicaCount * PARTITION_BITMAP_BYTES);
  const view = Buffer.from(memory.buffer);
  const bitmaps: Uint8Array[] = [];
  for (let i = 0; i < replicaCount; i++) {
    const text = fields[i + 2]!;
    const start = i * PARTITION_BITMAP_BYTES;
    const end = start + PARTITION_BITMAP_BYTES;
    // Node's decoder skips bad characters, url-safe ones and stray padding, so a bitmap is kept
    // only when it is exactly the canonical base64 of what was decoded: one decode, one encode and
    // a compare, about 3 times cheaper than an anchored 684-char regex.
    if (view.write(text, start, PARTITION_BITMAP_BYTES, 'base64') !== PARTITION_BITMAP_BYTES || view.toString('base64', start, end) !== text) {
      throw infoValueError(INFO_NAME, `bitmap ${i} ${of} ${bitmapProblem(text)}`);
    }
    bitmaps.push(memory.subarray(start, end));
  }
  return { namespace, regime, replicaCount, bitmaps };
}

/** Why a bitmap text is not the canonical base64 of 512 bytes (only called once it is refused). */
function bitmapProblem(text: string): string {
  const bad = NOT_BASE64.exec(text);
  if (bad !== null) return `has ${JSON.stringify(bad[0])} at offset ${bad.index}, which is not base64`;
  const padAt = text.indexOf('=');
  const padding = padAt === -1 ? 0 : text.length - padAt;
  if (text.length % 4 !== 0 || padding > 2 || (padAt !== -1 && text.slice(padAt).replace(/=/g, '') !== '')) {
    return `is ${text.length} chars with "=" at ${padAt === -1 ? 'no offset' : `offset ${padAt}`}, which is not padded base64`;
  }
  const decoded = (text.length / 4) * 3 - padding;
  if (decoded !== PARTITION_BITMAP_BYTES) return `decodes to ${decoded} bytes, expected ${PARTITION_BITMAP_BYTES}`;
  return 'has non-zero bits after its last byte (not canonical base64)';
}

/** Whether `partition` (0..4095) is set; partition 0 is the top bit (0x80) of byte 0. */
export function partitionInBitmap(bitmap: Uint8Array, partition: number): boolean {
  if (!(bitmap instanceof Uint8Array) || bitmap.length !== PARTITION_BITMAP_BYTES) {
    throw new TypeError(`bitmap must be a Uint8Array of ${PARTITION_BITMAP_BYTES} bytes`);
  }
  checkPartition(partition, 'partition');
  return (bitmap[partition >> 3]! & (0x80 >> (partition & 7))) !== 0;
}

/** A fresh 512-byte bitmap with exactly the given partitions set (duplicates allowed). */
export function bitmapOf(partitions: Iterable<number>): Uint8Array {
  if (partitions === null || typeof (partitions as Partial<Iterable<number>>)?.[Symbol.iterator] !== 'function') {
    throw new TypeError('partitions must be an iterable of partition ids');
  }
  const bitmap = new Uint8Array(PARTITION_BITMAP_BYTES);
  for (const partition of partitions) {
    checkPartition(partition, 'partitions');
    bitmap[partition >> 3]! |= 0x80 >> (partition & 7);
  }
  return bitmap;
}

function checkPartition(partition: number, argument: string): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= PARTITION_COUNT) {
    throw new RangeError(`${argument} must hold integers 0..${PARTITION_COUNT - 1}, got ${String(partition)}`);
  }
}

/** The value a server would send for `namespaces` (for fakes and simulated nodes); parseReplicas inverts it. */
export function encodeReplicas(namespaces: readonly NamespaceReplicas[]): string {
  if (!Array.isArray(namespaces)) throw new TypeError('namespaces must be an array');
  return namespaces
    .map((ns: NamespaceReplicas, i) => {
      const where = `namespaces[${i}]`;
      if (typeof ns.namespace !== 'string' || !NAMESPACE.test(ns.namespace) || Buffer.byteLength(ns.namespace, 'utf8') > NAMESPACE_MAX_BYTES) {
        throw new TypeError(`${where}.namespace must be 1..31 bytes without ":;," or control characters, got ${JSON.stringify(ns.namespace)}`);
      }
      if (!Number.isInteger(ns.regime) || ns.regime < 0 || ns.regime > 0xffff_ffff) throw new RangeError(`${where}.regime must be a u32, got ${String(ns.regime)}`);
      if (!Number.isInteger(ns.replicaCount) || ns.replicaCount < 1) throw new RangeError(`${where}.replicaCount must be an integer >= 1, got ${String(ns.replicaCount)}`);
      if (!Array.isArray(ns.bitmaps) || ns.bitmaps.length !== ns.replicaCount) {
        throw new RangeError(`${where}.bitmaps must hold replicaCount (${ns.replicaCount}) bitmaps, got ${Array.isArray(ns.bitmaps) ? ns.bitmaps.length : typeof ns.bitmaps}`);
      }
      const encoded = ns.bitmaps.map((bitmap, b) => {
        if (!(bitmap instanceof Uint8Array) || bitmap.length !== PARTITION_BITMAP_BYTES) {
          throw new TypeError(`${where}.bitmaps[${b}] must be a Uint8Array of ${PARTITION_BITMAP_BYTES} bytes`);
        }
        return Buffer.from(bitmap.buffer, bitmap.byteOffset, bitmap.length).toString('base64');
      });
      return `${ns.namespace}:${ns.regime},${ns.replicaCount},${encoded.join(',')}`;
    })
    .join(';');
}
