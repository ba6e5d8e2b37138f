// How the CLI prints records and values as JSON: bigints as decimal strings, byte arrays as hex,
// Maps as [key, value] pairs, raw particles as their type and hex, Doubles as numbers. Pure.

import { isDouble, RawValue, type AerospikeRecord, type Key, type Value } from '../lib/index';

/** A value as JSON can carry it. */
export function jsonValue(value: Value | Uint8Array | undefined): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return hex(value);
  if (value instanceof RawValue) return { particleType: value.particleType, hex: hex(value.bytes) };
  if (isDouble(value)) return value.value;
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value instanceof Map) return [...value].map(([k, v]) => [jsonValue(k), jsonValue(v)]);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  return value;
}

export function keyJson(key: Key): object {
  return {
    namespace: key.namespace,
    set: key.set,
    ...(key.key !== undefined && { key: jsonValue(key.key) }),
    ...(key.digest !== undefined && { digest: hex(key.digest) }),
  };
}

/** One record: key, generation, ttlSeconds (-1: never expires) and bins. */
export function recordJson(record: AerospikeRecord): object {
  const bins: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record.bins)) bins[name] = jsonValue(value);
  return { key: keyJson(record.key), generation: record.generation, ttlSeconds: record.ttlSeconds, bins };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
