// Multi-key reads across the cluster (client-design.md §C5 Batch, cluster.md §10 J): keys grouped by
// the node their replica policy routes to, one request per node, nodes in parallel; a node that fails
// has only its keys regrouped on their next replica within the call's budget; results by caller index.

import { catchError, concat, defer, EMPTY, from, ignoreElements, map, mergeMap, of, throwError, timeout, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import { AerospikeError } from '../errors';
import { decodeRecords, type DecodedRecord } from '../protocol/record';
import { ResultCode } from '../protocol/result-codes';
import { cappedScheduler, MAX_TIMER_DELAY_MS } from './capped-delay';
import type { ClusterNode } from './cluster-node';
import { withCommandSpan } from './command-span';
import { AttemptBudget, noNodeError, readDeadlineMs, type ExecutionContext } from './executor';
import type { ResolvedPolicy } from './policy';
import { withPooledConnection$ } from './pooled-connection';
import { chargeNodeFailure } from './retry-classifier';
import { retryPause$ } from './retry-pause';

export interface BatchKey {
  readonly namespace: string;
  readonly partition: number;
}

export interface BatchCommand<K extends BatchKey, T> {
  readonly command: string;
  readonly keys: readonly K[];
  /** The request for one node: its keys with their caller indexes (sent on the wire, echoed in replies). */
  readonly encode: (entries: readonly { readonly key: K; readonly index: number }[]) => Buffer;
  /** A reply record (result 0, or 2 key-not-found) → the value at its index. */
  readonly parse: (record: DecodedRecord, index: number) => T;
  /** Value for a key the server reported missing (result 2) or filtered out (27). */
  readonly missing: T;
}

/** Per-key result codes that are retried on the key's next replica rather than failing the batch. */
const RETRYABLE_KEY_CODES: ReadonlySet<number> = new Set([ResultCode.TIMEOUT, ResultCode.PARTITION_UNAVAILABLE, ResultCode.KEY_BUSY, ResultCode.DEVICE_OVERLOAD]);

interface Group<K> {
  readonly node: ClusterNode;
  readonly entries: { readonly key: K; readonly index: number }[];
}

/**
 * Cold: emits the results array (caller order) once every key has a result, then completes. Node
 * requests run in parallel up to `maxConcurrentNodes` (0 = all). Cancelling destroys every in-flight socket.
 */
export function executeBatch$<K extends BatchKey, T>(ctx: ExecutionContext, cmd: BatchCommand<K, T>, policy: ResolvedPolicy, maxConcurrentNodes = 0): Observable<T[]> {
  return defer(() => {
    ctx.ensureOpen();
    const results = new Array<T>(cmd.keys.length);
    const pending = new Set<number>(cmd.keys.map((_, i) => i));
    const sequences = new Uint32Array(cmd.keys.length);
    // per key: the tag of the node request whose reply has yet to answer it (0: none)
    const awaiting = new Uint32Array(cmd.keys.length);
    let groupTags = 0;
    const budget = new AttemptBudget(ctx.scheduler, policy, false, 2);
    if (pending.size === 0) return of(results);

    const runGroup$ = (group: Group<K>, attempt: number): Observable<void> => {
      const remaining = budget.remainingMs();
      const deadline = readDeadlineMs(policy, remaining);
      const node = group.node;
      node.counters.commands++;
      const request = cmd.encode(group.entries);
      // its keys await this request's reply, which must answer each of them once
      const tag = ++groupTags;
      for (const entry of group.entries) awaiting[entry.index] = tag;
      const failures: { index: number; error: AerospikeError }[] = [];
      return withPooledConnection$(node.pool, (conn) => ctx.transport.commandStream$(conn, request, deadline, { useCompression: policy.useCompression, attempt }), 'value').pipe(
        map((body) => {
          const malformed = (what: string, cause?: unknown) => new AerospikeError('parse_error', `${cmd.command} reply from node ${node.name}: ${what}`, { node: node.name, cause });
          let answered = 0;
          const records = decodeRecords(body);
          for (let i = 0; i < records.length; i++) {
            const record = records[i]!;
            if (record.last) {
              const error = record.resultCode !== 0 ? AerospikeError.fromResultCode(record.resultCode, `${cmd.command} on node ${node.name}`, { node: node.name }) : undefined;
              // a LAST record ends the reply (protocol.md §4.1): a record after it is not the server's answer
              if (i < records.length - 1) throw malformed(`${records.length - 1 - i} records follow the LAST record`, error);
              if (error !== undefined) throw error;
              continue;
            }
            const index = record.batchIndex;
            if (index >= awaiting.length || awaiting[index] !== tag) {
              const why = index >= awaiting.length ? `out of range (${awaiting.length} keys)` : group.entries.some((e) => e.index === index) ? 'answered twice' : 'not in its request';
              throw malformed(`batch index ${index} is ${why}`);
            }
            awaiting[index] = 0;
            answered++;
            const code = record.resultCode;
            if (code === ResultCode.OK) results[index] = cmd.parse(record, index);
            else if (code === ResultCode.KEY_NOT_FOUND || code === ResultCode.FILTERED_OUT) results[index] = cmd.missing;
            else {
              failures.push({ index, error: AerospikeError.fromResultCode(code, `${cmd.command} of key ${index}`, { node: node.name }) });
              continue;
            }
            pending.delete(index);
          }
          // the reply was read to its LAST record: a key it left out would otherwise wait for ever
          if (answered < group.entries.length) {
            throw malformed(`no result for batch index ${group.entries.filter((e) => awaiting[e.index] === tag).map((e) => e.index).join(', ')}`);
          }
          const fatal = failures.find((f) => !RETRYABLE_KEY_CODES.has(f.error.resultCode!));
          if (fatal !== undefined) throw fatal.error;
          // keys answered with a retryable code stay pending and move on like the keys of a failed node
          if (failures.length > 0) throw failures[0]!.error;
        }),
        budgetTimeout(ctx, remaining, cmd.command, node),
        ignoreElements(),
        catchError((error: unknown) => {
          if (!chargeNodeFailure(node, error, () => ctx.requestTend())) throw error;
          // a retryable node failure: only its keys move to their next replica
          for (const entry of group.entries) if (pending.has(entry.index)) sequences[entry.index]!++;
          lastError = error;
          return EMPTY;
        }),
      );
    };

    let lastError: unknown;
    const round$ = (): Observable<T[]> =>
      defer(() => {
        const attempt = budget.attempts++;
        // this round's failures only: a key left pending is explained by an error of the round that left it
        lastError = undefined;
        const groups = groupByNode(ctx, cmd, policy, pending, sequences, (error) => (lastError = error));
        const concurrency = maxConcurrentNodes > 0 ? maxConcurrentNodes : Infinity;
        return concat(from(groups).pipe(mergeMap((g) => runGroup$(g, attempt), concurrency), ignoreElements()), defer(() => afterRound$()));
      });
    // every key answered: the results; else the next round after the pause, or the final error
    const afterRound$ = (): Observable<T[]> => {
      if (pending.size === 0) return of(results);
      ctx.ensureOpen();
      // every pending key had a failure of this round recorded; a typed error all the same, should one not
      const error = lastError ?? new AerospikeError('server_error', `${cmd.command}: ${pending.size} keys got no result and no error`);
      const sleepMs = budget.afterFailure(error, false, undefined);
      return (sleepMs > 0 ? retryPause$(ctx, sleepMs) : of(0)).pipe(mergeMap(() => round$()));
    };

    return round$().pipe(withCommandSpan(() => ({ command: cmd.command, namespace: cmd.keys[0]?.namespace ?? '', set: undefined, partition: undefined }), budget, true));
  });
}

/** Pending keys by routed node, nodes in first-seen order; keys with no usable node wait for the next round. */
function groupByNode<K extends BatchKey, T>(
  ctx: ExecutionContext,
  cmd: BatchCommand<K, T>,
  policy: ResolvedPolicy,
  pending: ReadonlySet<number>,
  sequences: Uint32Array,
  noNode: (error: AerospikeError) => void,
): Group<K>[] {
  const map = ctx.currentMap();
  const groups = new Map<ClusterNode, Group<K>>();
  for (const index of pending) {
    const key = cmd.keys[index]!;
    const node = ctx.router.read(map, key.namespace, key.partition, policy.replica, sequences[index]!);
    if (node === undefined) {
      noNode(noNodeError(map, key.namespace, key.partition));
      sequences[index]!++;
      continue;
    }
    // past the replicas the walk skipped (Router.landed): a retry moves on from this node
    sequences[index] = ctx.router.landed;
    let group = groups.get(node);
    if (group === undefined) groups.set(node, (group = { node, entries: [] }));
    group.entries.push({ key, index });
  }
  return [...groups.values()];
}

/** Bounds one node request by what is left of the call's total budget (none when unlimited). */
function budgetTimeout<T>(ctx: ExecutionContext, remainingMs: number, command: string, node: ClusterNode): MonoTypeOperatorFunction<T> {
  if (!Number.isFinite(remainingMs)) return (source) => source;
  return timeout({
    first: Math.max(1, remainingMs),
    scheduler: remainingMs > MAX_TIMER_DELAY_MS ? cappedScheduler(ctx.scheduler) : ctx.scheduler,
    with: () => throwError(() => new AerospikeError('timeout', `${command} exceeded its total timeout on node ${node.name}`, { node: node.name })),
  });
}
