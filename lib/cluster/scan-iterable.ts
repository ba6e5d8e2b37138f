// The scan as an AsyncIterable with backpressure (client-design.md §C2 scanIterable): the same passes,
// partition tracking and retries as executeScan$, but each node's frames are pulled through the
// transport's frames() only as fast as the loop consumes records. `break` tears down every node's stream.

import { firstValueFrom } from 'rxjs';
import type { Connection } from '../node-transport';
import { AttemptBudget, noNodeError, readDeadlineMs, type ExecutionContext } from './executor';
import { PartitionTracker, type NodeAssignment } from './partition-tracker';
import type { ResolvedPolicy } from './policy';
import { chargeNodeFailure } from './retry-classifier';
import { retryPause$ } from './retry-pause';
import { nextTaskId, unavailableError, type ScanCommand } from './scan-executor';
import { ScanFrameReader } from './scan-frame-reader';
import { observableIterator } from './observable-iterator';

/** Records decoded per pull of an empty queue: a slow loop holds one frame's bytes, and only this many decoded records. */
const RECORDS_PER_PULL = 256;

/** Cold: nothing is sent until the first next(). */
export function scanIterable<T>(ctx: ExecutionContext, cmd: ScanCommand<T>, policy: ResolvedPolicy, maxConcurrentNodes = 0): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => passes(ctx, cmd, policy, maxConcurrentNodes),
  };
}

async function* passes<T>(ctx: ExecutionContext, cmd: ScanCommand<T>, policy: ResolvedPolicy, maxConcurrentNodes: number): AsyncGenerator<T, void, undefined> {
  ctx.ensureOpen();
  const tracker = new PartitionTracker(cmd.partitions.begin, cmd.partitions.count);
  const budget = new AttemptBudget(ctx.scheduler, policy, false, 2);
  const failures: { error: unknown }[] = [];
  // records the caller received: tracker.emitted also counts records a node decoded into its queue
  // (up to RECORDS_PER_PULL at once), which are still the caller's to get
  let yielded = 0;
  const enough = (): boolean => cmd.maxRecords !== undefined && yielded >= cmd.maxRecords;
  for (;;) {
    ctx.ensureOpen();
    const attempt = budget.attempts++;
    const { assignments, unroutable } = tracker.assign(ctx.currentMap(), ctx.router, cmd.namespace);
    if (unroutable.length > 0) failures.push({ error: noNodeError(ctx.currentMap(), cmd.namespace, unroutable[0]!) });
    const taskId = nextTaskId();
    const nodes = assignments.map((a) => new NodeScan(ctx, cmd, policy, tracker, budget, a, attempt, taskId, failures));
    const merged = mergeIterators<T>(nodes, maxConcurrentNodes > 0 ? maxConcurrentNodes : nodes.length);
    try {
      for (;;) {
        const step = await merged.next();
        if (step.done === true) break;
        yield step.value;
        yielded++;
        if (enough()) return;
      }
    } finally {
      await merged.return();
    }
    const remaining = tracker.remaining;
    if (remaining === 0 || enough()) return;
    const error = failures.pop()?.error ?? unavailableError(remaining, cmd.namespace);
    failures.length = 0;
    ctx.ensureOpen();
    const sleepMs = budget.afterFailure(error, false, undefined);
    if (sleepMs > 0) await firstValueFrom(retryPause$(ctx, sleepMs));
  }
}

/**
 * One node's share of a pass: checks out a connection, pulls frames, feeds the tracker, hands out
 * records. A retryable failure ends it quietly (its partitions move on); return() destroys its stream at once.
 */
class NodeScan<T> implements AsyncIterator<T> {
  private frames: AsyncIterator<Buffer> | undefined;
  private conn: Connection | undefined;
  private readonly ready: T[] = [];
  private readonly push = (value: T): boolean => (this.ready.push(value), true);
  /** The frame being handed out, a slice per pull (frames() does not lend frames: it stays valid). */
  private reader: ScanFrameReader<T> | undefined;
  private finished = false;
  private completed = false;
  /** A failure that ends the scan, thrown by next() after the records before it. */
  private fatal: { error: unknown } | undefined;

  constructor(
    private readonly ctx: ExecutionContext,
    private readonly cmd: ScanCommand<T>,
    private readonly policy: ResolvedPolicy,
    private readonly tracker: PartitionTracker,
    private readonly budget: AttemptBudget,
    private readonly assignment: NodeAssignment,
    private readonly attempt: number,
    private readonly taskId: bigint,
    private readonly failures: { error: unknown }[],
  ) {}

