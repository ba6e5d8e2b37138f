// The attempt loop of a single-key command (client-design.md §C5, cluster.md §7): route → pool →
// command$ with the read deadline → parse, retried by RxJS `retry` on the injected scheduler within
// the total budget. Owns the in-doubt rule for writes and the command span; never touches a socket.

import { defer, map, of, retry, throwError, timeout, timer, type Observable, type SchedulerLike } from 'rxjs';
import { AerospikeError } from '../errors';
import type { NodeTransport, Request } from '../node-transport';
import type { ClusterNode } from './cluster-node';
import { withCommandSpan } from './command-span';
import type { PartitionMap } from './partition-map';
import type { ResolvedPolicy } from './policy';
import { withPooledConnection$ } from './pooled-connection';
import { attemptInDoubt, classifyFailure } from './retry-classifier';
import type { Router } from './router';

/** What the executor needs from the cluster: its map, router, transport, scheduler and tend trigger. */
export interface ExecutionContext {
  readonly scheduler: SchedulerLike;
  readonly transport: NodeTransport;
  readonly router: Router;
  readonly maxErrorRate: number;
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
  /** The reply body → the call's value; throws an AerospikeError for a failing result code. */
  readonly parse: (body: Buffer) => T;
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

  constructor(
    private readonly scheduler: SchedulerLike,
    readonly policy: ResolvedPolicy,
    private readonly write: boolean,
    /** Attempts whose request never left the client retry without using maxRetries, at most this many times. */
    private readonly freeRetryLimit: number,
  ) {
    this.startMs = scheduler.now();
    this.deadlineMs = policy.totalTimeoutMs > 0 ? this.startMs + policy.totalTimeoutMs : Infinity;
  }

  remainingMs(): number {
    return this.deadlineMs - this.scheduler.now();
  }

  /** The error the call ends with: the attempt's, labelled with its node and the call's in-doubt state. */
  finalError(error: unknown): unknown {
    if (!(error instanceof AerospikeError)) return error;
    return error.withContext(error.node ?? this.lastNode?.name, this.write && this.inDoubt);
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

/** Runs a single-key command with retries; cold, and cancellable at any point. */
export function executeKeyCommand$<T>(ctx: ExecutionContext, cmd: KeyCommand<T>, policy: ResolvedPolicy): Observable<T> {
  return defer(() => {
    ctx.ensureOpen();
    const map0 = ctx.currentMap();
    const replicas = map0.namespace(cmd.namespace)?.replicaCount ?? 1;
    const budget = new AttemptBudget(ctx.scheduler, policy, cmd.write, Math.max(1, replicas));
    let sent = false;
    let node: ClusterNode | undefined;
    const attempt$ = defer((): Observable<T> => {
      sent = false;
      node = undefined;
      const attempt = budget.attempts++;
      const partitions = ctx.currentMap();
      const previous = budget.lastNode;
      node = cmd.write
        ? ctx.router.write(partitions, cmd.namespace, cmd.partition, policy.replica, budget.sequence)
        : ctx.router.read(partitions, cmd.namespace, cmd.partition, policy.replica, budget.sequence, previous);
      if (node === undefined) return throwError(() => noNodeError(partitions, cmd.namespace, cmd.partition));
      budget.lastNode = node;
      const target = node;
      if (target.errorCount > ctx.maxErrorRate) {
        return throwError(() => new AerospikeError('max_error_rate', `node ${target.name} had ${target.errorCount} errors this window (maxErrorRate ${ctx.maxErrorRate})`, { node: target.name }));
      }
      const remaining = budget.remainingMs();
      const deadline = readDeadlineMs(policy, remaining);
      target.counters.commands++;
      const reply$ = withPooledConnection$(
        target.pool,
        (conn) =>
          defer(() => {
            sent = true;
            return ctx.transport.command$(conn, cmd.request, deadline, { useCompression: policy.useCompression, attempt });
          }),
        'value',
      ).pipe(map((body) => cmd.parse(body)));
      if (!Number.isFinite(remaining)) return reply$;
      return reply$.pipe(
        timeout({
          first: Math.max(1, remaining),
          scheduler: ctx.scheduler,
          with: () =>
            throwError(
              () => new AerospikeError('timeout', `${cmd.command} exceeded its total timeout of ${policy.totalTimeoutMs} ms (attempt ${attempt + 1})`, { node: target.name, inDoubt: sent }),
            ),
        }),
      );
    });
    return attempt$.pipe(
      retry({
        delay: (error: unknown) => {
          // close() ends every call: no attempt after it
          ctx.ensureOpen();
          if (node !== undefined && error instanceof AerospikeError && error.code !== 'max_error_rate') node.counters.commandErrors++;
          if (classifyFailure(error).requestTend) ctx.requestTend();
          const sleepMs = budget.afterFailure(error, sent, node);
          return sleepMs > 0 ? timer(sleepMs, ctx.scheduler) : of(0);
        },
      }),
      withCommandSpan(() => ({ command: cmd.command, namespace: cmd.namespace, set: cmd.set, partition: cmd.partition }), budget, true),
    );
  });
}
