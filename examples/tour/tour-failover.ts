// The failover step: a read/write load runs while one node is crashed and restarted; prints the
// timeline (the tour's actions, events$, retried and failed calls), the calls per phase from their
// command spans, the load loop's own counts and the slowest call. Skipped, saying why, when the
// target cannot crash a node.

import type { AerospikeClient, ClusterEvent, CommandSpanContext, NodeInfo } from '../../lib/index';
import { LoadLoop } from './load-loop';
import { Timeline } from './timeline';
import { counted, describeCall, plural, sleep, type Log } from './tour-format';
import type { RecordedSpan, SpanRecorder } from './span-recorder';
import type { NodeFault, TourTarget } from './tour-target';

const WORKERS = 8;
const LOAD_SET = 'load';
const BEFORE_KILL_MS = 1000;
const REMOVAL_LIMIT_MS = 6000;
const REFORM_LIMIT_MS = 4000;
const DOWN_MS = 1000;
const RETURN_LIMIT_MS = 10_000;
const AFTER_RETURN_MS = 500;

interface Stamped {
  readonly atMs: number;
  readonly event: ClusterEvent;
}

export async function failoverStep(client: AerospikeClient, target: TourTarget, recorder: SpanRecorder, log: Log, now: () => number): Promise<void> {
  const fault = target.fault;
  if ('skipped' in fault) {
    log(`6. failover: skipped: ${fault.skipped}`);
    log();
    return;
  }
  const nodes = await firstNodes(client);
  const victim = fault.pick(nodes);
  if (typeof victim === 'string') {
    log(`6. failover: skipped: ${victim}`);
    log();
    return;
  }
  log(`6. failover: ${WORKERS} loops of put$ then get$ on ${target.namespace}/${LOAD_SET}; ${victim.name} is crashed after ${BEFORE_KILL_MS / 1000} s`);
  log(`   (${fault.detection})`);
  await runFailover(client, target.namespace, fault, victim, nodes.length, recorder, log, now);
  log();
}

async function runFailover(
  client: AerospikeClient,
  namespace: string,
  fault: NodeFault,
  victim: NodeInfo,
  nodeCount: number,
  recorder: SpanRecorder,
  log: Log,
  now: () => number,
): Promise<void> {
  const events: Stamped[] = [];
  const subscription = client.events$.subscribe((event) => events.push({ atMs: now(), event }));
  const startMs = now();
  const load = new LoadLoop(client, namespace, LOAD_SET, WORKERS, 25, now);
  const phases: { name: string; startMs: number }[] = [{ name: `${nodeCount} nodes`, startMs }];
  let timeline: Timeline | undefined;
  try {
    await sleep(BEFORE_KILL_MS);
    const killMs = now();
    timeline = new Timeline(killMs);
    timeline.action(killMs, `crashing ${victim.name}`);
    phases.push({ name: `${victim.name} crashed, not yet removed`, startMs: killMs });
    try {
      timeline.action(now(), await fault.kill());
    } catch (error) {
      timeline.action(now(), `could not crash ${victim.name}: ${(error as Error).message}`);
      return;
    }
    const removed = await waitFor(events, (e) => e.type === 'node_removed' && e.node.name === victim.name, REMOVAL_LIMIT_MS);
    if (removed === undefined) timeline.action(now(), `${victim.name} still in the cluster after ${REMOVAL_LIMIT_MS / 1000} s`);
    else phases.push({ name: `${victim.name} removed`, startMs: removed });
    // the rest of the cluster re-forms without it: their maps change (a real cluster: heartbeat timeout)
    await waitFor(events, (e) => e.type === 'partitions_changed' && e.node !== victim.name, REFORM_LIMIT_MS, killMs);
    await sleep(DOWN_MS);
    timeline.action(now(), await fault.revive());
    const added = await waitFor(events, (e) => e.type === 'node_added' && e.node.name === victim.name, RETURN_LIMIT_MS);
    if (added === undefined) timeline.action(now(), `${victim.name} not back after ${RETURN_LIMIT_MS / 1000} s`);
    else phases.push({ name: `${victim.name} back`, startMs: added });
    await sleep(AFTER_RETURN_MS);
  } finally {
    const result = await load.stop();
    const endMs = now();
    subscription.unsubscribe();
    const finished = await fault.finish();
    if (timeline !== undefined) {
      if (finished !== undefined) timeline.action(now(), finished);
      for (const { atMs, event } of events) timeline.event(atMs, event);
      const calls = recorder.of<CommandSpanContext>('aerospike:command', startMs).filter((s) => s.context.set === LOAD_SET && s.endMs <= endMs);
      timeline.calls(calls);
      for (const line of timeline.lines()) log(`   ${line}`);
      for (const line of phaseTable(phases, calls)) log(`   ${line}`);
      const ok = result.ok.get + result.ok.put;
      const failures = result.failures;
      const inDoubt = failures.filter((f) => f.inDoubt).length;
      log(
        `   load loop: ${plural(ok, 'call')} ok (${result.ok.put} put$, ${result.ok.get} get$), ${failures.length} failed` +
          (failures.length > 0 ? `: ${counted(failures.map((f) => `${f.command} ${f.code}`))}` : '') +
          (inDoubt > 0 ? `; ${inDoubt} in doubt (the write may have been applied)` : ''),
      );
      const slowest = calls.reduce<RecordedSpan<CommandSpanContext> | undefined>((a, s) => (a === undefined || s.endMs - s.startMs > a.endMs - a.startMs ? s : a), undefined);
      if (slowest !== undefined) log(`   slowest call: ${describeCall(slowest)}`);
    }
  }
}

