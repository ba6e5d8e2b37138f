// The life cycle every FakeTransport operation shares: handle and busy checks, the call log, the
// scripted source under a per-read deadline, and teardown that destroys the handle when cut short.
// It never picks scripts itself (the plan does) and starts timers only through the given scheduler.

import { Observable, type SchedulerLike, type Subscription } from 'rxjs';
import { scheduleCapped } from '../cluster/capped-delay';
import { AerospikeError } from '../errors';
import type { Connection } from '../node-transport';
import { FakeConnection, type CallShape, type FakeCall, type HandleState, type InFlight } from './fake-node';

export type OpShape = Exclude<CallShape, 'connect'>;

export interface OpPlan<T> {
  readonly shape: OpShape;
  readonly deadlineMs: number;
  /** Errors after the request "was sent" may have been applied (command, commandStream, stream). */
  readonly inDoubt: boolean;
  readonly call: () => FakeCall;
  /** Takes the next script (or the default, or a no_script error): called on subscribe only. */
  readonly script: () => Observable<unknown>;
  /** 'single': the first value is the reply. 'stream': frames until the terminal one. */
  readonly mode: 'single' | 'stream';
  readonly toValue: (raw: unknown, state: HandleState) => { value: T; terminal: boolean };
}

/** Marks a handle unusable (first reason wins) and forgets it as live. */
export function killHandle(state: HandleState, reason: string): void {
  if (state.deadReason === null) state.deadReason = reason;
  state.node.handles.delete(state);
}

/** Aborts every operation in flight on a handle (oldest first) with `error`. */
export function abortAll(state: HandleState, error: AerospikeError, countsAsStreamClose: boolean): void {
  for (const inFlight of [...state.inFlight]) inFlight.abort(error, countsAsStreamClose);
}

interface QueuedOp extends InFlight {
  /** The reply arrived; it is delivered once every operation before it has been. */
  deliver: (() => void) | undefined;
  /** Pipelined only: this reply is now the next one due, so its read deadline starts. */
  onHead: (() => void) | undefined;
}

function remove(state: HandleState, entry: InFlight): boolean {
  const index = state.inFlight.indexOf(entry);
  if (index < 0) return false;
  state.inFlight.splice(index, 1);
  return true;
}

/**
 * Delivers pipelined replies in call order: the head of the queue first, then whoever is ready
 * behind it. A head still waiting starts its deadline, as the socket's next read would.
 */
function flush(state: HandleState): void {
  while (state.inFlight.length > 0) {
    const head = state.inFlight[0] as QueuedOp;
    if (head.deliver === undefined) {
      head.onHead?.();
      return;
    }
    state.inFlight.shift();
    head.deliver();
  }
}

/** What `frames()` tells a stream: stop taking frames (the socket is paused) and resume. */
export class FakeFlow {
  paused = false;
  /** Set by the operation reading under this flow. */
  onPause: (() => void) | undefined;
  onResume: (() => void) | undefined;

  pauseReading(): void {
    if (this.paused) return;
    this.paused = true;
    this.onPause?.();
  }

  resumeReading(): void {
    if (!this.paused) return;
    this.paused = false;
    this.onResume?.();
  }
}

type ScriptEvent = { readonly kind: 'next'; readonly raw: unknown } | { readonly kind: 'error'; readonly error: unknown } | { readonly kind: 'complete' };

/**
 * A cold operation on `conn`; `plan` runs on subscribe, after the handle and busy checks passed.
 * On a handle connected with `pipeline: true`, command$ operations may queue up behind each other.
 * Each read has `deadlineMs` on the scheduler, started at subscribe or, for a pipelined reply, when
 * it becomes the next reply due, and restarted by every frame. Under a paused `flow`, script events
 * wait (as bytes wait in a paused socket) and no deadline runs; resuming starts a fresh one.
 */
