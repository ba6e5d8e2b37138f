// Scans beside the failover load: back-to-back scan$ passes and scanIterables paused across a fault,
// each checked for every record of the key range exactly once. Shared by bench/failover.ts and the
// reduced spec; starts no fault itself.

import { lastValueFrom, tap } from 'rxjs';
import type { AerospikeClient } from '../lib/index';
import { computeDigest } from '../lib/protocol/digest';
import { describeError } from './failover-load';

export interface ScanCheck {
  readonly label: string;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly records: number;
  readonly duplicates: number;
  readonly missing: number;
  /** Records outside the key range (left by another run in the same set): reported, not counted as wrong. */
  readonly foreign: number;
  readonly error: string | undefined;
}

export function exactlyOnce(check: ScanCheck): boolean {
  return check.error === undefined && check.duplicates === 0 && check.missing === 0;
}

/** A pause of a held scan: after `afterRecords` records, wait until the load's clock reads `untilMs` and `until` resolved. */
export interface ScanPause {
  readonly afterRecords: number;
  readonly untilMs: number;
  /** An event to wait for first (a revived node being back), whenever it comes. */
  readonly until?: () => Promise<unknown>;
}

export class ScanChecker {
  readonly checks: ScanCheck[] = [];
  private readonly expected: ReadonlySet<string>;

  constructor(
    private readonly client: AerospikeClient,
    private readonly namespace: string,
    private readonly set: string,
    keys: number,
    /** The load's clock (ms since it started). */
    private readonly elapsedMs: () => number,
  ) {
    this.expected = new Set(Array.from({ length: keys }, (_, k) => computeDigest(set, k).toString('hex')));
  }

  /**
   * scan$ passes one after another until `endMs`, `gapMs` apart: without a gap the scans of an
   * in-process simulated cluster starve the load loops of the CPU they share.
   */
  async backToBack(endMs: number, gapMs: number): Promise<void> {
    for (let i = 1; this.elapsedMs() < endMs; i++) {
      if (i > 1) await new Promise<void>((resolve) => setTimeout(resolve, gapMs));
      const seen = new Map<string, number>();
      const startedAtMs = this.elapsedMs();
      let error: string | undefined;
      try {
        await lastValueFrom(this.client.scan$(this.namespace, this.set).pipe(tap((record) => this.see(seen, record.key.digest))), { defaultValue: undefined });
      } catch (e) {
        error = describeError(e);
      }
      this.checks.push(this.check(`scan$ #${i}`, startedAtMs, seen, error));
    }
  }

  /** One scanIterable started at `startMs`, stopping to wait at each pause: its streams stay open across the fault. */
  async held(label: string, startMs: number, pauses: readonly ScanPause[]): Promise<void> {
    await this.until(startMs);
    const seen = new Map<string, number>();
    const startedAtMs = this.elapsedMs();
    let error: string | undefined;
    let records = 0;
    let pause = 0;
    try {
      for await (const record of this.client.scanIterable(this.namespace, this.set)) {
        this.see(seen, record.key.digest);
        records++;
        while (pause < pauses.length && records >= pauses[pause]!.afterRecords) {
          const { untilMs, until } = pauses[pause++]!;
          await until?.();
          await this.until(Math.max(untilMs, until === undefined ? 0 : this.elapsedMs() + 300));
        }
      }
    } catch (e) {
      error = describeError(e);
    }
    this.checks.push(this.check(label, startedAtMs, seen, error));
  }

  private see(seen: Map<string, number>, digest: Uint8Array | undefined): void {
    const hex = digest === undefined ? 'none' : Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength).toString('hex');
    seen.set(hex, (seen.get(hex) ?? 0) + 1);
  }

  private check(label: string, startedAtMs: number, seen: ReadonlyMap<string, number>, error: string | undefined): ScanCheck {
    let records = 0;
    let duplicates = 0;
    let foreign = 0;
    for (const [digest, n] of seen) {
      records += n;
      if (n > 1) duplicates += n - 1;
      if (!this.expected.has(digest)) foreign++;
    }
    let missing = 0;
    for (const digest of this.expected) if (!seen.has(digest)) missing++;
    return { label, startedAtMs, endedAtMs: this.elapsedMs(), records, duplicates, missing, foreign, error };
  }

  private async until(ms: number): Promise<void> {
    const wait = ms - this.elapsedMs();
    if (wait > 0) await new Promise<void>((resolve) => setTimeout(resolve, wait));
  }
}