function firstNodes(client: AerospikeClient): Promise<readonly NodeInfo[]> {
  return new Promise((resolve) => {
    const sub = client.nodes$.subscribe((nodes) => {
      resolve(nodes);
      queueMicrotask(() => sub.unsubscribe());
    });
  });
}

/** When the first matching event since sinceMs was seen (already, or within limitMs), else undefined. */
async function waitFor(events: readonly Stamped[], match: (event: ClusterEvent) => boolean, limitMs: number, sinceMs = -Infinity): Promise<number | undefined> {
  const until = performance.now() + limitMs;
  for (;;) {
    const hit = events.find((e) => e.atMs >= sinceMs && match(e.event));
    if (hit !== undefined) return hit.atMs;
    if (performance.now() >= until) return undefined;
    await sleep(20);
  }
}

/** Calls by the phase they ended in: ok, ok after a retry, failed. */
function phaseTable(phases: readonly { name: string; startMs: number }[], calls: readonly RecordedSpan<CommandSpanContext>[]): string[] {
  const width = Math.max(...phases.map((p) => p.name.length), 5);
  const rows = [`${'phase'.padEnd(width)}  ${'calls ok'.padStart(9)}  ${'retried'.padStart(8)}  ${'failed'.padStart(7)}  ${'duration'.padStart(9)}`];
  phases.forEach((phase, i) => {
    const endMs = phases[i + 1]?.startMs ?? Infinity;
    const inPhase = calls.filter((s) => s.endMs >= phase.startMs && s.endMs < endMs);
    const ok = inPhase.filter((s) => s.context.result === 'ok');
    const lastMs = Number.isFinite(endMs) ? endMs : Math.max(phase.startMs, ...inPhase.map((s) => s.endMs));
    rows.push(
      `${phase.name.padEnd(width)}  ${String(ok.length).padStart(9)}  ${String(ok.filter((s) => s.context.attempts > 1).length).padStart(8)}  ${String(inPhase.length - ok.length).padStart(7)}  ${`${((lastMs - phase.startMs) / 1000).toFixed(2)} s`.padStart(9)}`,
    );
  });
  return rows;
}
