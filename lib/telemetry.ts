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
  /** One tend cycle of a cluster: nodes refreshed, peers and partition maps fetched. */
  tend: 'aerospike:tend',
  /** One client call across its attempts (retries included). */
  command: 'aerospike:command',
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

/** The context of an `aerospike:tend` span. */
export interface TendSpanContext {
  /** Active nodes when the cycle ended. */
  nodes: number;
  /** What the cycle changed: `node_added:A1`, `node_removed:A2`, `partitions:test`, `tend_error:A3`. */
  changes: string[];
  error?: unknown;
  cancelled?: boolean;
}

/** The context of an `aerospike:command` span: one client call, all its attempts. */
export interface CommandSpanContext {
  /** `get`, `put`, `batch`, `scan`, … */
  command: string;
  namespace: string;
  set: string | undefined;
  /** The key's partition; undefined for multi-key calls. */
  partition: number | undefined;
  /** Attempts made so far (1 = no retry). */
  attempts: number;
  /** Node of the last attempt. */
  node: string | undefined;
  /** `ok`, or the error code the call ended with. */
  result?: string;
  error?: unknown;
  cancelled?: boolean;
}

export const channels = {
  commandSend: tracingChannel(CHANNEL_NAMES.commandSend) as Channel,
  commandRecv: tracingChannel(CHANNEL_NAMES.commandRecv) as Channel,
  infoRpc: tracingChannel(CHANNEL_NAMES.infoRpc) as Channel,
  connect: tracingChannel(CHANNEL_NAMES.connect) as Channel,
} as const;

export const clusterChannels = {
  tend: tracingChannel(CHANNEL_NAMES.tend) as TracingChannel<unknown, TendSpanContext>,
  command: tracingChannel(CHANNEL_NAMES.command) as TracingChannel<unknown, CommandSpanContext>,
} as const;

/**
 * Whether any event of the span has a subscriber. TracingChannel.hasSubscribers came with Node 20.13
 * and 22.0; Bun 1.x and older Node 20 lack it (undefined), so the five event channels are asked then.
 */
export function hasSpanSubscribers(channel: TracingChannel<unknown, object>): boolean {
  const own = (channel as { readonly hasSubscribers?: boolean }).hasSubscribers;
  if (typeof own === 'boolean') return own;
  return channel.start.hasSubscribers || channel.end.hasSubscribers || channel.asyncStart.hasSubscribers || channel.asyncEnd.hasSubscribers || channel.error.hasSubscribers;
}

/** Starts a span of any context shape when the channel has subscribers (start, then end); else undefined. */
export function startSpan<C extends object>(channel: TracingChannel<unknown, C>, makeContext: () => C): C | undefined {
  if (!hasSpanSubscribers(channel)) return undefined;
  const context = makeContext();
  channel.start.publish(context);
  channel.end.publish(context);
  return context;
}

/** Ends a span started by startSpan: `error` first when there is one, then asyncStart and asyncEnd. */
export function finishSpan<C extends { error?: unknown }>(channel: TracingChannel<unknown, C>, context: C | undefined, error?: unknown): void {
  if (context === undefined) return;
  if (error !== undefined) {
    context.error = error;
    channel.error.publish(context);
  }
  channel.asyncStart.publish(context);
  channel.asyncEnd.publish(context);
}

/**
 * Opens a span when `channel` has subscribers: publishes `start`, then `end` (the synchronous part
 * is over when this returns). Returns the context to close later, or undefined (nothing to do).
 */
export function openSpan(channel: Channel, makeContext: () => SpanContext): SpanContext | undefined {
  if (!hasSpanSubscribers(channel)) return undefined;
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
