// Plumbing shared by the executor specs: a FakeCluster of `nodes` (the first `replicas` own every
// partition, in that order: master, prole, …) connected at time 0, commands run on it, and the nodes
// that received commands.
import { mergeMap, shareReplay, type Observable } from 'rxjs';
import { Cluster } from '../../lib/cluster/cluster';
import type { KeyCommand } from '../../lib/cluster/executor';
import type { ResolvedPolicy } from '../../lib/cluster/policy';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import type { Run } from './cluster-harness';

export interface ExecutorSetup {
  readonly fake: FakeCluster;
  /** The command's result, run on a connected cluster at time 0 (the tend takes no virtual time). */
  run<T>(command: KeyCommand<T>, policy: ResolvedPolicy): Observable<T>;
  cluster(): Cluster;
}

export interface ExecutorSetupOptions {
  readonly nodes?: readonly string[];
  /** How many of `nodes` own each partition (replication factor). Default 2. */
  readonly replicas?: number;
  readonly closeAtMs?: number;
  readonly latencyMs?: number;
}

export function executorSetup(r: Run, options: ExecutorSetupOptions = {}): ExecutorSetup {
  const nodes = options.nodes ?? ['A', 'B'];
  const replicas = options.replicas ?? 2;
  const fake = new FakeCluster({ nodes, ownership: nodes.slice(0, replicas), replicationFactor: replicas, latencyMs: options.latencyMs ?? 0 });
  let cluster: Cluster | undefined;
  const connected$ = Cluster.connect$(fake.clientOptions()).pipe(shareReplay(1));
  connected$.subscribe((c) => (cluster = c));
  r.at(options.closeAtMs ?? 10_000, () => cluster?.close());
  return {
    fake,
    cluster: () => cluster!,
    run: (command, policy) => connected$.pipe(mergeMap((c) => c.execute$(command, policy))),
  };
}

/** The nodes that received a command, node by node (A's calls, then B's, …) in `nodes` order. */
export function commandNodes(fake: FakeCluster, nodes: readonly string[] = ['A', 'B']): string[] {
  const out: string[] = [];
  for (const node of nodes) for (const call of fake.transport.calls(node)) if (call.kind === 'command') out.push(node);
  return out;
}