export function operation$<T>(conn: Connection, scheduler: SchedulerLike, plan: (state: HandleState) => OpPlan<T>, flow?: FakeFlow): Observable<T> {
  return new Observable<T>((subscriber) => {
    const state = FakeConnection.stateOf(conn);
    if (state === undefined) {
      const node = conn.nodeName ?? `${conn.host}:${conn.port}`;
      subscriber.error(new AerospikeError('network_error', 'connection handle closed or unknown', { node }));
      return;
    }
    if (state.deadReason !== null) {
      subscriber.error(new AerospikeError('network_error', state.deadReason, { node: state.label }));
      return;
    }
    const op = plan(state);
    const pipelined = state.pipeline && op.shape === 'command';
    if (state.inFlight.length > 0 && !(pipelined && state.inFlight.every((f) => f.shape === 'command'))) {
      // never in doubt, and the operation in flight is left alone
      const message = `connection to ${state.label} is busy with a ${state.inFlight[0]!.shape} operation`;
      subscriber.error(new AerospikeError('connection_busy', message, { node: state.label }));
      return;
    }

    let finished = false;
    let inner: Subscription | undefined;
    let deadline: Subscription | undefined;
    const held: ScriptEvent[] = [];
    const stopDeadline = (): void => {
      deadline?.unsubscribe();
      deadline = undefined;
    };
    const startDeadline = (): void => {
      stopDeadline();
      if (finished || flow?.paused === true) return;
      // capped as TcpTransport's: on a real-time scheduler Node turns a delay over 2^31-1 ms into 1 ms
      deadline = scheduleCapped(scheduler, () => {
        deadline = undefined;
        if (finished) return;
        inner?.unsubscribe();
        fail(timeoutError(`${op.shape} read on ${state.label}`, op.deadlineMs, state.label, op.inDoubt), 'connection destroyed after a timeout');
      }, op.deadlineMs);
    };
    const fail = (err: unknown, reason: string): void => {
      finished = true;
      stopDeadline();
      remove(state, entry);
      killHandle(state, reason);
      const error = withContext(err, state.label, op.inDoubt);
      subscriber.error(error);
      // the socket is gone: every other pipelined operation fails with it
      abortAll(state, error instanceof AerospikeError ? error : new AerospikeError('network_error', reason, { node: state.label }), false);
    };
    const entry: QueuedOp = {
      shape: op.shape,
      deliver: undefined,
      onHead: () => {
        if (deadline === undefined) startDeadline();
      },
      abort: (error, countsAsStreamClose) => {
        if (finished) return;
        if (countsAsStreamClose && op.mode === 'stream') state.node.streamCloseCount++;
        inner?.unsubscribe();
        fail(error, state.deadReason ?? 'connection destroyed');
      },
    };

    const take = (raw: unknown): void => {
      let converted: { value: T; terminal: boolean };
      try {
        converted = op.toValue(raw, state);
      } catch (err) {
        inner?.unsubscribe();
        fail(err, 'connection destroyed after an error');
        return;
      }
      const { value, terminal } = converted;
      if (op.mode === 'stream' && !terminal) {
        startDeadline();
        subscriber.next(value);
        return;
      }
      finished = true;
      stopDeadline();
      inner?.unsubscribe();
      // the handle is freed before the value is emitted, so the consumer may start the next operation at once
      entry.deliver = () => {
        subscriber.next(value);
        subscriber.complete();
      };
      flush(state);
    };
    const handle = (event: ScriptEvent): void => {
      if (finished) return;
      if (flow?.paused === true) {
        held.push(event);
        return;
      }
      if (event.kind === 'next') take(event.raw);
      else if (event.kind === 'error') fail(event.error, 'connection destroyed after an error');
      else {
        const end = op.mode === 'stream' ? 'the terminal frame' : 'the reply';
        fail(new AerospikeError('network_error', `${state.label} closed the connection before ${end}`), 'connection closed by the node');
      }
    };
    if (flow !== undefined) {
      flow.onPause = stopDeadline;
      flow.onResume = () => {
        while (!finished && !flow.paused && held.length > 0) handle(held.shift()!);
        startDeadline();
      };
    }

    state.inFlight.push(entry);
    state.node.calls.push(op.call());
    inner = op.script().subscribe({
      next: (raw) => handle({ kind: 'next', raw }),
      error: (error: unknown) => handle({ kind: 'error', error }),
      complete: () => handle({ kind: 'complete' }),
    });
    if (finished) inner.unsubscribe();
    // a pipelined reply's deadline waits until the replies before it are in (flush starts it)
    else if (pipelined) flush(state);
    else startDeadline();

    return () => {
      stopDeadline();
      if (remove(state, entry)) {
        if (!finished && !pipelined) {
          // an early unsubscribe destroys the connection, as it destroys a real socket
          if (op.mode === 'stream') state.node.streamCloseCount++;
          killHandle(state, 'connection destroyed by an early unsubscribe');
        }
        // a pipelined operation is dropped without disturbing the others
        finished = true;
        flush(state);
      }
      inner?.unsubscribe();
    };
  });
}

/** Fills in `node` and `inDoubt` (an error already in doubt stays so); other errors pass through. */
export function withContext(err: unknown, label: string, inDoubt: boolean): unknown {
  return err instanceof AerospikeError ? err.withContext(label, err.inDoubt || inDoubt) : err;
}

export function timeoutError(what: string, deadlineMs: number, label: string, inDoubt: boolean): AerospikeError {
  return new AerospikeError('timeout', `${what} timed out after ${deadlineMs} ms`, { node: label, inDoubt });
}
