// Small helpers the tour's steps share: the output sink, plurals, pool totals from stats(), the
// telemetry table. Formatting only: nothing here measures or waits, except sleep.

import { CHANNEL_NAMES, type ClientStats, type CommandSpanContext } from '../../lib/index';
import { quantile, type RecordedSpan, type SpanRecorder } from './span-recorder';

export type Log = (line?: string) => void;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

export function poolTotals(stats: ClientStats): { open: number; idle: number; inUse: number; closed: number } {
  const totals = { open: 0, idle: 0, inUse: 0, closed: 0 };
  for (const node of stats.nodes) {
    totals.open += node.connections.open;
    totals.idle += node.connections.idle;
    totals.inUse += node.connections.inUse;
    totals.closed += node.connections.closed;
  }
  return totals;
}

const ms = (n: number): string => (Number.isNaN(n) ? '-' : n.toFixed(n < 10 ? 2 : 0));

/** One row per channel that published: spans, errors, cancelled, p50 / p99 / max duration. */
export function telemetryTable(recorder: SpanRecorder): string[] {
  const rows = [['channel', 'spans', 'errors', 'cancelled', 'p50 ms', 'p99 ms', 'max ms']];
  for (const name of Object.values(CHANNEL_NAMES)) {
    const spans = recorder.of(name);
    if (spans.length === 0) continue;
    const durations = spans.map((s) => s.endMs - s.startMs);
    const cancelled = spans.filter((s) => (s.context as { cancelled?: boolean }).cancelled === true).length;
    const errors = spans.filter((s) => (s.context as { error?: unknown }).error !== undefined).length;
    rows.push([name, String(spans.length), String(errors), String(cancelled), ms(quantile(durations, 0.5)), ms(quantile(durations, 0.99)), ms(Math.max(...durations))]);
  }
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(24) : cell.padStart(i === 3 ? 9 : 7))).join(' '));
}

/** "put 1002 ms, 1 attempt, last on A1, timeout" */
export function describeCall(span: RecordedSpan<CommandSpanContext>): string {
  const c = span.context;
  return `${c.command} ${ms(span.endMs - span.startMs)} ms, ${plural(c.attempts, 'attempt')}, last on ${c.node ?? 'no node'}, ${c.result}`;
}

/** "timeout x3, network_error" */
export function counted(values: readonly (string | undefined)[]): string {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([v, n]) => (n > 1 ? `${v} x${n}` : v))
    .join(', ');
}
