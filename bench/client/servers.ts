// The cluster a client bench run talks to: a 3-node SimulatedCluster in its own process (default),
// a running cluster (AEROSPIKE_HOSTS / --hosts), or the real 3-node cluster the aerospike-server
// script starts for the run (--real) and stops afterwards. Seeds the bench sets where needed.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ClientBenchOptions } from './options';
import { runWorker, startNode, type Launch } from './processes';

const run = promisify(execFile);

export interface BenchServer {
  readonly hosts: string;
  /** For the report's heading. */
  readonly label: string;
  readonly simulated: boolean;
  stop(): Promise<void>;
}

/** undefined: --real asked for a server script that is not there (the run is skipped). */
export async function startServer(options: ClientBenchOptions, launch: Launch): Promise<BenchServer | undefined> {
  if (options.real) return startReal(options, launch);
  if (options.hosts !== undefined) {
    console.log(`running cluster ${options.hosts}: seeding the bench sets`);
    await runWorker(launch, 'rx', { hosts: options.hosts, op: 'seed', concurrency: 1, warmupMs: 0, measureMs: 0 });
    return { hosts: options.hosts, label: `running cluster ${options.hosts}`, simulated: false, stop: async () => undefined };
  }
  const child = startNode(launch, 'sim-server', [], { cpu: 1, ipc: true });
  const hosts = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { seeds: string }).seeds));
    child.once('exit', (code) => reject(new Error(`the simulated cluster exited with code ${code} before listening`)));
  });
  return {
    hosts,
    label: `3-node SimulatedCluster (RF 2) in its own process${launch.pin ? ', pinned to core 1 (workers on core 0)' : ''}`,
    simulated: true,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.disconnect();
      }),
  };
}

async function startReal(options: ClientBenchOptions, launch: Launch): Promise<BenchServer | undefined> {
  if (!existsSync(options.server)) {
    console.log(`--real: no aerospike-server script at ${options.server} (give --server PATH or AEROSPIKE_SERVER); skipping the client bench`);
    return undefined;
  }
  const stop = async () => {
    await run(options.server, ['stop', '--port', String(options.port)]).catch((e: unknown) => console.error(`stopping the real cluster: ${String(e)}`));
  };
  console.log(`starting a real 3-node cluster on port ${options.port} with ${options.server}…`);
  try {
    const { stdout } = await run(options.server, ['start', '--nodes', '3', '--port', String(options.port)], { maxBuffer: 1 << 20 });
    const hosts = /AEROSPIKE_HOSTS=(\S+)/.exec(stdout)?.[1];
    if (hosts === undefined) throw new Error(`aerospike-server start printed no AEROSPIKE_HOSTS line:\n${stdout}`);
    const pinned = launch.pin && (await pinServer(options.port));
    console.log(`real cluster ${hosts}${pinned ? ', pinned to core 1 (workers on core 0)' : ''}: seeding the bench sets`);
    await runWorker(launch, 'rx', { hosts, op: 'seed', concurrency: 1, warmupMs: 0, measureMs: 0 });
    return { hosts, label: `real Aerospike 3-node cluster ${hosts} (started for the run${pinned ? ', pinned to core 1, workers on core 0' : ''})`, simulated: false, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Moves every thread of the cluster's asd processes (found by their config dir, which holds the base
 * port) to core 1, as the simulated server is: on a 2-core box a server free to run on the client's
 * core takes CPU from whichever client is measured, and the per-op CPU figures wander by ±30%.
 */
async function pinServer(port: number): Promise<boolean> {
  try {
    const { stdout } = await run('pgrep', ['-f', `aerospike-server-${port}/`]);
    const pids = stdout.split('\n').filter((p) => /^\d+$/.test(p));
    for (const pid of pids) await run('/usr/bin/taskset', ['-a', '-p', '-c', '1', pid]);
    return pids.length > 0;
  } catch {
    return false;
  }
}
