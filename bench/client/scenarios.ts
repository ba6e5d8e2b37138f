// The client bench's scenarios and issue 15's targets on them: which clients run each, with what
// load, and the ratio each target is set on. Data only.

import type { ScanSize, WorkerJob } from './data';
import type { ScenarioGroup } from './options';
import type { WorkerKind } from './processes';

export interface Scenario {
  readonly id: string;
  readonly group: ScenarioGroup;
  readonly title: string;
  readonly op: WorkerJob['op'];
  readonly concurrency: number;
  readonly scan?: ScanSize;
  readonly clients: readonly WorkerKind[];
  /** What one counted unit is: an operation, or a scanned record. */
  readonly unit: 'op' | 'batch' | 'rec';
}

const ALL: readonly WorkerKind[] = ['rx', 'official', 'transport'];
const CLIENTS: readonly WorkerKind[] = ['rx', 'official'];

export const SCENARIOS: readonly Scenario[] = [
  { id: 'get-seq', group: 'get', title: 'get$, sequential', op: 'get', concurrency: 1, clients: ALL, unit: 'op' },
  { id: 'get-64', group: 'get', title: 'get$, 64 in flight', op: 'get', concurrency: 64, clients: ALL, unit: 'op' },
  { id: 'put-seq', group: 'put', title: 'put$, sequential', op: 'put', concurrency: 1, clients: ALL, unit: 'op' },
  { id: 'put-64', group: 'put', title: 'put$, 64 in flight', op: 'put', concurrency: 64, clients: ALL, unit: 'op' },
  { id: 'batch', group: 'batch', title: 'batchGet$ of 100 keys, sequential', op: 'batch', concurrency: 1, clients: CLIENTS, unit: 'batch' },
  { id: 'scan-small', group: 'scan', title: 'scan$, 100,000 small records', op: 'scan', concurrency: 1, scan: 'small', clients: ALL, unit: 'rec' },
  { id: 'scan-large', group: 'scan', title: 'scan$, 2,000 × 32 KiB records', op: 'scan', concurrency: 1, scan: 'large', clients: ALL, unit: 'rec' },
];

export interface Target {
  readonly scenario: string;
  readonly measure: 'cpu' | 'throughput';
  readonly against: WorkerKind;
  readonly bound: 'atMost' | 'atLeast';
  readonly value: number;
  /** Set on a real cluster: shown, but marked as such on a simulated one. */
  readonly realOnly?: boolean;
}

export const TARGETS: readonly Target[] = [
  { scenario: 'get-seq', measure: 'cpu', against: 'official', bound: 'atMost', value: 0.7 },
  { scenario: 'get-64', measure: 'cpu', against: 'official', bound: 'atMost', value: 0.7 },
  { scenario: 'get-seq', measure: 'cpu', against: 'transport', bound: 'atMost', value: 1.25 },
  { scenario: 'get-64', measure: 'cpu', against: 'transport', bound: 'atMost', value: 1.25 },
  { scenario: 'get-seq', measure: 'throughput', against: 'official', bound: 'atLeast', value: 1.15 },
  { scenario: 'put-seq', measure: 'throughput', against: 'official', bound: 'atLeast', value: 1.15 },
  { scenario: 'get-64', measure: 'throughput', against: 'official', bound: 'atLeast', value: 1.4, realOnly: true },
  { scenario: 'put-64', measure: 'throughput', against: 'official', bound: 'atLeast', value: 1.4, realOnly: true },
  { scenario: 'scan-small', measure: 'throughput', against: 'official', bound: 'atLeast', value: 1.5 },
  { scenario: 'scan-large', measure: 'throughput', against: 'official', bound: 'atLeast', value: 1.5 },
];

/**
 * RSS under the slow consumer is "flat" when it grows at most this much after its first quarter: the
 * read-ahead (frames() queues up to 8 MiB per node, 3 nodes) may still be filling then; the set is 256 MiB.
 */
export const SLOW_RSS_GROWTH_MB = 32;
