// Prints a failover scenario's result (the per-500 ms table, the read-back, the timeline against the
// tend interval, scans) and judges it against issue 14's targets and the official client's anchor.

import { BUCKET_MS } from './failover-load';
import type { ScenarioResult } from './failover-scenario';
import { exactlyOnce } from './failover-scans';

/** The official Node.js client on a real 3-node cluster, same scenario and policies (per run). */
export const ANCHOR = { failedWrites: [400, 1700], inDoubtWrites: [96, 137], failedReads: 0 } as const;
/** Target: failed plus in-doubt writes at most half of the anchor's best run. */
export const WRITE_LOSS_TARGET = Math.floor((ANCHOR.failedWrites[0] + ANCHOR.inDoubtWrites[0]) / 2);
/** A tend cycle's own duration on top of the interval (it is armed when the previous one ends). */
export const TEND_SLACK_MS = 250;
/** Once refused, a node should get at most this share of the attempts it had before the kill. */
export const STEERED_SHARE = 0.05;

export interface TargetCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const s = (ms: number | undefined): string => (ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);

export function formatTable(result: ScenarioResult): string {
  const lines = ['   t(s)      ok  rd-fail  wr-fail  wr-doubt  stale  →dead  refused  nodes  lag(ms)  codes (* in doubt, @node) / events'];
  result.load.buckets.forEach((b, i) => {
    const codes = [...b.codes].map(([code, n]) => `${code}×${n}`).join(' ');
    const notes = [codes, ...b.marks.map((m) => `[${m}]`)].filter((x) => x.length > 0).join(' ');
    lines.push(
      `${((i * BUCKET_MS) / 1000).toFixed(1).padStart(7)} ${String(b.ok).padStart(7)} ${String(b.readsFailed).padStart(8)} ${String(b.writesFailed).padStart(8)} ` +
        `${String(b.writesInDoubt).padStart(9)} ${String(b.staleReads).padStart(6)} ${String(b.deadAttempts).padStart(6)} ${String(b.refusals).padStart(8)} ${String(b.nodes).padStart(6)} ${String(Math.round(b.lagMs)).padStart(8)}  ${notes}`,
    );
  });
  return lines.join('\n');
}

export function formatDetails(result: ScenarioResult): string {
  const { totals, verification: v, timeline: t, options } = result;
  const out: string[] = [];
  const codes = [...totals.codes].map(([code, n]) => `${code}×${n}`).join(', ') || 'none';
  out.push(
    `totals: ${totals.ops} ops (${totals.reads} reads, ${totals.writes} writes) in ${(options.durationMs / 1000).toFixed(0)} s = ${Math.round(totals.ops / (options.durationMs / 1000))} ops/s; ` +
      `reads failed ${totals.readsFailed}, writes failed ${totals.writesFailed}, writes in doubt ${totals.writesInDoubt}, stale reads ${totals.staleReads}; codes (* = in doubt, @ = node of the last attempt): ${codes}`,
  );
  out.push(
    `read-back of ${v.keys} keys: ${v.matched} last acknowledged value, ${v.tookUncertain} a later failed/in-doubt attempt (${v.failedButApplied} of them failed without in-doubt), ` +
      `${v.lost} lost, ${v.readFailures} reads failed`,
  );
  for (const e of v.examples) out.push(`  ${e}`);
  for (const e of result.load.failureExamples) out.push(`  load: ${e}`);
  if (t.killAtMs !== undefined) {
    const tend = options.tendIntervalMs;
    out.push(
      `kill at ${s(t.killAtMs)}; first refused connect ${s(t.firstRefusalMs)}; removed ${s(t.removedAtMs)} (${t.removedReason ?? '—'}) = ${ms(t.removedAtMs, t.killAtMs)} after the kill, by tend ${t.removedTends ?? '—'} ` +
        `(2 tend intervals = ${2 * tend} ms); others noticed ${s(t.detectedAtMs)}`,
    );
    out.push(`revive at ${s(t.reviveAtMs)}; back (listed by a peer, partition table ready) ${s(t.backAtMs)}; added ${s(t.addedAtMs)} = ${ms(t.addedAtMs, t.backAtMs)} after it was back, by tend ${t.addedTends ?? '—'}`);
    out.push(
      `attempts routed to the node: ${t.attemptsPerSecondBefore.toFixed(0)}/s before the kill; ${t.attemptsFirstSecond} in the first second after its first refused connect; ` +
        `${t.attemptsAfterSteer} in the ${(t.steerWindowMs / 1000).toFixed(2)} s after that until it was removed`,
    );
  }
  for (const c of t.convergence) {
    out.push(`map ${c.label} (${s(c.atMs)}): ${c.convergedAtMs === undefined ? 'did not converge' : `converged ${ms(c.convergedAtMs, c.atMs)} later, after ${c.tends} tend(s)`}`);
  }
  for (const scan of result.scans) {
    const verdict = exactlyOnce(scan) ? 'exactly once' : `NOT exactly once: ${scan.duplicates} duplicates, ${scan.missing} missing${scan.error === undefined ? '' : `, ${scan.error}`}`;
    if (!exactlyOnce(scan) || scan.label.startsWith('held')) {
      out.push(`scan ${scan.label} ${s(scan.startedAtMs)}–${s(scan.endedAtMs)}: ${scan.records} records, ${verdict}${scan.foreign > 0 ? ` (${scan.foreign} from other runs)` : ''}`);
    }
  }
  if (result.scans.length > 0) out.push(`scans: ${result.scans.filter(exactlyOnce).length}/${result.scans.length} returned every record exactly once`);
  return out.join('\n');
}

