// Per-node connection pool (cluster.md §8.3, J semantics): LIFO reuse of idle connections, opens up
// to maxConnsPerNode (beyond: no_more_connections, retryable, no waiting), closes idle ones past
// maxSocketIdleMs. Only a connection whose operation completed normally comes back; no timers here.

import { Observable, type SchedulerLike, type Subscriber } from 'rxjs';
import { AerospikeError } from '../errors';
import type { Connection, NodeTransport } from '../node-transport';

export interface PoolLimits {
  readonly minConns: number;
  readonly maxConns: number;
  readonly maxIdleMs: number;
}

export interface PoolStats {
  /** Connections open or opening (idle + in use + connecting). */
  readonly open: number;
  readonly idle: number;
  readonly inUse: number;
  /** Connect attempts that succeeded / failed, since the pool was created. */
  readonly opened: number;
  readonly connectFailures: number;
  /** Connections closed by the pool (idle too long, dead on checkout, discarded after an error, pool closed). */
  readonly closed: number;
}

export class NodePool {
  // Idle connections and when each came back, oldest first, as two parallel stacks of `idleCount`
  // entries. Their lengths never shrink (a popped slot is cleared): an array that shrinks on pop goes to
  // V8's runtime and reallocates on the next push, once per call for a pool that swings between 0 and 1.
  private readonly idle: Array<Connection | undefined> = [];
  private readonly idleSinceMs: number[] = [];
  private idleCount = 0;
  /** Checked-out connections (`outCount` of them, unordered): closing the pool closes them too (their operations end with network_error). */
  private readonly checkedOut: Array<Connection | undefined> = [];
  private outCount = 0;
  /** Connections the pool answers for: idle, checked out, or being opened. */
  private total = 0;
  private inUse = 0;
  private opened = 0;
  private connectFailures = 0;
  private closedCount = 0;
  private closed = false;
  /** Connects in progress (a checkout that found nothing idle, a warm-up): close(true) cuts each short. Empty on the idle-checkout path. */
  private readonly opening = new Set<() => void>();

  constructor(
    private readonly nodeName: string,
    private readonly transport: NodeTransport,
    private readonly scheduler: SchedulerLike,
    private readonly limits: PoolLimits,
    /** Opens one authenticated connection to the node (cold). */
    private readonly open: () => Observable<Connection>,
  ) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Cold: the most recently used idle connection that is still open and not idle too long, else a new
   * one while below maxConns, else no_more_connections. A checkout cut short while connecting
   * gives its slot back.
   */
  checkout$(): Observable<Connection> {
    return new Observable<Connection>((subscriber) => {
      if (this.closed) {
        subscriber.error(this.goneError());
        return undefined;
      }
      const reused = this.tryCheckout();
      if (reused !== undefined) {
        subscriber.next(reused);
        subscriber.complete();
        return undefined;
      }
      if (this.total >= this.limits.maxConns) {
        subscriber.error(
          new AerospikeError('no_more_connections', `node ${this.nodeName} has ${this.total} connections open, the maxConnsPerNode limit`, { node: this.nodeName }),
        );
        return undefined;
      }
      return this.openNew(subscriber, (conn) => {
        if (this.closed) {
          // the node left the cluster while this connection was being opened
          this.drop(conn);
          subscriber.error(this.goneError());
          return;
        }
        this.inUse++;
        this.markOut(conn);
        subscriber.next(conn);
        subscriber.complete();
      });
    });
  }

  /**
   * checkout$'s synchronous case without an Observable: the most recently used idle connection, checked
   * out, or undefined (pool closed, or nothing idle) where checkout$ would open one or fail. `nowMs`: the
   * scheduler's time when the caller has just read it (a command's start), to spare a clock read.
   */
  tryCheckout(nowMs?: number): Connection | undefined {
    if (this.closed) return undefined;
    const reused = this.takeIdle(nowMs);
    if (reused === undefined) return undefined;
    this.inUse++;
    this.markOut(reused);
    return reused;
  }

  /**
   * A connection whose operation completed normally: kept for reuse when it is still open. `usedSinceMs`:
   * when that operation started, if the caller read the clock then; the connection counts as idle from
   * that earlier time, which only ever closes it sooner than maxIdleMs, never later, and spares a clock read.
   */
  release(conn: Connection, usedSinceMs?: number): void {
    if (!this.unmarkOut(conn)) return;
    this.inUse--;
    if (this.closed || !conn.isOpen) {
      this.drop(conn);
      return;
    }
    this.pushIdle(conn, usedSinceMs);
  }

  /** A connection that errored or was cut short: never reused (the transport has destroyed it already). */
  discard(conn: Connection): void {
    if (!this.unmarkOut(conn)) return;
    this.inUse--;
    this.drop(conn);
  }

  /** Closes idle connections past maxIdleMs, oldest first, keeping minConns. Returns how many were closed. */
  trimIdle(): number {
    const now = this.scheduler.now();
    let trimmed = 0;
    // idle is oldest-first: the front holds the longest-idle connections
    while (trimmed < this.idleCount && this.total > this.limits.minConns) {
      const oldest = this.idle[trimmed]!;
      if (now - this.idleSinceMs[trimmed]! <= this.limits.maxIdleMs && oldest.isOpen) break;
      this.drop(oldest);
      trimmed++;
    }
    if (trimmed > 0) {
      // the survivors move down to the bottom of the stacks, oldest still first
      const n = this.idleCount;
      for (let i = trimmed; i < n; i++) {
        this.idle[i - trimmed] = this.idle[i];
        this.idleSinceMs[i - trimmed] = this.idleSinceMs[i]!;
      }
      for (let i = n - trimmed; i < n; i++) this.idle[i] = undefined;
      this.idleCount = n - trimmed;
    }
    return trimmed;
  }

