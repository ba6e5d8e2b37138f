// Partition scans across the cluster (client-design.md §C5 Scan, cluster.md §11): each pass sends every
// node the unfinished partitions it holds (resuming after their last digest), nodes in parallel;
// refused partitions and failed nodes are retried on the next replica in the next pass, with a fresh
// task id, up to maxRetries passes within the budget. Each record is emitted exactly once.

import { catchError, concat, defer, EMPTY, from, mergeMap, of, take, tap, type Observable } from 'rxjs';
import { AerospikeError } from '../errors';
import type { DecodedRecord } from '../protocol/record';
import { ResultCode } from '../protocol/result-codes';
import { withCommandSpan } from './command-span';
import { AttemptBudget, noNodeError, readDeadlineMs, type ExecutionContext } from './executor';
import { PartitionTracker, type NodeAssignment } from './partition-tracker';
import type { ResolvedPolicy } from './policy';
import { withPooledConnection$ } from './pooled-connection';
import { chargeNodeFailure } from './retry-classifier';
import { retryPause$ } from './retry-pause';
import { frameRecords$, ScanFrameReader } from './scan-frame-reader';

export interface ScanCommand<T> {
  readonly command: string;
  readonly namespace: string;
  readonly set: string | undefined;
  /** Partitions to scan: default all 4096. */
  readonly partitions: { readonly begin: number; readonly count: number };
  /** Stop after this many records (undefined: all). */
  readonly maxRecords: number | undefined;
  /**
   * The request for one node of one pass: its partitions, the digest each resumes after (undefined:
   * scan it whole; valid during the call only), a fresh task id, the records still wanted.
   */
  readonly encode: (partitions: readonly number[], resumeAfter: (id: number) => Buffer | undefined, taskId: bigint, maxRecords: number | undefined) => Buffer;
  /** The record as emitted; `nowMs`: the clock when its frame arrived (TTLs are read against it). */
  readonly parse: (record: DecodedRecord, nowMs: number) => T;
}

let taskCounter = BigInt(Math.floor(Math.random() * 2 ** 48)) << 8n;

/** A task id no other pass of this process uses (the server refuses a reused id with result 4). */
export function nextTaskId(): bigint {
  taskCounter = (taskCounter + 1n) & 0xffff_ffff_ffff_ffffn;
  return taskCounter === 0n ? nextTaskId() : taskCounter;
}

/** The error a pass ends with when partitions remain but no node failed: they were refused or unroutable. */
export function unavailableError(remaining: number, namespace: string): AerospikeError {
  return new AerospikeError('partition_unavailable', `${remaining} partitions of namespace "${namespace}" could not be scanned`, { resultCode: ResultCode.PARTITION_UNAVAILABLE });
}

/**
 * Cold: emits each record as it arrives from every node (up to `maxConcurrentNodes` at once, 0 = all),
 * then completes. Unsubscribing tears down every node's stream (their sockets are destroyed).
 */
export function executeScan$<T>(ctx: ExecutionContext, cmd: ScanCommand<T>, policy: ResolvedPolicy, maxConcurrentNodes = 0): Observable<T> {
  return defer(() => {
    ctx.ensureOpen();
    const tracker = new PartitionTracker(cmd.partitions.begin, cmd.partitions.count);
    const budget = new AttemptBudget(ctx.scheduler, policy, false, 2);
    let lastError: unknown;

    const nodeStream$ = (assignment: NodeAssignment, attempt: number, taskId: bigint): Observable<T> => {
      const { node, partitions } = assignment;
      budget.lastNode = node;
      node.counters.commands++;
      const wanted = cmd.maxRecords === undefined ? undefined : cmd.maxRecords - tracker.emitted;
      const request = cmd.encode(partitions, (id) => tracker.digestOf(id), taskId, wanted);
      const deadline = readDeadlineMs(policy, budget.remainingMs());
      let completed = false;
      return withPooledConnection$(node.pool, (conn) => ctx.transport.stream$(conn, request, deadline, { useCompression: policy.useCompression, attempt, lendFrames: true }), 'complete').pipe(
        mergeMap((frame) => {
          const reader = new ScanFrameReader(frame, cmd, tracker, node.name, ctx.scheduler.now());
          return frameRecords$(reader).pipe(tap({ complete: () => (completed ||= reader.last) }));
        }),
        tap({
          complete: () => {
            if (completed) tracker.nodeCompleted(partitions);
            else tracker.nodeFailed(partitions);
          },
        }),
        catchError((error: unknown) => {
          if (!chargeNodeFailure(node, error, () => ctx.requestTend())) throw error;
          tracker.nodeFailed(partitions);
          lastError = error;
          return EMPTY;
        }),
      );
    };

    const pass$ = (): Observable<T> =>
      defer(() => {
        ctx.ensureOpen();
        const attempt = budget.attempts++;
        const { assignments, unroutable } = tracker.assign(ctx.currentMap(), ctx.router, cmd.namespace);
        if (unroutable.length > 0) lastError = noNodeError(ctx.currentMap(), cmd.namespace, unroutable[0]!);
        const taskId = nextTaskId();
        return concat(
          from(assignments).pipe(mergeMap((a) => nodeStream$(a, attempt, taskId), maxConcurrentNodes > 0 ? maxConcurrentNodes : Infinity)),
          defer(() => afterPass$()),
        );
      });

    const afterPass$ = (): Observable<T> => {
      const remaining = tracker.remaining;
      if (remaining === 0 || (cmd.maxRecords !== undefined && tracker.emitted >= cmd.maxRecords)) return EMPTY;
      // partitions remain: a node failed (lastError), or nodes refused them with PARTITION_DONE
      const error = lastError ?? unavailableError(remaining, cmd.namespace);
      lastError = undefined;
      ctx.ensureOpen();
      const sleepMs = budget.afterFailure(error, false, undefined);
      return (sleepMs > 0 ? retryPause$(ctx, sleepMs) : of(0)).pipe(mergeMap(() => pass$()));
    };

    const all$ = pass$();
    return (cmd.maxRecords === undefined ? all$ : all$.pipe(take(cmd.maxRecords))).pipe(
      withCommandSpan(() => ({ command: cmd.command, namespace: cmd.namespace, set: cmd.set, partition: undefined }), budget),
    );
  });
}
