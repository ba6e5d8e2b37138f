// What the tour runs against: an embedded SimulatedCluster it can kill a node of, or a real cluster
// named by AEROSPIKE_HOSTS, whose node 2 it can kill and revive only when told how (AEROSPIKE_SERVER,
// AEROSPIKE_PORT). Owns the embedded cluster and any child process it starts; stop() ends them.

import type { NodeInfo } from '../../lib/index';
import { SimulatedCluster } from '../../lib/testing/index';

/** A node the tour may crash and restart. */
export interface NodeFault {
  /** The node to crash among the client's nodes, or why none fits. */
  pick(nodes: readonly NodeInfo[]): NodeInfo | string;
  /** How the rest of the cluster notices, for the heading. */
  readonly detection: string;
  /** Crashes the node; resolves with what was done. */
  kill(): Promise<string>;
  /** Starts it again; resolves with what was done (it may still be starting). */
  revive(): Promise<string>;
  /** Once the tour is done with the node: what became of the restart, when there is something to say. */
  finish(): Promise<string | undefined>;
}

export interface TourTarget {
  /** The heading lines. */
  readonly heading: readonly string[];
  /** The one seed the client starts from. */
  readonly seed: string;
  readonly namespace: string;
  /** How to fail a node, or why the tour cannot. */
  readonly fault: NodeFault | { readonly skipped: string };
  /** Connections the server side saw closed, summed over the nodes (the embedded cluster only). */
  serverClosedConnections?(): number;
  /** Ends what the target started; resolves with what was stopped, when anything was. */
  stop(): Promise<string | undefined>;
}

/** A realistic heartbeat timeout: the real test cluster's is 10 × 150 ms. */
export const EMBEDDED_DETECTION_MS = 1500;

export async function embeddedTarget(namespace: string): Promise<TourTarget> {
  const sim = await SimulatedCluster.start({ nodes: 3, replicationFactor: 2, namespaces: [namespace], detectionDelayMs: EMBEDDED_DETECTION_MS });
  const victim = sim.nodes[1]!;
  return {
    heading: [
      `aerospike-rx tour: an embedded SimulatedCluster of ${sim.nodes.length} nodes (${sim.nodes.map((n) => n.name).join(', ')}) on 127.0.0.1, replication factor 2`,
      '  (set AEROSPIKE_HOSTS=host:port,... to run the same tour against a real cluster)',
    ],
    seed: sim.seeds.split(',')[0]!,
    namespace,
    fault: {
      pick: (nodes) => nodes.find((n) => n.name === victim.name) ?? `${victim.name} is not among the client's nodes`,
      detection: `SimulatedCluster.kill: ${victim.name} stops listening and drops its sockets; the others notice after ${EMBEDDED_DETECTION_MS} ms`,
      kill: async () => {
        await sim.kill(victim.name);
        return `killed ${victim.name} (${victim.host}:${victim.port}): its sockets are gone, connects are refused`;
      },
      revive: async () => {
        await sim.revive(victim.name);
        return `revived ${victim.name}: listening again on ${victim.port}`;
      },
      finish: async () => undefined,
    },
    serverClosedConnections: () => sim.nodes.reduce((n, node) => n + node.stats.connectionsClosed, 0),
    stop: async () => {
      await sim.stop();
      return 'embedded cluster stopped';
    },
  };
}

export function realTarget(hosts: string, namespace: string, env: Readonly<Record<string, string | undefined>>): TourTarget {
  const seeds = hosts.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (seeds.length === 0) throw new RangeError(`AEROSPIKE_HOSTS names no host: ${JSON.stringify(hosts)}`);
  const script = env['AEROSPIKE_SERVER'];
  const portText = env['AEROSPIKE_PORT'];
  let fault: NodeFault | { skipped: string };
  if (script === undefined || portText === undefined) {
    fault = { skipped: 'the tour cannot crash a node of a real cluster unless told how: set AEROSPIKE_SERVER (the aerospike-server script) and AEROSPIKE_PORT (its --port)' };
  } else if (!/^\d{1,5}$/.test(portText)) {
    fault = { skipped: `AEROSPIKE_PORT must be the script's --port (a number), got ${JSON.stringify(portText)}` };
  } else {
    fault = scriptFault(script, Number(portText));
  }
  return {
    heading: [`aerospike-rx tour: the cluster at AEROSPIKE_HOSTS=${hosts}`],
    seed: seeds[0]!,
    namespace,
    fault,
    stop: async () => undefined,
  };
}

interface Child {
  readonly pid: number | undefined;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  readonly running: () => boolean;
  readonly stop: () => void;
}

/** Node 2 of an `aerospike-server --port P` cluster: its service port is P + 10. */
function scriptFault(script: string, basePort: number): NodeFault {
  const port = basePort + 10;
  let reviving: Child | undefined;
  let revivedAtMs = 0;
  const args = (verb: string): string[] => [verb, '--node', '2', '--port', String(basePort)];
  return {
    pick: (nodes) => nodes.find((n) => n.port === port) ?? `no node of the cluster listens on ${port} (node 2 of aerospike-server --port ${basePort})`,
    detection: `${script} kill --node 2 (SIGKILL); the other nodes notice when its heartbeats stop`,
    kill: async () => {
      const child = await run(script, args('kill'));
      const code = await child.exited;
      if (code !== 0) throw new Error(`aerospike-server kill exited with ${code}: ${child.output().trim()}`);
      return `aerospike-server: ${child.output().trim()}`;
    },
    revive: async () => {
      reviving = await run(script, args('revive'), true);
      revivedAtMs = performance.now();
      return `started aerospike-server revive --node 2 (asd on port ${port})`;
    },
    finish: async () => {
      const child = reviving;
      if (child === undefined) return undefined;
      const waitedS = ((performance.now() - revivedAtMs) / 1000).toFixed(1);
      if (!child.running()) return `aerospike-server revive exited with ${await child.exited}: ${child.output().trim()}`;
      child.stop();
      await child.exited;
      return `aerospike-server revive had not returned after ${waitedS} s (it waits until the cluster has settled); the tour stopped waiting for it, asd keeps running`;
    },
  };
}

/** Starts the script; `group`: in its own process group, so stop() also ends the probes it spawned. */
async function run(file: string, args: readonly string[], group = false): Promise<Child> {
  const { spawn } = await import('node:child_process');
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: group });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      output += err.message;
      done = true;
      resolve(null);
    });
    child.once('close', (code) => {
      done = true;
      resolve(code);
    });
  });
  return {
    pid: child.pid,
    output: () => output,
    exited,
    running: () => !done,
    stop: () => {
      if (done || child.pid === undefined) return;
      try {
        if (group) process.kill(-child.pid, 'SIGTERM');
        else child.kill('SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    },
  };
}
