// The failover workload of issue 14: concurrent loops of get$/put$ over a fixed key range while faults
// are injected, counted per 500 ms, then every key read back against what was acknowledged. Shared by
// bench/failover.ts and spec/hardening/failover.spec.ts; it never starts or kills anything itself.

import { firstValueFrom } from 'rxjs';
import { AerospikeError, type AerospikeClient, type ReadPolicy, type WritePolicy } from '../lib/index';

export const BUCKET_MS = 500;

/** The anchor's policies: the official Node.js client in the same scenario. */
export const READ_POLICY: ReadPolicy = { totalTimeoutMs: 1000, socketTimeoutMs: 500, maxRetries: 2 };
export const WRITE_POLICY: WritePolicy = { totalTimeoutMs: 1000, socketTimeoutMs: 500, maxRetries: 0 };
/** Read-back after the load: generous, so a slow moment is not mistaken for a lost write. */
const VERIFY_POLICY: ReadPolicy = { totalTimeoutMs: 5000, socketTimeoutMs: 1000, maxRetries: 5 };

export interface LoadPlan {
  readonly namespace: string;
  readonly set: string;
  readonly keys: number;
  readonly loops: number;
  readonly durationMs: number;
  /** Share of reads among operations (the rest are puts). */
  readonly readShare: number;
  readonly seed: number;
}

export interface Bucket {
  ok: number;
  readsFailed: number;
  writesFailed: number;
  writesInDoubt: number;
  /** Reads that returned a value older than one acknowledged before the read started. */
  staleReads: number;
  /** Error codes seen in this bucket (in-doubt writes as `code*`). */
  readonly codes: Map<string, number>;
  /** Command attempts routed to the faulted node while it was down (sampled from client.stats()). */
  deadAttempts: number;
  /** Connects to the faulted node refused in this bucket. */
  refusals: number;
  /** Active nodes at the end of the bucket. */
  nodes: number;
  /** The longest event-loop delay seen by the 50 ms sampler in this bucket (ms). */
  lagMs: number;
  /** Fault marks that fell in this bucket (kill, revive, rebalance, removed, added). */
  readonly marks: string[];
}

export interface Verification {
  readonly keys: number;
  /** Read back the last acknowledged value. */
  readonly matched: number;
  /** Read back a value whose write failed or was in doubt after the last acknowledgement. */
  readonly tookUncertain: number;
  /** Of those, writes that failed without being in doubt: the in-doubt flag was wrong. */
  readonly failedButApplied: number;
  /** Neither: an acknowledged write was lost. */
  readonly lost: number;
  readonly readFailures: number;
  readonly examples: readonly string[];
}

export interface LoadTotals {
  readonly ops: number;
  readonly reads: number;
  readonly writes: number;
  readonly readsFailed: number;
  readonly writesFailed: number;
  readonly writesInDoubt: number;
  readonly staleReads: number;
  readonly codes: ReadonlyMap<string, number>;
}

interface KeyState {
  /** The last acknowledged value (values are unique and increasing). */
  acked: number;
  /** Values attempted since the last acknowledgement whose write failed (false) or was in doubt (true). */
  uncertain: Map<number, boolean>;
}

/** mulberry32: a small seeded generator, so runs pick the same keys and mix. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `code`, `*` when in doubt, `@node` of the last attempt: e.g. `timeout*@A1`. */
export function errorLabel(error: unknown): string {
  if (error instanceof AerospikeError) return `${error.code}${error.inDoubt ? '*' : ''}${error.node === undefined ? '' : `@${error.node}`}`;
  return error instanceof Error ? error.name : 'unknown';
}

function emptyBucket(): Bucket {
  return { ok: 0, readsFailed: 0, writesFailed: 0, writesInDoubt: 0, staleReads: 0, codes: new Map(), deadAttempts: 0, refusals: 0, nodes: 0, lagMs: 0, marks: [] };
}

/**
 * One run of the workload on a connected client. Writes to a key come from one loop only (key k
 * belongs to loop k % loops), so each key's writes are ordered and the read-back has one answer.
 */
export class FailoverLoad {
  readonly buckets: Bucket[] = [];
  private readonly state: KeyState[] = [];
  private seq = 0;
  private startedAt = 0;
  private reads = 0;
  private writes = 0;
  private readonly examples: string[] = [];

  constructor(
    private readonly client: AerospikeClient,
    readonly plan: LoadPlan,
  ) {}

  key(k: number): { namespace: string; set: string; key: number } {
    return { namespace: this.plan.namespace, set: this.plan.set, key: k };
  }

