// The attempt loop of a single-key command (client-design.md §C5) as one Observable with its state in
// one object per call: route → pooled connection → command$ → parse, retried within the total budget.
// Same contract as defer/retry/timeout/withCommandSpan composed, minus their per-call subscribers and closures.

import { Observable, Subscriber, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import { AerospikeError } from '../errors';
import type { CommandOptions, Connection, PendingCall, ReplySink } from '../node-transport';
import { clusterChannels, finishSpan, hasSpanSubscribers, type CommandSpanContext } from '../telemetry';
import type { ClusterNode } from './cluster-node';
import { scheduleCapped } from './capped-delay';
import { commandCall } from './command-call';
import { AttemptBudget, noNodeError, readDeadlineMs, type ExecutionContext, type KeyCommand } from './executor';
import type { ResolvedPolicy } from './policy';
import type { DeadlineGroup, DeadlineHolder } from './deadline-queue';
import { clientClosedError, type Sleeper } from './retry-pause';
import { classifyFailure, replyLeavesConnectionReusable } from './retry-classifier';

/** Runs a single-key command with retries; cold, and cancellable at any point. */
export function executeKeyCommand$<T>(ctx: ExecutionContext, cmd: KeyCommand<T>, policy: ResolvedPolicy): Observable<T> {
  return new KeyCommandObservable(ctx, cmd, policy);
}

/**
 * The call as an Observable that holds its arguments, so its subscribe function is one function, not a
 * closure per call. ES private fields: util.inspect of a call must not walk into the cluster (options,
 * credentials), which a closure hid before.
 */
class KeyCommandObservable<T> extends Observable<T> {
  readonly #ctx: ExecutionContext;
  readonly #cmd: KeyCommand<T>;
  readonly #policy: ResolvedPolicy;

  constructor(ctx: ExecutionContext, cmd: KeyCommand<T>, policy: ResolvedPolicy) {
    super(KeyCommandObservable.#subscribe);
    this.#ctx = ctx;
    this.#cmd = cmd;
    this.#policy = policy;
  }

  static #subscribe<T>(this: Observable<T>, subscriber: Subscriber<T>): KeyCommandRun<T> {
    const self = this as KeyCommandObservable<T>;
    // close() ends every call: none starts after it (thrown here, it reaches the subscriber as the error)
    self.#ctx.ensureOpen();
    return new KeyCommandRun(self.#ctx, self.#cmd, self.#policy, subscriber).start();
  }
}

/** An attempt's subscriber to the pool's checkout$ when no idle connection was at hand. */
class CheckoutSubscriber<T> extends Subscriber<Connection> {
  constructor(private readonly run: KeyCommandRun<T>) {
    super();
  }

  protected override _next(conn: Connection): void {
    this.run.onCheckedOut(this, conn);
  }

  protected override _error(error: unknown): void {
    this.run.onAttemptError(this, error);
  }

  protected override _complete(): void {
    // the connection came with next; checkout$ completes right after it
  }
}

function retryWork<T>(this: SchedulerAction<KeyCommandRun<T>>, run?: KeyCommandRun<T>): void {
  run!.retryNow();
}

/**
 * A pause between attempts: its timer, the failure that led to it, and its place among the cluster's
 * sleepers while it lasts (close() wakes it). Made only when a call pauses. ES private, as the run's fields.
 */
class RetrySleep<T> implements Sleeper {
  readonly #run: KeyCommandRun<T>;
  readonly #error: unknown;
  #timer: Subscription | undefined;

  constructor(run: KeyCommandRun<T>, error: unknown) {
    this.#run = run;
    this.#error = error;
  }

  get error(): unknown {
    return this.#error;
  }

  start(scheduler: SchedulerLike, delayMs: number): void {
    this.#timer = scheduleCapped(scheduler, retryWork, delayMs, this.#run);
  }

  cancel(): void {
    this.#timer?.unsubscribe();
    this.#timer = undefined;
  }

  wakeOnClose(): void {
    this.#run.wokenByClose(this);
  }
}

/** command$ options per (compression, attempt): the same few objects for every call instead of one per attempt. */
const COMMAND_OPTIONS: readonly CommandOptions[][] = [[], []];

function commandOptions(useCompression: boolean, attempt: number): CommandOptions {
  const row = COMMAND_OPTIONS[useCompression ? 1 : 0]!;
  if (attempt >= 16) return { useCompression, attempt };
  return (row[attempt] ??= { useCompression, attempt });
}

const enum Phase {
  Running,
  Sleeping,
  Done,
}

/**
 * The state of one call, and the ReplySink of its attempts' command calls. Order of effects matches the
 * operator chain it replaces (marble specs hold it to virtual time): an attempt checks out and sends its
 * command before its total-timeout timer is scheduled; a failed attempt is torn down (connection
 * discarded) before the retry decision; a reply releases the connection, cancels the timer and ends the
 * span before its value is emitted, and the call completes right after it.
 */
class KeyCommandRun<T> implements DeadlineHolder, ReplySink {
  /** KeyCommand.parse keeps no view of a reply: the transport may lend its read buffer (no copy per reply). */
  readonly borrowsBody = true;
  // Every field that leads to another object is ES private: the run is its subscription's teardown, and
  // util.inspect of a caller's Subscription must not walk into the connection, the pool or the
  // scheduler's pending work (the secrets spec found a session token through a FakeTransport connection).
  readonly #ctx: ExecutionContext;
  readonly #cmd: KeyCommand<T>;
  readonly #policy: ResolvedPolicy;
  readonly #subscriber: Subscriber<T>;
  readonly #budget: AttemptBudget;
  readonly #span: CommandSpanContext | undefined;
  private spanEnded = false;
  private phase = Phase.Running;
  /** The request of the current attempt left the client. */
  private sent = false;
  #node: ClusterNode | undefined;
  private attemptNo = 0;
  /** The scheduler's time when the current attempt started; its replies' TTLs are read against it. */
  private attemptStartMs = 0;
  private remainingMs = 0;
  #conn: Connection | undefined;
  private connReturned = false;
  /** The current attempt's reply was parsed and emitted. */
  private replied = false;
  #checkout: CheckoutSubscriber<T> | undefined;
  /** The current attempt's command call, while it is pending. */
  #call: PendingCall | undefined;
  /** The current attempt's command call has replied or failed (possibly before commandCall returned). */
  private callSettled = false;
  /** The total-timeout deadline of the current attempt: its group in ctx.deadlines and its slot there. */
  #deadline: DeadlineGroup | undefined;
  private deadlineSlot = 0;
  #sleep: RetrySleep<T> | undefined;
  /** Set while attempts run synchronously in start()/retryNow(): a failure then loops instead of recursing. */
  private looping = false;
  private again = false;

  constructor(ctx: ExecutionContext, cmd: KeyCommand<T>, policy: ResolvedPolicy, subscriber: Subscriber<T>) {
    this.#ctx = ctx;
    this.#cmd = cmd;
    this.#policy = policy;
    this.#subscriber = subscriber;
    const replicas = ctx.currentMap().namespace(cmd.namespace)?.replicaCount ?? 1;
    this.#budget = new AttemptBudget(ctx.scheduler, policy, cmd.write, Math.max(1, replicas));
    if (hasSpanSubscribers(clusterChannels.command)) {
      const span: CommandSpanContext = { command: cmd.command, namespace: cmd.namespace, set: cmd.set, partition: cmd.partition, attempts: 0, node: undefined };
      clusterChannels.command.start.publish(span);
      clusterChannels.command.end.publish(span);
      this.#span = span;
    }
  }

  /** Runs the first attempt; the run itself is the call's teardown (unsubscribe()), so no closure is made per call. */
  start(): this {
    this.loop();
    return this;
  }

  retryNow(): void {
    // the timer has fired: only the cluster's sleepers still hold the pause
    const sleep = this.#sleep;
    this.#sleep = undefined;
    if (sleep !== undefined) this.#ctx.sleepers.delete(sleep);
    if (this.phase !== Phase.Sleeping) return;
    this.phase = Phase.Running;
    this.loop();
  }

  private loop(): void {
    this.looping = true;
    do {
      this.again = false;
      this.attempt();
    } while (this.again && this.phase === Phase.Running);
    this.looping = false;
  }

  private attempt(): void {
    const ctx = this.#ctx;
    const cmd = this.#cmd;
    const policy = this.#policy;
    const budget = this.#budget;
    this.sent = false;
    this.#node = undefined;
    this.#conn = undefined;
    this.connReturned = false;
    this.replied = false;
    this.attemptNo = budget.attempts++;
    const partitions = ctx.currentMap();
    const node = cmd.write
      ? ctx.router.write(partitions, cmd.namespace, cmd.partition, policy.replica, budget.sequence)
      : ctx.router.read(partitions, cmd.namespace, cmd.partition, policy.replica, budget.sequence, budget.lastNode);
    // past the replicas the walk skipped: a retry that moves goes on from this node, not back to it
    budget.sequence = ctx.router.landed;
    this.#node = node;
    if (node === undefined) {
      this.failed(noNodeError(partitions, cmd.namespace, cmd.partition));
      return;
    }
    budget.lastNode = node;
    if (node.errorCount > ctx.maxErrorRate) {
      this.failed(new AerospikeError('max_error_rate', `node ${node.name} had ${node.errorCount} errors this window (maxErrorRate ${ctx.maxErrorRate})`, { node: node.name }));
      return;
    }
    // the first attempt starts when the call does: the budget's clock reading serves it (the pool's too)
    const nowMs = this.attemptNo === 0 ? budget.startMs : ctx.scheduler.now();
    this.attemptStartMs = nowMs;
    this.remainingMs = budget.deadlineMs - nowMs;
    node.counters.commands++;
    const conn = node.pool.tryCheckout(nowMs);
    if (conn !== undefined) {
      this.onCheckedOut(undefined, conn);
    } else {
      const checkout = new CheckoutSubscriber(this);
      this.#checkout = checkout;
      node.pool.checkout$().subscribe(checkout);
    }
    // the attempt may have ended synchronously (a refused checkout, an immediate reply)
    if (this.phase === Phase.Running && !this.replied && (this.#checkout !== undefined || this.#call !== undefined) && Number.isFinite(this.remainingMs)) {
      const group = ctx.deadlines.add(this, this.attemptNo === 0 ? budget.deadlineMs : nowMs + Math.max(1, this.remainingMs));
      this.#deadline = group;
      this.deadlineSlot = group.holders.length - 1;
    }
  }

  onCheckedOut(from: CheckoutSubscriber<T> | undefined, conn: Connection): void {
    if (from !== this.#checkout) return;
    this.#conn = conn;
    this.sent = true;
    this.callSettled = false;
    const attemptNo = this.attemptNo;
    let call: PendingCall;
    try {
      const deadline = readDeadlineMs(this.#policy, this.remainingMs);
      call = commandCall(this.#ctx.transport, conn, this.#cmd.request, deadline, commandOptions(this.#policy.useCompression, this.attemptNo), this);
    } catch (error) {
      this.giveBack(false);
      this.failed(error);
      return;
    }
    // kept only while pending: the outcome may have come (and a retry started) before commandCall returned
    if (!this.callSettled && this.attemptNo === attemptNo && this.phase === Phase.Running) this.#call = call;
  }

  /** ReplySink: the attempt's reply; the call's value (or its retry, when the reply is a failure). */
  reply(body: Buffer): void {
    if (this.callSettled || this.phase !== Phase.Running) return;
    this.callSettled = true;
    this.#call = undefined;
    let value: T;
    try {
      // parsed before the connection goes back: a lent body stays untouched while it is read, and a
      // reply that cannot be parsed closes its connection instead of returning it to the pool
      value = this.#cmd.parse(body, this.attemptStartMs);
    } catch (error) {
      this.giveBack(replyLeavesConnectionReusable(error));
      this.failed(error);
      return;
    }
    this.giveBack(true);
    this.replied = true;
    this.cancelTimer();
    this.endSpan('ok');
    this.#subscriber.next(value);
    // the subscriber may have left inside next()
    if (this.phase !== Phase.Running) return;
    this.endAttempt();
    this.phase = Phase.Done;
    this.#subscriber.complete();
  }

  /** ReplySink: the attempt failed (its socket is destroyed): retry or end the call. */
  fail(error: unknown): void {
    if (this.callSettled || this.phase !== Phase.Running) return;
    this.callSettled = true;
    this.#call = undefined;
    this.giveBack(false);
    this.failed(error);
  }

  onAttemptError(from: Subscriber<unknown>, error: unknown): void {
    if (from !== this.#checkout) return;
    this.giveBack(false);
    this.failed(error);
  }

  onDeadline(): void {
    this.#deadline = undefined;
    if (this.phase !== Phase.Running) return;
    const node = this.#node!;
    const sent = this.sent;
    // the attempt is cut short first (socket destroyed, connection discarded), then fails
    this.teardownAttempt();
    this.failed(
      new AerospikeError('timeout', `${this.#cmd.command} exceeded its total timeout of ${this.#policy.totalTimeoutMs} ms (attempt ${this.attemptNo + 1})`, {
        node: node.name,
        inDoubt: sent,
      }),
    );
  }

  /** The current attempt failed with `error`: retry now, after the pause, or end the call. */
  private failed(error: unknown): void {
    const ctx = this.#ctx;
    const budget = this.#budget;
    const node = this.#node;
    try {
      ctx.ensureOpen();
    } catch (closed) {
      // close() ended the attempt: the caller learns the client closed, and what the attempt may have done
      this.end(budget.closedError(closed, error, this.sent));
      return;
    }
    let sleepMs: number;
    try {
      if (node !== undefined && error instanceof AerospikeError && error.code !== 'max_error_rate') node.counters.commandErrors++;
      if (classifyFailure(error).requestTend) ctx.requestTend();
      sleepMs = budget.afterFailure(error, this.sent, node);
    } catch (final) {
      this.end(final);
      return;
    }
    if (sleepMs > 0) {
      this.phase = Phase.Sleeping;
      const sleep = new RetrySleep(this, error);
      this.#sleep = sleep;
      // close() during the pause ends the call then: the cluster knows it while it pauses
      ctx.sleepers.add(sleep);
      sleep.start(ctx.scheduler, sleepMs);
      this.teardownAttempt();
      return;
    }
    this.teardownAttempt();
    if (this.looping) this.again = true;
    else this.loop();
  }

  /** close() ran during the pause: the call ends now, as when close() ends an attempt, caused by the failure before the pause. */
  wokenByClose(sleep: RetrySleep<T>): void {
    if (sleep !== this.#sleep || this.phase !== Phase.Sleeping) return;
    this.wakeUp();
    this.end(this.#budget.closedError(clientClosedError(), sleep.error, false));
  }

  /** The pause is over (or cut short): its timer cancelled, and the cluster's sleepers no longer hold it. */
  private wakeUp(): void {
    const sleep = this.#sleep;
    if (sleep === undefined) return;
    this.#sleep = undefined;
    sleep.cancel();
    this.#ctx.sleepers.delete(sleep);
  }

  /** The call ends with `final`. */
  private end(final: unknown): void {
    this.phase = Phase.Done;
    this.endSpan(final instanceof AerospikeError ? final.code : 'error', final);
    this.#subscriber.error(final);
    this.teardownAttempt();
  }

  private giveBack(ok: boolean): void {
    const conn = this.#conn;
    if (conn === undefined || this.connReturned) return;
    this.connReturned = true;
    const pool = this.#node!.pool;
    if (ok) pool.release(conn, this.attemptStartMs);
    else pool.discard(conn);
  }

  private cancelTimer(): void {
    const group = this.#deadline;
    if (group === undefined) return;
    this.#deadline = undefined;
    this.#ctx.deadlines.cancel(group, this.deadlineSlot);
  }

  /** The attempt's teardown, in the order pooled-connection's was: checkout, command call, connection. */
  private teardownAttempt(): void {
    this.endAttempt();
    this.giveBack(false);
  }

  /** Timer, checkout and command call ended; the connection is the caller's to settle. */
  private endAttempt(): void {
    this.cancelTimer();
    const checkout = this.#checkout;
    const call = this.#call;
    this.#checkout = undefined;
    this.#call = undefined;
    checkout?.unsubscribe();
    call?.cancel();
  }

  /** The subscriber left (or the call ended): cancels whatever is pending. */
  unsubscribe(): void {
    const wasDone = this.phase === Phase.Done;
    this.phase = Phase.Done;
    this.wakeUp();
    if (!wasDone) this.teardownAttempt();
    this.endSpan('cancelled');
  }

  private endSpan(result: string, error?: unknown): void {
    if (this.spanEnded) return;
    this.spanEnded = true;
    const span = this.#span;
    if (span === undefined) return;
    span.attempts = this.#budget.attempts;
    span.node = this.#budget.lastNode?.name;
    span.result = result;
    if (result === 'cancelled') span.cancelled = true;
    finishSpan(clusterChannels.command, span, error);
  }
}
