// One failover scenario of issue 14 on a connected client: the load of failover-load.ts, the faults
// of a FaultTarget at fixed points of the run (kill/revive, or rebalances), optional scans, and a
// 50 ms sampler timing node removal and return, reads steered off the dead node and map convergence.

import type { AerospikeClient, ClientStats } from '../lib/index';
import type { Cluster } from '../lib/cluster/cluster';
import type { SimulatedCluster } from '../lib/testing/simulated-cluster';
import { BUCKET_MS, FailoverLoad, type LoadPlan, type LoadTotals, type Verification } from './failover-load';
import { ScanChecker, type ScanCheck } from './failover-scans';

export type ScenarioName = 'kill' | 'scan' | 'rebalance';
export const SCENARIOS: readonly ScenarioName[] = ['kill', 'scan', 'rebalance'];

/** What a scenario may do to the cluster under test. */
export interface FaultTarget {
  /** The node kill() and revive() act on. */
  readonly nodeName: string;
  kill(): Promise<void>;
  /** Restarts the node; resolves once the other members list it again and it can serve (a partition table). */
  revive(): Promise<void>;
  /** Resolves once the other members have noticed the last kill (a view change). */
  detected?(): Promise<void>;
  /** Moves partitions to other masters (simulated clusters only). */
  rebalance?(): void;
  /** Replica node names of a partition in the members' current view, master first (to time map convergence). */
  ownership?(namespace: string, partition: number): readonly string[];
}

/** Node `index` (0-based) of a SimulatedCluster, with everything the simulation can do to it. */
export function simulatedTarget(sim: SimulatedCluster, index: number): FaultTarget {
  return {
    nodeName: sim.nodes[index]!.name,
    kill: () => sim.kill(index),
    revive: () => sim.revive(index),
    detected: () => sim.settled(),
    rebalance: () => sim.rebalance(),
    ownership: (ns, p) => sim.ownership(ns, p),
  };
}

export interface ScenarioOptions extends LoadPlan {
  readonly scenario: ScenarioName;
  readonly tendIntervalMs: number;
  readonly killAtMs: number;
  readonly reviveAtMs: number;
  readonly rebalanceAtMs: readonly number[];
  /** How long a held scan stays paused after a kill or revive (it stops at +holdMs/5 and at +holdMs). */
  readonly holdMs: number;
}

export interface Convergence {
  readonly label: string;
  readonly atMs: number;
  convergedAtMs?: number;
  /** Tends completed between the change and the moment the client's map matched the cluster's. */
  tends?: number;
  readonly tendsAtStart: number;
}

export interface Timeline {
  killAtMs?: number;
  /** Tends from the kill (or the node's return) to its removal (or adoption), counting the tend that did it. */
  removedTends?: number;
  addedTends?: number;
  firstRefusalMs?: number;
  removedAtMs?: number;
  removedReason?: string;
  detectedAtMs?: number;
  reviveAtMs?: number;
  backAtMs?: number;
  addedAtMs?: number;
  readonly convergence: Convergence[];
  /** Command attempts routed to the node per second before the kill. */
  attemptsPerSecondBefore: number;
  /** Attempts routed to the dead node in the first second after its first refused connect. */
  attemptsFirstSecond: number;
  /** Attempts routed to it from then until it was removed, and how long that was. */
  attemptsAfterSteer: number;
  steerWindowMs: number;
}

export interface ScenarioResult {
  readonly options: ScenarioOptions;
  readonly load: FailoverLoad;
  readonly totals: LoadTotals;
  readonly verification: Verification;
  readonly timeline: Timeline;
  readonly scans: readonly ScanCheck[];
  readonly tendsDuringRun: number;
}

/** The client's partition map: the bench looks inside to time convergence (no public accessor is needed elsewhere). */
function clusterOf(client: AerospikeClient): Cluster {
  return (client as unknown as { readonly cluster: Cluster }).cluster;
}

function mapMatches(client: AerospikeClient, namespace: string, ownership: (ns: string, p: number) => readonly string[]): boolean {
  const ns = clusterOf(client).currentMap().namespace(namespace);
  if (ns === undefined) return false;
  for (let p = 0; p < 4096; p++) {
    const owners = ownership(namespace, p);
    if (owners.length !== ns.replicaCount) return false;
    for (let r = 0; r < owners.length; r++) {
      const node = ns.replicas[r]![p];
      if (node === undefined || !node.active || node.name !== owners[r]) return false;
    }
  }
  return true;
}

