// Records every span of the package's diagnostics channels (lib/telemetry.ts) with its start and end
// time on the tour's clock, so each printed timing and count comes from what was published.
// Subscribes only while recording; stop() leaves no subscriber behind.

import { tracingChannel } from 'node:diagnostics_channel';
import { CHANNEL_NAMES, type CommandSpanContext, type SpanContext, type TendSpanContext } from '../../lib/index';

export type ChannelName = (typeof CHANNEL_NAMES)[keyof typeof CHANNEL_NAMES];

export interface RecordedSpan<C = SpanContext | CommandSpanContext | TendSpanContext> {
  readonly channel: ChannelName;
  readonly startMs: number;
  readonly endMs: number;
  readonly context: C;
}

type AnyContext = SpanContext & CommandSpanContext & TendSpanContext;

export class SpanRecorder {
  readonly spans: RecordedSpan[] = [];
  private readonly started = new WeakMap<object, number>();
  private readonly stops: Array<() => void> = [];
  private readonly endListeners = new Set<(span: RecordedSpan) => void>();

  constructor(private readonly now: () => number) {
    for (const name of Object.values(CHANNEL_NAMES)) {
      const handlers = {
        start: (ctx: object) => void this.started.set(ctx, this.now()),
        asyncEnd: (ctx: object) => {
          const startMs = this.started.get(ctx);
          if (startMs === undefined) return;
          const span: RecordedSpan = { channel: name, startMs, endMs: this.now(), context: ctx as AnyContext };
          this.spans.push(span);
          for (const listener of this.endListeners) listener(span);
        },
      };
      const channel = tracingChannel(name);
      channel.subscribe(handlers as never);
      this.stops.push(() => channel.unsubscribe(handlers as never));
    }
  }

  /** Calls `listener` with each span as it ends; returns the unsubscribe function. */
  onEnd(listener: (span: RecordedSpan) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Spans of one channel ended at or after `sinceMs`. */
  of<C = AnyContext>(channel: ChannelName, sinceMs = -Infinity): RecordedSpan<C>[] {
    return this.spans.filter((s) => s.channel === channel && s.endMs >= sinceMs) as unknown as RecordedSpan<C>[];
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.endListeners.clear();
  }
}

/** The value at quantile q (0..1) of unsorted durations, nearest-rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
