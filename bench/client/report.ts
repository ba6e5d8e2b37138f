// The client bench's tables: per scenario and client the medians over rounds (throughput, MB/s,
// latency, client CPU per unit, peak RSS), then the ratios issue 15's targets are set on (medians of
// per-round ratios) marked MET / NOT MET, and the slow consumer's RSS samples. Formatting only.

import { payloadBytes, SCAN_SETS, type WorkerResult } from './data';
import type { WorkerKind } from './processes';
import { SLOW_RSS_GROWTH_MB, TARGETS, type Scenario, type Target } from './scenarios';

/** results.get(scenario).get(client)[round]; undefined where that worker failed. */
export type Results = Map<string, Map<WorkerKind, Array<WorkerResult | undefined>>>;

const NAMES: Readonly<Record<WorkerKind, string>> = { rx: 'rx client', official: 'official', transport: 'bare transport' };

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const throughput = (r: WorkerResult): number => r.ops / r.seconds;
const cpuPerUnit = (r: WorkerResult): number => r.cpuUs / r.ops;

function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '—';
}

function ms(n: number): string {
  if (!Number.isFinite(n)) return '';
  return n < 1 ? `${(n * 1000).toFixed(0)} µs` : `${n.toFixed(n < 10 ? 2 : 0)} ms`;
}

function defined(rs: ReadonlyArray<WorkerResult | undefined> | undefined): WorkerResult[] {
  return (rs ?? []).filter((r): r is WorkerResult => r !== undefined);
}

export function printTable(rows: string[][], rightAligned: readonly number[]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (rightAligned.includes(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
}

export function printResults(scenarios: readonly Scenario[], results: Results): void {
  const rows: string[][] = [['scenario', 'client', 'throughput', 'MB/s', 'p50', 'p99', 'client CPU', 'peak RSS', 'failed', 'rounds']];
  for (const s of scenarios) {
    s.clients.forEach((kind, i) => {
      const rs = defined(results.get(s.id)?.get(kind));
      const bytes = s.scan === undefined ? undefined : payloadBytes(SCAN_SETS[s.scan]);
      rows.push([
        i === 0 ? s.title : '',
        NAMES[kind],
        rs.length === 0 ? 'skipped' : `${fmt(median(rs.map(throughput)))} ${s.unit}/s`,
        bytes === undefined || rs.length === 0 ? '' : fmt(median(rs.map((r) => (r.ops * bytes) / r.seconds / 1e6)), 1),
        ms(median(rs.map((r) => r.p50Ms))),
        ms(median(rs.map((r) => r.p99Ms))),
        rs.length === 0 ? '' : `${median(rs.map(cpuPerUnit)).toFixed(s.unit === 'rec' ? 2 : 1)} µs/${s.unit}`,
        rs.length === 0 ? '' : `${fmt(median(rs.map((r) => r.maxRssMB)))} MB`,
        rs.length === 0 ? '' : String(median(rs.map((r) => r.failed))),
        String(rs.length),
      ]);
    });
  }
  printTable(rows, [2, 3, 4, 5, 6, 7, 8, 9]);
}

/** Median over rounds of rx's figure divided by `against`'s in the same round. */
function ratio(results: Results, scenario: string, measure: Target['measure'], against: WorkerKind): number {
  const byClient = results.get(scenario);
  const rx = byClient?.get('rx') ?? [];
  const other = byClient?.get(against) ?? [];
  const perRound: number[] = [];
  rx.forEach((r, i) => {
    const o = other[i];
    if (r === undefined || o === undefined) return;
    perRound.push(measure === 'cpu' ? cpuPerUnit(r) / cpuPerUnit(o) : throughput(r) / throughput(o));
  });
  return median(perRound);
}

/** The ratio table and the target verdicts (returned as lines). */
export function printRatios(scenarios: readonly Scenario[], results: Results, simulated: boolean): string[] {
  const cell = (id: string, measure: Target['measure'], against: WorkerKind): string => {
    const r = ratio(results, id, measure, against);
    if (!Number.isFinite(r)) return '';
    const target = TARGETS.find((t) => t.scenario === id && t.measure === measure && t.against === against);
    if (target === undefined) return `${r.toFixed(2)}×`;
    const met = target.bound === 'atMost' ? r <= target.value : r >= target.value;
    return `${r.toFixed(2)}× (${target.bound === 'atMost' ? '≤' : '≥'} ${target.value} ${met ? 'met' : 'NOT MET'}${target.realOnly === true && simulated ? ', set for a real cluster' : ''})`;
  };
  const rows: string[][] = [['scenario', 'CPU/unit rx ÷ official', 'CPU/unit rx ÷ transport', 'throughput rx ÷ official', 'throughput rx ÷ transport']];
  for (const s of scenarios) {
    const hasTransport = s.clients.includes('transport');
    rows.push([s.title, cell(s.id, 'cpu', 'official'), hasTransport ? cell(s.id, 'cpu', 'transport') : '', cell(s.id, 'throughput', 'official'), hasTransport ? cell(s.id, 'throughput', 'transport') : '']);
  }
  printTable(rows, []);
  const verdicts: string[] = [];
  for (const t of TARGETS) {
    const s = scenarios.find((x) => x.id === t.scenario);
    if (s === undefined) continue;
    const r = ratio(results, t.scenario, t.measure, t.against);
    const what = `${s.title}: ${t.measure === 'cpu' ? 'client CPU' : s.unit === 'rec' ? 'records/s' : 'throughput'} ${Number.isFinite(r) ? r.toFixed(2) : '—'}× ${NAMES[t.against]} (target ${t.bound === 'atMost' ? '≤' : '≥'} ${t.value})`;
    const verdict = !Number.isFinite(r) ? 'not measured' : (t.bound === 'atMost' ? r <= t.value : r >= t.value) ? 'MET' : 'NOT MET';
    verdicts.push(`${what} ${verdict}${t.realOnly === true && simulated ? ' (target set for a real cluster; the simulated nodes are the bottleneck here)' : ''}`);
  }
  return verdicts;
}

/** The slow consumer's RSS samples and whether they stayed flat; returns the verdict line. */
export function printSlowConsumer(result: WorkerResult | undefined, slowMs: number): string | undefined {
  if (result?.rssSamples === undefined) return undefined;
  const samples = result.rssSamples;
  const settled = samples.filter(([t]) => t >= slowMs / 4000);
  const base = settled[0]?.[1] ?? NaN;
  const growth = Math.max(...settled.map(([, rss]) => rss)) - base;
  const sleepMs = Math.max(1, Math.ceil((2 * slowMs) / SCAN_SETS.slow.count));
  console.log(`\nscanIterable of 8,000 × 32 KiB (256 MiB), a consumer sleeping ${sleepMs} ms per record for ${(slowMs / 1000).toFixed(0)} s: ${fmt(result.ops)} records read, peak RSS ${fmt(result.maxRssMB)} MB`);
  console.log(`samples after a full GC, s: RSS MB (heap used + buffers MB): ${samples.map(([t, rss, held]) => `${t.toFixed(1)}: ${rss.toFixed(0)} (${held.toFixed(0)})`).join(', ')}`);
  const met = growth <= SLOW_RSS_GROWTH_MB;
  return `scanIterable under a slow consumer: RSS grew ${fmt(growth, 1)} MB after the first quarter (target flat, ≤ ${SLOW_RSS_GROWTH_MB} MB) ${met ? 'MET' : 'NOT MET'}`;
}
