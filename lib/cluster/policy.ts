// Command policies (client-design.md §C3): what the executor needs to run one call, their defaults,
// and call-time validation naming the option. Pure data and checks; no I/O, no timers.

export type ReplicaPolicy = 'master' | 'sequence' | 'master_proles' | 'prefer_rack' | 'random';

export const REPLICA_POLICIES: readonly ReplicaPolicy[] = ['master', 'sequence', 'master_proles', 'prefer_rack', 'random'];

export interface ReadPolicy {
  /** Budget of the whole call, retries included; 0 = no total limit. Default 1000. */
  readonly totalTimeoutMs?: number;
  /** Deadline of each socket read: min(socketTimeoutMs, time left of the total); 0 = the total alone. Default 30000. */
  readonly socketTimeoutMs?: number;
  /** Retries after the first attempt. Default 2 for reads, 0 for writes, 5 for scans. */
  readonly maxRetries?: number;
  /** Pause before each retry, on the scheduler. Default 0. */
  readonly sleepBetweenRetriesMs?: number;
  /** Which replica serves reads, and how retries move. Default 'sequence'. */
  readonly replica?: ReplicaPolicy;
  /** Compress requests over 128 bytes and ask for compressed replies. Default false. */
  readonly useCompression?: boolean;
}

/** A policy with every field present: what the executor runs with. */
export interface ResolvedPolicy {
  readonly totalTimeoutMs: number;
  readonly socketTimeoutMs: number;
  readonly maxRetries: number;
  readonly sleepBetweenRetriesMs: number;
  readonly replica: ReplicaPolicy;
  readonly useCompression: boolean;
}

export const READ_POLICY_DEFAULTS: ResolvedPolicy = {
  totalTimeoutMs: 1000,
  socketTimeoutMs: 30_000,
  maxRetries: 2,
  sleepBetweenRetriesMs: 0,
  replica: 'sequence',
  useCompression: false,
};

export const WRITE_POLICY_DEFAULTS: ResolvedPolicy = { ...READ_POLICY_DEFAULTS, maxRetries: 0 };

export const SCAN_POLICY_DEFAULTS: ResolvedPolicy = { ...READ_POLICY_DEFAULTS, totalTimeoutMs: 0, maxRetries: 5 };

/** The largest duration accepted: what a 32-bit millisecond field on the wire can carry. */
const MAX_DURATION_MS = 0xffff_ffff;

// A value of the wrong type (null, a string, …) is a TypeError, a number out of range a RangeError;
// both name the option. Callers check only present fields (`=== undefined`), so null is never a default.

export function checkDuration(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_DURATION_MS) {
    const message = `${name} must be an integer number of milliseconds in [0, 2^32), got ${describe(value)}`;
    throw typeof value === 'number' ? new RangeError(message) : new TypeError(message);
  }
  return value;
}

export function checkCount(value: unknown, name: string, min = 0, max = 0x7fff_ffff): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const message = `${name} must be an integer in [${min}, ${max}], got ${describe(value)}`;
    throw typeof value === 'number' ? new RangeError(message) : new TypeError(message);
  }
  return value;
}

/** `value` if it is one of `allowed`: a TypeError for a non-string (null included), else a RangeError. */
export function checkOneOf<T extends string>(value: unknown, allowed: readonly T[], name: string): T {
  if (!allowed.includes(value as T)) {
    const message = `${name} must be one of ${allowed.join(', ')}, got ${describe(value)}`;
    throw typeof value === 'string' ? new RangeError(message) : new TypeError(message);
  }
  return value as T;
}

export function checkBoolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** Throws a TypeError for an options argument that is not a plain object (undefined is fine). */
export function checkOptionsObject(value: unknown, name: string): void {
  if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new TypeError(`${name} must be an object, got ${describe(value)}`);
  }
}

/**
 * `override` merged over `base`, each present field validated (TypeError/RangeError naming
 * `${name}.field`); unknown fields are ignored so wider policy types can pass through.
 */
export function resolvePolicy(base: ResolvedPolicy, override: ReadPolicy | undefined, name = 'policy'): ResolvedPolicy {
  checkOptionsObject(override, name);
  if (override === undefined) return base;
  const replica = override.replica === undefined ? base.replica : checkOneOf(override.replica, REPLICA_POLICIES, `${name}.replica`);
  return {
    totalTimeoutMs: override.totalTimeoutMs === undefined ? base.totalTimeoutMs : checkDuration(override.totalTimeoutMs, `${name}.totalTimeoutMs`),
    socketTimeoutMs: override.socketTimeoutMs === undefined ? base.socketTimeoutMs : checkDuration(override.socketTimeoutMs, `${name}.socketTimeoutMs`),
    maxRetries: override.maxRetries === undefined ? base.maxRetries : checkCount(override.maxRetries, `${name}.maxRetries`, 0, 1000),
    sleepBetweenRetriesMs:
      override.sleepBetweenRetriesMs === undefined ? base.sleepBetweenRetriesMs : checkDuration(override.sleepBetweenRetriesMs, `${name}.sleepBetweenRetriesMs`),
    replica,
    useCompression: override.useCompression === undefined ? base.useCompression : checkBoolean(override.useCompression, `${name}.useCompression`),
  };
}
