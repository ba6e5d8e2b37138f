// Bunches the requests that replies set off within one event-loop turn. Under load, each reply a
// socket read delivers usually leads the caller to write its next request at once, from inside the
// read callback; between those writes the server's thread has often gone idle, and each write then
// pays for waking it (measured on loopback: about 2 µs of client CPU per request at 64 in flight).
// So, inside a read callback while several other connections await replies, the first request of the turn
// is written at once and the ones after it are held until the turn's I/O callbacks are done
// (setImmediate runs right after libuv's poll phase), then written in a row. A request written from
// anywhere else, or with few others in flight, goes out at once as before. Process-wide, as the
// event loop is. Only sockets' real I/O drives it; no deadline depends on it.

/** A connection holding a request back until the turn ends. */
export interface DeferredWriter {
  /** Writes the held request, unless the connection failed or was closed meanwhile. */
  flushDeferred(): void;
}

/**
 * Hold requests back only while at least this many other connections await replies: with fewer, a
 * turn seldom delivers a second reply, and a turn's flush (an Immediate and one more poll of the
 * loop) would cost more than the wake-ups it saves. (Measured: neutral at 8 in flight, a gain from 16.)
 */
export const COALESCE_MIN_OTHERS = 4;

/**
 * A turn holds at most this many requests: the next one writes them all at once (and is held in
 * their place), so a request never waits for more than this many of the turn's other callbacks.
 */
export const MAX_HELD = 16;

/** After a turn that held nothing, the next windows are opened this much more rarely (doubling up to this). */
const MAX_BACKOFF = 16;

let awaiting = 0;
let readDepth = 0;
let windowOpen = false;
const held: DeferredWriter[] = [];
/** Windows that held nothing in a row set a backoff: that many chances to open one are passed up. */
let backoff = 0;
let skip = 0;
/** Requests held since the process started (specs check that a load was coalesced at all). */
let heldTotal = 0;

/** The turn's end: writes what it held, or backs off when it held nothing. */
function flushHeld(): void {
  windowOpen = false;
  // (a turn that reached MAX_HELD always holds the request that wrote the list out)
  if (held.length === 0) {
    // a wasted turn (an Immediate and one more poll of the loop): the load is too thin for bunching
    backoff = Math.min(Math.max(1, backoff * 2), MAX_BACKOFF);
    skip = backoff;
    return;
  }
  backoff = 0;
  writeHeld();
}

function writeHeld(): void {
  // flushDeferred never begins another request, so the list cannot grow while it is written
  for (let i = 0; i < held.length; i++) held[i]!.flushDeferred();
  held.length = 0;
}

/** A connection started (true) or stopped (false) awaiting a reply. */
export function countAwaiting(started: boolean): void {
  awaiting += started ? 1 : -1;
}

/** The socket reader is delivering bytes (true) or is done (false). */
export function readCallback(entered: boolean): void {
  readDepth += entered ? 1 : -1;
}

/**
 * Whether `writer`'s request, about to be written by a connection that now awaits its reply, should
 * be held back. When true, the writer is queued and its flushDeferred() is called when the turn ends.
 * When false the caller writes now; it may have opened the turn's window for the requests after it.
 */
export function holdBack(writer: DeferredWriter): boolean {
  if (readDepth === 0 || awaiting - 1 < COALESCE_MIN_OTHERS) return false;
  if (!windowOpen) {
    if (skip > 0) {
      skip--;
      return false;
    }
    windowOpen = true;
    setImmediate(flushHeld);
    return false;
  }
  if (held.length === MAX_HELD) writeHeld();
  held.push(writer);
  heldTotal++;
  return true;
}

/** For specs: the process-wide state. */
export function coalescerState(): { awaiting: number; held: number; windowOpen: boolean; backoff: number; skip: number; heldTotal: number } {
  return { awaiting, held: held.length, windowOpen, backoff, skip, heldTotal };
}

/** For specs: forgets the backoff earlier turns left, so a spec starts from a known state. */
export function resetCoalescerBackoff(): void {
  backoff = 0;
  skip = 0;
}
