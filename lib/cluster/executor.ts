// What every command executor shares (client-design.md §C5, cluster.md §7): the execution context,
// the single-key command shape, read deadlines, and the attempt budget that owns the retry and in-doubt
// rules. The attempt loops live in key-command-executor, batch-executor and scan-executor; no sockets here.

import type { SchedulerLike } from 'rxjs';
import { AerospikeError } from '../errors';
import type { NodeTransport, Request } from '../node-transport';
import type { ClusterNode } from './cluster-node';
import type { DeadlineQueue } from './deadline-queue';
import type { PartitionMap } from './partition-map';
import type { ResolvedPolicy } from './policy';
import { attemptInDoubt, classifyFailure } from './retry-classifier';
import type { Sleepers } from './retry-pause';
import type { Router } from './router';

/** What the executor needs from the cluster: its map, router, transport, scheduler and tend trigger. */
export interface ExecutionContext {
  readonly scheduler: SchedulerLike;
  readonly transport: NodeTransport;
  readonly router: Router;
  readonly maxErrorRate: number;
  /** Total-timeout deadlines of key commands, one scheduler action per millisecond they fall due in. */
  readonly deadlines: DeadlineQueue;
  /** Calls pausing between attempts (only while they pause): close() ends each at once. */
  readonly sleepers: Sleepers;
  currentMap(): PartitionMap<ClusterNode>;
  /** Asks for an early tend (at most one pending). */
  requestTend(): void;
  /** Throws client_closed once the cluster is closed. */
  ensureOpen(): void;
}

export interface KeyCommand<T> {
  /** `get`, `put`, … for errors and telemetry. */
  readonly command: string;
  readonly namespace: string;
  readonly set: string | undefined;
  readonly partition: number;
  /** Writes go to the master, stay on a timeout, and report in-doubt errors. */
  readonly write: boolean;
  /** The whole request frame; sent unchanged on every attempt. */
  readonly request: Request;
  /**
   * The reply body → the call's value; throws an AerospikeError for a failing result code. `nowMs`:
   * the scheduler's time when the attempt that got this reply started, the clock TTLs are read against.
   * `body` may be lent (ReplySink.borrowsBody): valid only during the call, so the value keeps no view of it.
   */
  readonly parse: (body: Buffer, nowMs: number) => T;
}

/** Per-read deadline when both the total and the socket timeout are 0 ("no limit"): one day. */
export const UNLIMITED_READ_DEADLINE_MS = 86_400_000;

/** The read deadline of an attempt: min(socket timeout, time left of the total), whichever are set. */
export function readDeadlineMs(policy: ResolvedPolicy, remainingMs: number): number {
  const socket = policy.socketTimeoutMs > 0 ? policy.socketTimeoutMs : Infinity;
  const deadline = Math.min(socket, remainingMs);
  return Number.isFinite(deadline) ? Math.max(1, Math.ceil(deadline)) : UNLIMITED_READ_DEADLINE_MS;
}

/** The error when no usable node holds a partition (none active, or the namespace is unknown). */
export function noNodeError(map: PartitionMap<ClusterNode>, namespace: string, partition: number): AerospikeError {
  const known = map.namespace(namespace) !== undefined;
  return new AerospikeError(
    'invalid_node',
    known ? `no active node holds partition ${partition} of namespace "${namespace}"` : `namespace "${namespace}" is not in the partition map (unknown namespace, or the cluster is empty)`,
  );
}

/**
 * Tracks one call's attempts: sequence, retries used, budget and in-doubt state, and decides after
 * each failure whether and where to try again. Shared by key commands and batch node groups.
 */
export class AttemptBudget {
  readonly startMs: number;
  readonly deadlineMs: number;
  attempts = 0;
  sequence = 0;
  private retriesUsed = 0;
  private freeRetries = 0;
  private inDoubt = false;
  lastNode: ClusterNode | undefined;
  /** ES private: inspect of a call must not walk into the scheduler's pending work (see key-command-executor). */
  readonly #scheduler: SchedulerLike;

  constructor(
    scheduler: SchedulerLike,
    readonly policy: ResolvedPolicy,
    private readonly write: boolean,
    /** Attempts whose request never left the client retry without using maxRetries, at most this many times. */
    private readonly freeRetryLimit: number,
  ) {
    this.#scheduler = scheduler;
    this.startMs = scheduler.now();
    this.deadlineMs = policy.totalTimeoutMs > 0 ? this.startMs + policy.totalTimeoutMs : Infinity;
  }

  remainingMs(): number {
    return this.deadlineMs - this.#scheduler.now();
  }

  /** The error the call ends with: the attempt's, labelled with its node and the call's in-doubt state. */
  finalError(error: unknown): unknown {
    if (!(error instanceof AerospikeError)) return error;
    return error.withContext(error.node ?? this.lastNode?.name, this.write && this.inDoubt);
  }

  /**
   * The error of a call that close() ended during an attempt that failed with `error`: `closed` (the
   * client_closed ensureOpen threw), with the call's in-doubt state, this attempt's included, the last
   * attempt's node, and `error` as its cause.
   */
  closedError(closed: unknown, error: unknown, sent: boolean): unknown {
    if (attemptInDoubt(error, sent)) this.inDoubt = true;
    if (!(closed instanceof AerospikeError)) return closed;
    return new AerospikeError(closed.code, closed.message, { node: this.lastNode?.name, inDoubt: this.write && this.inDoubt, cause: error });
  }

  /**
   * Records a failed attempt. Returns the pause before the next attempt, or throws the final error
   * when the failure is final, retries are used up, or the budget would be spent by the pause.
   */
  afterFailure(error: unknown, sent: boolean, node: ClusterNode | undefined): number {
    const kind = classifyFailure(error);
    if (attemptInDoubt(error, sent)) this.inDoubt = true;
    if (node !== undefined && kind.nodeError) node.errorCount++;
    if (!kind.retryable) throw this.finalError(error);
    if (kind.notSent && this.freeRetries < this.freeRetryLimit) this.freeRetries++;
    else if (++this.retriesUsed > this.policy.maxRetries) throw this.finalError(error);
    if (!this.write || kind.writeMoves) this.sequence++;
    const sleepMs = this.policy.sleepBetweenRetriesMs;
    if (this.remainingMs() - sleepMs <= 0) throw this.finalError(error);
    return sleepMs;
  }
}