  /** Writes every key once (with retries) so each has an acknowledged value before the load. */
  async seedKeys(concurrency = 64): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.plan.keys) {
        const k = next++;
        const v = ++this.seq;
        await firstValueFrom(this.client.put$(this.key(k), { v }, { totalTimeoutMs: 5000, maxRetries: 5 }));
        this.state[k] = { acked: v, uncertain: new Map() };
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** Milliseconds since the load started. */
  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  bucketAt(elapsedMs: number): Bucket {
    const i = Math.max(0, Math.floor(elapsedMs / BUCKET_MS));
    while (this.buckets.length <= i) this.buckets.push(emptyBucket());
    return this.buckets[i]!;
  }

  current(): Bucket {
    return this.bucketAt(this.elapsedMs());
  }

  mark(label: string): void {
    this.current().marks.push(label);
  }

  /** Starts the clock; resolves when every loop has stopped (after durationMs). */
  async run(onStart?: () => void): Promise<void> {
    this.startedAt = Date.now();
    onStart?.();
    const endAt = this.startedAt + this.plan.durationMs;
    await Promise.all(Array.from({ length: this.plan.loops }, (_, i) => this.loop(i, endAt)));
  }

  private async loop(index: number, endAt: number): Promise<void> {
    const random = seededRandom(this.plan.seed * 1000 + index);
    const owned = Math.ceil((this.plan.keys - index) / this.plan.loops);
    while (Date.now() < endAt) {
      if (random() < this.plan.readShare) await this.read(Math.floor(random() * this.plan.keys));
      else await this.write(index + this.plan.loops * Math.floor(random() * owned));
    }
  }

  private async read(k: number): Promise<void> {
    this.reads++;
    const ackedAtStart = this.state[k]!.acked;
    try {
      const record = await firstValueFrom(this.client.get$(this.key(k), READ_POLICY));
      const bucket = this.current();
      bucket.ok++;
      const v = record?.bins['v'];
      if (typeof v !== 'number' || v < ackedAtStart) {
        bucket.staleReads++;
        this.example(`read of key ${k} returned ${JSON.stringify(v)} after ${ackedAtStart} was acknowledged`);
      }
    } catch (error) {
      const bucket = this.current();
      bucket.readsFailed++;
      count(bucket.codes, errorLabel(error));
      this.example(`read of key ${k}: ${describeError(error)}`);
    }
  }

  private async write(k: number): Promise<void> {
    this.writes++;
    const v = ++this.seq;
    const state = this.state[k]!;
    try {
      await firstValueFrom(this.client.put$(this.key(k), { v }, WRITE_POLICY));
      state.acked = v;
      state.uncertain.clear();
      this.current().ok++;
    } catch (error) {
      const bucket = this.current();
      const inDoubt = error instanceof AerospikeError ? error.inDoubt : true;
      state.uncertain.set(v, inDoubt);
      if (inDoubt) bucket.writesInDoubt++;
      else bucket.writesFailed++;
      count(bucket.codes, errorLabel(error));
    }
  }

  totals(): LoadTotals {
    const codes = new Map<string, number>();
    let ok = 0;
    let readsFailed = 0;
    let writesFailed = 0;
    let writesInDoubt = 0;
    let staleReads = 0;
    for (const b of this.buckets) {
      ok += b.ok;
      readsFailed += b.readsFailed;
      writesFailed += b.writesFailed;
      writesInDoubt += b.writesInDoubt;
      staleReads += b.staleReads;
      for (const [code, n] of b.codes) count(codes, code, n);
    }
    return { ops: ok + readsFailed + writesFailed + writesInDoubt, reads: this.reads, writes: this.writes, readsFailed, writesFailed, writesInDoubt, staleReads, codes };
  }

  /** Reads every key back: its last acknowledged value, or a value attempted after it. */
  async verify(concurrency = 32): Promise<Verification> {
    let next = 0;
    let matched = 0;
    let tookUncertain = 0;
    let failedButApplied = 0;
    let lost = 0;
    let readFailures = 0;
    const examples: string[] = [];
    const note = (text: string): void => void (examples.length < 10 && examples.push(text));
    const worker = async (): Promise<void> => {
      while (next < this.plan.keys) {
        const k = next++;
        const state = this.state[k]!;
        let v: unknown;
        try {
          v = (await firstValueFrom(this.client.get$(this.key(k), VERIFY_POLICY)))?.bins['v'];
        } catch (error) {
          readFailures++;
          note(`read-back of key ${k}: ${describeError(error)}`);
          continue;
        }
        if (v === state.acked) matched++;
        else if (typeof v === 'number' && state.uncertain.has(v)) {
          tookUncertain++;
          if (state.uncertain.get(v) === false) {
            failedButApplied++;
            note(`key ${k}: write of ${v} failed without being in doubt, yet it was applied`);
          }
        } else {
          lost++;
          note(`key ${k}: read back ${JSON.stringify(v)}, acknowledged ${state.acked}, attempted since [${[...state.uncertain.keys()].join(', ')}]`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { keys: this.plan.keys, matched, tookUncertain, failedButApplied, lost, readFailures, examples };
  }

  /** Up to 10 failure texts seen during the load. */
  get failureExamples(): readonly string[] {
    return this.examples;
  }

  private example(text: string): void {
    if (this.examples.length < 10) this.examples.push(`${(this.elapsedMs() / 1000).toFixed(2)} s ${text}`);
  }
}

export function count(map: Map<string, number>, key: string, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

export function describeError(error: unknown): string {
  if (error instanceof AerospikeError) return `${error.code}${error.inDoubt ? ' (in doubt)' : ''}${error.node === undefined ? '' : ` on ${error.node}`}: ${error.message}`;
  return String(error);
}
