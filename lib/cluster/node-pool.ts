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
  // idle connections and when each came back, oldest first, as two parallel arrays: a release allocates nothing
  private readonly idle: Connection[] = [];
  private readonly idleSinceMs: number[] = [];
  /** Checked-out connections: closing the pool closes them too (their operations end with network_error). */
  private readonly checkedOut = new Set<Connection>();
  /** Connections the pool answers for: idle, checked out, or being opened. */
  private total = 0;
  private inUse = 0;
  private opened = 0;
  private connectFailures = 0;
  private closedCount = 0;
  private closed = false;

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
        subscriber.error(new AerospikeError('invalid_node', `node ${this.nodeName} is no longer in the cluster`, { node: this.nodeName }));
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
          subscriber.error(new AerospikeError('invalid_node', `node ${this.nodeName} is no longer in the cluster`, { node: this.nodeName }));
          return;
        }
        this.inUse++;
        this.checkedOut.add(conn);
        subscriber.next(conn);
        subscriber.complete();
      });
    });
  }

  /**
   * checkout$'s synchronous case without an Observable: the most recently used idle connection, checked
   * out, or undefined (pool closed, or nothing idle) where checkout$ would open one or fail.
   */
  tryCheckout(): Connection | undefined {
    if (this.closed) return undefined;
    const reused = this.takeIdle();
    if (reused === undefined) return undefined;
    this.inUse++;
    this.checkedOut.add(reused);
    return reused;
  }

  /** A connection whose operation completed normally: kept for reuse when it is still open. */
  release(conn: Connection): void {
    if (!this.checkedOut.delete(conn)) return;
    this.inUse--;
    if (this.closed || !conn.isOpen) {
      this.drop(conn);
      return;
    }
    this.idle.push(conn);
    this.idleSinceMs.push(this.scheduler.now());
  }

  /** A connection that errored or was cut short: never reused (the transport has destroyed it already). */
  discard(conn: Connection): void {
    if (!this.checkedOut.delete(conn)) return;
    this.inUse--;
    this.drop(conn);
  }

  /** Closes idle connections past maxIdleMs, oldest first, keeping minConns. Returns how many were closed. */
  trimIdle(): number {
    const now = this.scheduler.now();
    let trimmed = 0;
    // idle is oldest-first: the front holds the longest-idle connections
    while (this.idle.length > 0 && this.total > this.limits.minConns) {
      const oldest = this.idle[0]!;
      if (now - this.idleSinceMs[0]! <= this.limits.maxIdleMs && oldest.isOpen) break;
      this.idle.shift();
      this.idleSinceMs.shift();
      this.drop(oldest);
      trimmed++;
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
        this.idle.push(conn);
        this.idleSinceMs.push(this.scheduler.now());
        if (this.closed) this.close();
        subscriber.complete();
      });
    });
  }

  /**
   * Closes every idle connection. `abortInUse` also closes the connections in use (their operations end
   * with network_error, as client close() promises); otherwise they are closed when they come back. Idempotent.
   */
  close(abortInUse = false): void {
    this.closed = true;
    this.idleSinceMs.length = 0;
    for (const conn of this.idle.splice(0)) this.drop(conn);
    if (abortInUse) for (const conn of this.checkedOut) this.transport.close(conn);
  }

  stats(): PoolStats {
    return {
      open: this.total,
      idle: this.idle.length,
      inUse: this.inUse,
      opened: this.opened,
      connectFailures: this.connectFailures,
      closed: this.closedCount,
    };
  }

  /**
   * Opens one connection counted against maxConns: `opened` gets it; a failed or empty connect gives
   * the slot back and goes to `failed.error`; the returned teardown gives the slot back when cut short.
   */
  private openNew(failed: Pick<Subscriber<unknown>, 'error'>, opened: (conn: Connection) => void): () => void {
    this.total++;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      return true;
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
    return () => {
      inner.unsubscribe();
      if (settle()) this.total--;
    };
  }

  private takeIdle(): Connection | undefined {
    const now = this.scheduler.now();
    while (this.idle.length > 0) {
      const conn = this.idle.pop()!;
      const sinceMs = this.idleSinceMs.pop()!;
      if (conn.isOpen && now - sinceMs <= this.limits.maxIdleMs) return conn;
      this.drop(conn);
    }
    return undefined;
  }

  private drop(conn: Connection): void {
    this.total--;
    this.closedCount++;
    this.transport.close(conn);
  }
}
