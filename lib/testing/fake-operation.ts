// The life cycle every FakeTransport operation shares: handle and busy checks, the call log, the
// scripted source under a per-read deadline, and teardown that destroys the handle when cut short.
// It never picks scripts itself (the plan does) and starts timers only through the given scheduler.

import { Observable, map, take, takeWhile, throwError, timeout, type SchedulerLike, type Subscription } from 'rxjs';
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
}

function remove(state: HandleState, entry: InFlight): boolean {
  const index = state.inFlight.indexOf(entry);
  if (index < 0) return false;
  state.inFlight.splice(index, 1);
  return true;
}

/** Delivers pipelined replies in call order: the head of the queue first, then whoever is ready behind it. */
function flush(state: HandleState): void {
  while (state.inFlight.length > 0) {
    const head = state.inFlight[0] as QueuedOp;
    if (head.deliver === undefined) return;
    state.inFlight.shift();
    head.deliver();
  }
}

/**
 * A cold operation on `conn`; `plan` runs on subscribe, after the handle and busy checks passed.
 * On a handle connected with `pipeline: true`, command$ operations may queue up behind each other.
 */
export function operation$<T>(conn: Connection, scheduler: SchedulerLike, plan: (state: HandleState) => OpPlan<T>): Observable<T> {
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
    const fail = (err: unknown, reason: string): void => {
      finished = true;
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
      abort: (error, countsAsStreamClose) => {
        if (finished) return;
        if (countsAsStreamClose && op.mode === 'stream') state.node.streamCloseCount++;
        inner?.unsubscribe();
        fail(error, state.deadReason ?? 'connection destroyed');
      },
    };
    state.inFlight.push(entry);
    state.node.calls.push(op.call());

    const what = `${op.shape} read on ${state.label}`;
    const onTimeout = () => throwError(() => timeoutError(what, op.deadlineMs, state.label, op.inDoubt));
    inner = op
      .script()
      .pipe(
        // `each` restarts the deadline at every emission: a per-read deadline, as on the socket
        timeout({ each: op.deadlineMs, with: onTimeout, scheduler }),
        map((raw) => op.toValue(raw, state)),
        op.mode === 'single' ? take(1) : takeWhile(({ terminal }) => !terminal, true),
      )
      .subscribe({
        next: ({ value, terminal }) => {
          if (op.mode === 'stream' && !terminal) {
            subscriber.next(value);
            return;
          }
          finished = true;
          // the handle is freed before the value is emitted, so the consumer may start the next operation at once
          entry.deliver = () => {
            subscriber.next(value);
            subscriber.complete();
          };
          flush(state);
        },
        error: (err: unknown) => {
          if (!finished) fail(err, 'connection destroyed after an error');
        },
        complete: () => {
          if (!finished) {
            const end = op.mode === 'stream' ? 'the terminal frame' : 'the reply';
            fail(new AerospikeError('network_error', `${state.label} closed the connection before ${end}`), 'connection closed by the node');
          }
        },
      });
    if (finished) inner.unsubscribe();

    return () => {
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
