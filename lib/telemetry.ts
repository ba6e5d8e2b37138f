// Every diagnostics channel name of the package, and the guarded span helpers the transport uses.
// Spans follow TracingChannel's promise shape: start → end (synchronous part) → [error] → asyncStart → asyncEnd.
// Nothing is allocated or published while a channel has no subscribers.

import { tracingChannel, type TracingChannel } from 'node:diagnostics_channel';

export const CHANNEL_NAMES = {
  /** The socket write of command$, commandStream$, stream$. */
  commandSend: 'aerospike:command:send',
  /** The reply read of command$ (one frame), commandStream$ (all frames), stream$ (every frame). */
  commandRecv: 'aerospike:command:recv',
  /** info$ round trips, and login / authenticate (commands: ['login']). */
  infoRpc: 'aerospike:info:rpc',
  /** connect$: TCP (+ TLS) handshake and connect-time login. */
  connect: 'aerospike:connect',
} as const;

/** The context object every event of one span receives; fields are filled in as the span goes. */
export interface SpanContext {
  nodeName: string | undefined;
  /** host:port of the node. */
  address: string;
  attempt?: number;
  deadlineMs?: number;
  commands?: readonly string[];
  /** Bytes written (send) or read (recv, info), set before the span ends. */
  bytes?: number;
  /** Set when the span ends with an error. */
  error?: unknown;
  /** Set when the subscriber unsubscribed before the operation ended. */
  cancelled?: boolean;
}

type Channel = TracingChannel<unknown, SpanContext>;

export const channels = {
  commandSend: tracingChannel(CHANNEL_NAMES.commandSend) as Channel,
  commandRecv: tracingChannel(CHANNEL_NAMES.commandRecv) as Channel,
  infoRpc: tracingChannel(CHANNEL_NAMES.infoRpc) as Channel,
  connect: tracingChannel(CHANNEL_NAMES.connect) as Channel,
} as const;

/**
 * Opens a span when `channel` has subscribers: publishes `start`, then `end` (the synchronous part
 * is over when this returns). Returns the context to close later, or undefined (nothing to do).
 */
export function openSpan(channel: Channel, makeContext: () => SpanContext): SpanContext | undefined {
  if (!channel.hasSubscribers) return undefined;
  const context = makeContext();
  channel.start.publish(context);
  channel.end.publish(context);
  return context;
}

/** Closes a span opened by openSpan: `error` first when there is one, then asyncStart and asyncEnd. */
export function closeSpan(channel: Channel, context: SpanContext | undefined, bytes: number, error?: unknown): void {
  if (context === undefined) return;
  context.bytes = bytes;
  if (error !== undefined) {
    context.error = error;
    channel.error.publish(context);
  }
  channel.asyncStart.publish(context);
  channel.asyncEnd.publish(context);
}

/** Closes a span whose subscriber went away before the operation ended. */
export function cancelSpan(channel: Channel, context: SpanContext | undefined, bytes: number): void {
  if (context === undefined) return;
  context.cancelled = true;
  closeSpan(channel, context, bytes);
}
