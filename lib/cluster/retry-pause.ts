// A call pausing between attempts when close() runs ends then, with client_closed, not when its pause
// would have ended (sleepBetweenRetriesMs may be weeks). The cluster knows a call only while it pauses:
// the per-call path registers nothing; close() wakes whoever is pausing. No timers of its own.

import { Observable } from 'rxjs';
import { AerospikeError } from '../errors';
import { cappedTimer } from './capped-delay';
import type { ExecutionContext } from './executor';

/** A call's pause between attempts, while it lasts. */
export interface Sleeper {
  /** close() ran: the pause is over and the call ends with client_closed. Called at most once. */
  wakeOnClose(): void;
}

/** The calls pausing between attempts; close() wakes them. */
export class Sleepers {
  readonly #pausing = new Set<Sleeper>();

  add(sleeper: Sleeper): void {
    this.#pausing.add(sleeper);
  }

  delete(sleeper: Sleeper): void {
    this.#pausing.delete(sleeper);
  }

  get size(): number {
    return this.#pausing.size;
  }

  /** Wakes every sleeper once (each ends its call); sleepers added meanwhile are not woken. */
  wakeAll(): void {
    const pausing = [...this.#pausing];
    this.#pausing.clear();
    for (const sleeper of pausing) sleeper.wakeOnClose();
  }
}

/** The error of a call on a closed client, or of one close() ended. */
export function clientClosedError(): AerospikeError {
  return new AerospikeError('client_closed', 'the client is closed');
}

/**
 * Emits 0 after `delayMs` (capped steps on ctx's scheduler) and completes; errors with client_closed
 * at once when the cluster closes first, or is closed already.
 */
export function retryPause$(ctx: ExecutionContext, delayMs: number): Observable<0> {
  return new Observable<0>((subscriber) => {
    ctx.ensureOpen();
    const sleeper: Sleeper = { wakeOnClose: () => subscriber.error(clientClosedError()) };
    ctx.sleepers.add(sleeper);
    const pause = cappedTimer(delayMs, ctx.scheduler).subscribe(subscriber);
    return () => {
      ctx.sleepers.delete(sleeper);
      pause.unsubscribe();
    };
  });
}