  /** How many connections to open to reach minConns. */
  missingMin(): number {
    return this.closed ? 0 : Math.max(0, this.limits.minConns - this.total);
  }

  /** Opens one new connection straight into the idle list (for minConnsPerNode); a failure is only counted. */
  warm$(): Observable<void> {
    return new Observable<void>((subscriber) => {
      if (this.closed || this.total >= this.limits.maxConns) {
        subscriber.complete();
        return undefined;
      }
      return this.openNew({ error: () => subscriber.complete() }, (conn) => {
        this.pushIdle(conn);
        if (this.closed) this.close();
        subscriber.complete();
      });
    });
  }

  /**
   * Closes every idle connection. `abortInUse` also closes the connections in use (their operations end
   * with network_error, as client close() promises) and cuts short the connects in progress (their
   * sockets destroyed, their checkouts failed now with invalid_node, as when such a connect completes
   * after close()); otherwise they are closed when they come back, or when their connect completes. Idempotent.
   */
  close(abortInUse = false): void {
    this.closed = true;
    const idle = this.idle.slice(0, this.idleCount) as Connection[];
    this.idle.length = 0;
    this.idleSinceMs.length = 0;
    this.idleCount = 0;
    for (const conn of idle) this.drop(conn);
    if (!abortInUse) return;
    for (const conn of this.checkedOut.slice(0, this.outCount)) this.transport.close(conn!);
    const opening = [...this.opening];
    this.opening.clear();
    for (const abort of opening) abort();
  }

  stats(): PoolStats {
    return {
      open: this.total,
      idle: this.idleCount,
      inUse: this.inUse,
      opened: this.opened,
      connectFailures: this.connectFailures,
      closed: this.closedCount,
    };
  }

  /**
   * Opens one connection counted against maxConns: `opened` gets it; a failed or empty connect gives
   * the slot back and goes to `failed.error`; the returned teardown gives the slot back when cut short.
   * While it is in progress, close(true) cuts it short and fails it with invalid_node.
   */
  private openNew(failed: Pick<Subscriber<unknown>, 'error'>, opened: (conn: Connection) => void): () => void {
    this.total++;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      this.opening.delete(abort);
      return true;
    };
    const abort = (): void => {
      if (!settle()) return;
      // the connect's teardown destroys its socket; the slot is given back before the failure is told
      inner.unsubscribe();
      this.total--;
      failed.error(this.goneError());
    };
    const inner = this.open().subscribe({
      next: (conn) => {
        if (!settle()) return;
        this.opened++;
        opened(conn);
      },
      error: (err: unknown) => {
        if (!settle()) return;
        this.total--;
        this.connectFailures++;
        failed.error(err);
      },
      complete: () => {
        if (!settle()) return;
        this.total--;
        failed.error(new AerospikeError('connection_error', `connecting to node ${this.nodeName} completed without a connection`, { node: this.nodeName }));
      },
    });
    // still connecting: close(true) may cut it short
    if (!settled) this.opening.add(abort);
    return () => {
      inner.unsubscribe();
      if (settle()) this.total--;
    };
  }

  private goneError(): AerospikeError {
    return new AerospikeError('invalid_node', `node ${this.nodeName} is no longer in the cluster`, { node: this.nodeName });
  }

  private takeIdle(nowMs?: number): Connection | undefined {
    if (this.idleCount === 0) return undefined;
    const now = nowMs ?? this.scheduler.now();
    while (this.idleCount > 0) {
      const top = --this.idleCount;
      const conn = this.idle[top]!;
      this.idle[top] = undefined;
      if (conn.isOpen && now - this.idleSinceMs[top]! <= this.limits.maxIdleMs) return conn;
      this.drop(conn);
    }
    return undefined;
  }

  private pushIdle(conn: Connection, sinceMs?: number): void {
    const top = this.idleCount++;
    this.idle[top] = conn;
    // oldest first holds with a caller's time too: never before the entry below, itself no later than now
    this.idleSinceMs[top] = sinceMs === undefined ? this.scheduler.now() : top > 0 ? Math.max(sinceMs, this.idleSinceMs[top - 1]!) : sinceMs;
  }

  private markOut(conn: Connection): void {
    this.checkedOut[this.outCount++] = conn;
  }

  /** Removes `conn` from the checked-out list (the last one moves into its slot); false when it was not there. */
  private unmarkOut(conn: Connection): boolean {
    const out = this.checkedOut;
    // the connection checked out last usually comes back first: search from the top
    for (let i = this.outCount - 1; i >= 0; i--) {
      if (out[i] !== conn) continue;
      const last = --this.outCount;
      out[i] = out[last];
      out[last] = undefined;
      return true;
    }
    return false;
  }

  private drop(conn: Connection): void {
    this.total--;
    this.closedCount++;
    this.transport.close(conn);
  }
}