const SAMPLE_MS = 50;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runScenario(client: AerospikeClient, target: FaultTarget, options: ScenarioOptions): Promise<ScenarioResult> {
  const load = new FailoverLoad(client, options);
  await load.seedKeys();
  const timeline: Timeline = { convergence: [], attemptsPerSecondBefore: 0, attemptsFirstSecond: 0, attemptsAfterSteer: 0, steerWindowMs: 0 };
  const tends = (): number => client.stats().tends;
  const tendsAtStart = tends();
  const tendsAt = { kill: 0, back: 0 };
  const kills = options.scenario !== 'rebalance';

  const events = client.events$.subscribe((event) => {
    if (event.type === 'node_removed' && event.node.name === target.nodeName && timeline.killAtMs !== undefined && timeline.removedAtMs === undefined) {
      timeline.removedAtMs = load.elapsedMs();
      timeline.removedReason = event.reason;
      timeline.removedTends = tends() - tendsAt.kill + 1;
      load.mark(`${event.node.name} removed (${event.reason})`);
    }
    if (event.type === 'tend_error' && event.node === target.nodeName && timeline.killAtMs !== undefined && timeline.addedAtMs === undefined) {
      load.mark(`tend ${event.phase}: ${event.error.code}${event.phase === 'peers' ? ` (${event.error.message})` : ''}`);
    }
    if (event.type === 'node_added' && event.node.name === target.nodeName && timeline.reviveAtMs !== undefined && timeline.addedAtMs === undefined) {
      timeline.addedAtMs = load.elapsedMs();
      // a real node may be adopted before the bench's own poll sees it back
      timeline.addedTends = timeline.backAtMs === undefined ? 0 : tends() - tendsAt.back + 1;
      load.mark(`${event.node.name} added`);
    }
  });

  // attempts routed to the target node, sampled from client.stats() (a returning node starts from 0)
  let lastCommands = 0;
  let lastRefusals = 0;
  const attempts: { atMs: number; commands: number }[] = [];
  let lastSampleAt = Date.now();
  const sample = (): void => {
    const now = Date.now();
    const stats: ClientStats = client.stats();
    const node = stats.nodes.find((n) => n.name === target.nodeName);
    const bucket = load.current();
    bucket.lagMs = Math.max(bucket.lagMs, now - lastSampleAt - SAMPLE_MS);
    lastSampleAt = now;
    bucket.nodes = stats.nodes.length;
    if (node !== undefined) {
      if (node.commands < lastCommands || node.connections.connectFailures < lastRefusals) lastCommands = lastRefusals = 0;
      const commands = node.commands - lastCommands;
      const refusals = node.connections.connectFailures - lastRefusals;
      lastCommands = node.commands;
      lastRefusals = node.connections.connectFailures;
      attempts.push({ atMs: load.elapsedMs(), commands });
      const down = timeline.killAtMs !== undefined && timeline.addedAtMs === undefined;
      if (down) bucket.deadAttempts += commands;
      bucket.refusals += refusals;
      if (refusals > 0 && timeline.killAtMs !== undefined && timeline.firstRefusalMs === undefined) timeline.firstRefusalMs = load.elapsedMs();
    }
    if (target.ownership !== undefined) {
      for (const c of timeline.convergence) {
        if (c.convergedAtMs === undefined && mapMatches(client, options.namespace, target.ownership)) {
          c.convergedAtMs = load.elapsedMs();
          c.tends = tends() - c.tendsAtStart;
        }
      }
    }
  };
  const converge = (label: string): void => {
    if (target.ownership !== undefined) timeline.convergence.push({ label, atMs: load.elapsedMs(), tendsAtStart: tends() });
  };

  const faults: Promise<void>[] = [];
  let nodeBack: () => void = () => undefined;
  const back = new Promise<void>((resolve) => (nodeBack = resolve));
  const scans = new ScanChecker(client, options.namespace, options.set, options.keys, () => load.elapsedMs());
  let sampler: NodeJS.Timeout | undefined;
  try {
    await load.run(() => {
      sampler = setInterval(sample, SAMPLE_MS);
      if (kills) {
        faults.push(
          (async () => {
            await sleep(options.killAtMs - load.elapsedMs());
            load.mark(`kill ${target.nodeName}`);
            await target.kill();
            // the crash is when the kill was delivered: a real kill runs a script first
            timeline.killAtMs = load.elapsedMs();
            tendsAt.kill = tends();
            if (target.detected !== undefined) {
              await target.detected();
              timeline.detectedAtMs = load.elapsedMs();
              load.mark('view change');
              converge('after the kill was detected');
            }
            await sleep(options.reviveAtMs - load.elapsedMs());
            timeline.reviveAtMs = load.elapsedMs();
            load.mark(`revive ${target.nodeName}`);
            await target.revive();
            timeline.backAtMs = load.elapsedMs();
            tendsAt.back = tends();
            load.mark(`${target.nodeName} back`);
            converge('after the revive');
          })().finally(() => nodeBack()),
        );
      } else {
        for (const atMs of options.rebalanceAtMs) {
          faults.push(
            (async () => {
              await sleep(atMs - load.elapsedMs());
              load.mark('rebalance');
              target.rebalance!();
              converge(`after the rebalance at ${(atMs / 1000).toFixed(1)} s`);
            })(),
          );
        }
      }
      if (options.scenario === 'scan') {
        const q = Math.floor(options.keys / 4);
        const early = options.holdMs / 5;
        faults.push(scans.backToBack(options.durationMs, 250));
        // streams open while the node dies and the others notice, and while it restarts and is back
        faults.push(
          scans.held('held across the kill', options.killAtMs - early, [
            { afterRecords: q, untilMs: options.killAtMs + early },
            { afterRecords: 2 * q, untilMs: options.killAtMs + options.holdMs },
          ]),
          scans.held('held across the revive', options.reviveAtMs - early, [
            { afterRecords: q, untilMs: options.reviveAtMs + early },
            { afterRecords: 2 * q, untilMs: options.reviveAtMs + options.holdMs, until: () => back },
          ]),
        );
      }
    });
    await Promise.all(faults);
    // the map may still be catching up with the last change, a revived node may not be added yet: give them up to 3 tends
    const catchingUp = (): boolean => timeline.convergence.some((c) => c.convergedAtMs === undefined) || (kills && timeline.addedAtMs === undefined);
    for (let waited = 0; waited < 3 * options.tendIntervalMs && catchingUp(); waited += 50) {
      await sleep(50);
      sample();
    }
  } finally {
    clearInterval(sampler);
    events.unsubscribe();
  }
  sample();
  steering(timeline, attempts);
  const tendsDuringRun = tends() - tendsAtStart;
  const verification = await load.verify();
  return { options, load, totals: load.totals(), verification, timeline, scans: scans.checks, tendsDuringRun };
}