  async next(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.ready.length > 0) return { value: this.ready.shift()!, done: false };
      // a final failure is thrown once the records tracked before it are handed out (as scan$ emits them first)
      if (this.fatal !== undefined) {
        const { error } = this.fatal;
        this.fatal = undefined;
        throw error;
      }
      if (this.finished) return { value: undefined, done: true };
      try {
        // a frame is decoded a slice at a time, as the loop asks
        const reader = this.reader;
        if (reader !== undefined && !reader.done) {
          const error = reader.read(this.push, RECORDS_PER_PULL);
          if (reader.last) this.completed = true;
          // after the records tracked before it: they are handed out first (next() drains ready before it ends)
          if (error !== undefined) throw error;
          continue;
        }
        this.reader = undefined;
        const frames = this.frames ?? (await this.open());
        if (frames === undefined) continue;
        const step = await frames.next();
        if (this.finished) continue;
        if (step.done === true) {
          this.end(this.completed);
          continue;
        }
        this.reader = new ScanFrameReader(step.value, this.cmd, this.tracker, this.assignment.node.name, this.ctx.scheduler.now());
      } catch (error) {
        // after return() the stream is torn down on purpose: its error is not a failure
        if (!this.finished) this.fail(error);
      }
    }
  }

  async return(): Promise<IteratorResult<T>> {
    this.fatal = undefined;
    if (!this.finished) {
      this.finished = true;
      const frames = this.frames;
      this.release(false);
      await frames?.return?.();
    }
    return { value: undefined, done: true };
  }

  private async open(): Promise<AsyncIterator<Buffer> | undefined> {
    const { node, partitions } = this.assignment;
    const wanted = this.cmd.maxRecords === undefined ? undefined : this.cmd.maxRecords - this.tracker.emitted;
    // the other nodes already queued maxRecords (a node started late, maxConcurrentNodes): nothing to ask for
    if (wanted !== undefined && wanted <= 0) {
      this.finished = true;
      return undefined;
    }
    this.budget.lastNode = node;
    node.counters.commands++;
    const conn = await firstValueFrom(node.pool.checkout$());
    if (this.finished) {
      node.pool.discard(conn);
      return undefined;
    }
    this.conn = conn;
    const request = this.cmd.encode(partitions, (id) => this.tracker.digestOf(id), this.taskId, wanted);
    const deadline = readDeadlineMs(this.policy, this.budget.remainingMs());
    const opts = { useCompression: this.policy.useCompression, attempt: this.attempt };
    const transport = this.ctx.transport;
    // without frames() (a transport that lacks it) the stream is consumed without backpressure
    const source = transport.frames !== undefined ? transport.frames(conn, request, deadline, opts) : observableIterator(transport.stream$(conn, request, deadline, opts));
    this.frames = source[Symbol.asyncIterator]();
    return this.frames;
  }

  private end(clean: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (clean) this.tracker.nodeCompleted(this.assignment.partitions);
    else this.tracker.nodeFailed(this.assignment.partitions);
    this.release(clean);
  }

  private fail(error: unknown): void {
    if (!chargeNodeFailure(this.assignment.node, error, () => this.ctx.requestTend())) {
      this.finished = true;
      this.release(false);
      this.fatal = { error };
      return;
    }
    this.failures.push({ error });
    this.end(false);
  }

  private release(ok: boolean): void {
    const conn = this.conn;
    this.conn = undefined;
    if (conn === undefined) return;
    if (ok) this.assignment.node.pool.release(conn);
    else this.assignment.node.pool.discard(conn);
  }
}

/**
 * Pulls from up to `concurrency` iterators at once (one pending next() each), yielding whatever comes
 * first; return() returns every started iterator without waiting for their pending reads.
 */
function mergeIterators<T>(sources: readonly AsyncIterator<T>[], concurrency: number): { next(): Promise<IteratorResult<T>>; return(): Promise<void> } {
  const waiting = [...sources];
  const pending = new Map<AsyncIterator<T>, Promise<{ source: AsyncIterator<T>; step: IteratorResult<T> }>>();
  const pull = (source: AsyncIterator<T>): void => {
    const p = source.next().then((step) => ({ source, step }));
    p.catch(() => undefined); // observed in next(); a rejection after return() must not go unhandled
    pending.set(source, p);
  };
  const fill = (): void => {
    while (pending.size < Math.max(1, concurrency) && waiting.length > 0) pull(waiting.shift()!);
  };
  return {
    async next(): Promise<IteratorResult<T>> {
      fill();
      while (pending.size > 0) {
        const { source, step } = await Promise.race(pending.values());
        pending.delete(source);
        if (step.done === true) {
          fill();
          continue;
        }
        pull(source);
        return step;
      }
      return { value: undefined, done: true };
    },
    async return(): Promise<void> {
      const started = [...pending.keys()];
      pending.clear();
      waiting.length = 0;
      await Promise.all(started.map((s) => s.return?.()));
    },
  };
}
