// The failover step's timeline: the tour's own actions, the client's events$ and what the command
// spans show (calls retried, calls failed), each stamped when it happened and printed in time order,
// runs of the same event folded into one line with their count and time span.

import type { ClusterEvent, CommandSpanContext } from '../../lib/index';
import type { RecordedSpan } from './span-recorder';
import { counted } from './tour-format';

interface Entry {
  readonly atMs: number;
  /** Entries with the same key in a row fold into one line. */
  readonly key: string;
  readonly text: string;
  readonly node?: string;
  readonly detail?: string;
  /** Printed before the details: what they are. */
  readonly label?: string;
}

export class Timeline {
  private readonly entries: Entry[] = [];

  constructor(private readonly originMs: number) {}

  action(atMs: number, text: string): void {
    this.entries.push({ atMs, key: `action:${this.entries.length}`, text });
  }

  event(atMs: number, event: ClusterEvent): void {
    switch (event.type) {
      case 'node_added':
        this.entries.push({ atMs, key: `added:${event.node.name}`, text: `node_added ${event.node.name} (${event.node.host}:${event.node.port})` });
        return;
      case 'node_removed':
        this.entries.push({ atMs, key: `removed:${event.node.name}`, text: `node_removed ${event.node.name}, reason ${event.reason}` });
        return;
      case 'partitions_changed':
        this.entries.push({ atMs, key: 'partitions', text: `partitions_changed (namespace ${event.namespace})`, node: event.node });
        return;
      default:
        this.entries.push({ atMs, key: `tend_error:${event.node ?? event.address}`, text: `tend_error on ${event.node ?? event.address}`, detail: `${event.phase}: ${event.error.code}` });
    }
  }

  /** Calls that needed more than one attempt, and calls that failed, from their command spans. */
  calls(spans: readonly RecordedSpan<CommandSpanContext>[]): void {
    for (const span of spans) {
      if (span.context.result !== 'ok') this.entries.push({ atMs: span.endMs, key: 'failed', text: 'calls failed', detail: `${span.context.command} ${span.context.result}` });
      else if (span.context.attempts > 1) this.entries.push({ atMs: span.endMs, key: 'retried', text: 'calls ok after a retry', label: 'last attempt on ', detail: span.context.node ?? 'no node' });
    }
  }

  lines(): string[] {
    const sorted = [...this.entries].sort((a, b) => a.atMs - b.atMs);
    const runs: Entry[][] = [];
    for (const entry of sorted) {
      const run = runs[runs.length - 1];
      if (run !== undefined && run[0]!.key === entry.key) run.push(entry);
      else runs.push([entry]);
    }
    return runs.map((run) => {
      const first = run[0]!;
      const at = this.at(first.atMs);
      const nodes = distinct(run.map((e) => e.node));
      const details = counted(run.map((e) => e.detail));
      const what = `${first.text}${run.length > 1 ? ` x${run.length}` : ''}${nodes ? ` from ${nodes}` : ''}${details ? ` (${first.label ?? ''}${details})` : ''}`;
      return run.length === 1 ? `${at}  ${what}` : `${at}  ${what}, until ${this.at(run[run.length - 1]!.atMs).trim()}`;
    });
  }

  private at(ms: number): string {
    const s = (ms - this.originMs) / 1000;
    return `${s < 0 ? '-' : '+'}${Math.abs(s).toFixed(2)} s`.padStart(8);
  }
}

function distinct(values: readonly (string | undefined)[]): string {
  return [...new Set(values.filter((v): v is string => v !== undefined))].sort().join(', ');
}