/** How quickly attempts to the dead node dropped once its connects were refused. */
function steering(timeline: Timeline, attempts: readonly { atMs: number; commands: number }[]): void {
  const kill = timeline.killAtMs;
  if (kill === undefined) return;
  const before = attempts.filter((a) => a.atMs > 500 && a.atMs <= kill);
  const span = before.length > 1 ? before[before.length - 1]!.atMs - before[0]!.atMs : 0;
  timeline.attemptsPerSecondBefore = span > 0 ? (before.slice(1).reduce((s, a) => s + a.commands, 0) * 1000) / span : 0;
  const refused = timeline.firstRefusalMs;
  if (refused === undefined) return;
  const removed = timeline.removedAtMs ?? timeline.reviveAtMs ?? Infinity;
  const sum = (from: number, to: number): number => attempts.filter((a) => a.atMs > from && a.atMs <= to).reduce((s, a) => s + a.commands, 0);
  timeline.attemptsFirstSecond = sum(refused, Math.min(refused + 1000, removed));
  timeline.attemptsAfterSteer = sum(refused + 1000, removed);
  timeline.steerWindowMs = Math.max(0, Math.min(removed, attempts[attempts.length - 1]?.atMs ?? 0) - (refused + 1000));
}

export { BUCKET_MS };