function ms(at: number | undefined, from: number | undefined): string {
  return at === undefined || from === undefined ? '—' : `${Math.round(at - from)} ms`;
}

export function checkTargets(result: ScenarioResult): TargetCheck[] {
  const { totals, verification: v, timeline: t, options } = result;
  const checks: TargetCheck[] = [
    { name: 'no failed read', ok: totals.readsFailed === 0, detail: `${totals.readsFailed} failed` },
    { name: 'no lost acknowledged write', ok: v.lost === 0 && v.readFailures === 0, detail: `${v.lost} lost, ${v.readFailures} read-backs failed` },
    { name: 'a write that failed without in-doubt was never applied', ok: v.failedButApplied === 0, detail: `${v.failedButApplied}` },
  ];
  const window = 2 * options.tendIntervalMs + TEND_SLACK_MS;
  if (t.killAtMs !== undefined) {
    const lossy = totals.writesFailed + totals.writesInDoubt;
    checks.push({ name: `failed + in-doubt writes ≤ ${WRITE_LOSS_TARGET} (half the anchor's best)`, ok: lossy <= WRITE_LOSS_TARGET, detail: `${totals.writesFailed} + ${totals.writesInDoubt} = ${lossy}` });
    const removal = t.removedAtMs === undefined ? undefined : t.removedAtMs - t.killAtMs;
    checks.push({ name: `node removed within 2 tend intervals of the kill (≤ ${window} ms)`, ok: removal !== undefined && removal <= window, detail: removal === undefined ? 'never' : `${Math.round(removal)} ms` });
    const back = t.addedAtMs === undefined || t.backAtMs === undefined ? undefined : Math.max(0, t.addedAtMs - t.backAtMs);
    checks.push({ name: `node back within 2 tend intervals of its return (≤ ${window} ms)`, ok: back !== undefined && back <= window, detail: back === undefined ? 'never' : `${Math.round(back)} ms` });
    // the router tries a refused node again once its 1 s avoidance lapses: every loop in flight then may
    // take that probe (refused at once and retried elsewhere for free), so one attempt per loop is allowed
    const allowed = Math.max(options.loops, Math.round((STEERED_SHARE * t.attemptsPerSecondBefore * t.steerWindowMs) / 1000));
    checks.push({
      name: `reads steered off the node within 1 s of its refused connects (after that ≤ ${STEERED_SHARE * 100}% of its earlier attempts, or one probe per loop)`,
      ok: t.firstRefusalMs !== undefined && t.attemptsAfterSteer <= allowed,
      detail: t.firstRefusalMs === undefined ? 'no refused connect seen' : `${t.attemptsAfterSteer} attempts in ${(t.steerWindowMs / 1000).toFixed(2)} s (allowed ${allowed}; ${t.attemptsPerSecondBefore.toFixed(0)}/s before the kill)`,
    });
  }
  for (const c of t.convergence) {
    checks.push({ name: `map converges within 2 tends ${c.label}`, ok: c.tends !== undefined && c.tends <= 2, detail: c.tends === undefined ? 'never' : `${c.tends} tend(s)` });
  }
  if (options.scenario === 'scan') {
    const bad = result.scans.filter((x) => !exactlyOnce(x));
    checks.push({ name: 'every scan returns every record exactly once', ok: result.scans.length > 0 && bad.length === 0, detail: `${result.scans.length - bad.length}/${result.scans.length}` });
  }
  return checks;
}

export function formatTargets(checks: readonly TargetCheck[]): string {
  return checks.map((c) => `${c.ok ? 'ok  ' : 'MISS'} ${c.name}: ${c.detail}`).join('\n');
}
