// Child process of check-official: drives the official `aerospike` client (a C addon) on request
// from the parent over IPC. A separate process because the addon's connect blocks the JS thread
// while it tends its seeds, and the simulated cluster it talks to lives in the parent's event loop.

import { createRequire } from 'node:module';
import { join } from 'node:path';

export type WorkerRequest =
  | { readonly op: 'connect'; readonly seed: string; readonly clusterName?: string; readonly logLevel: string }
  | { readonly op: 'waitNodes'; readonly count: number; readonly timeoutMs: number }
  | { readonly op: 'put'; readonly set: string; readonly keys: readonly number[] }
  | { readonly op: 'get'; readonly set: string; readonly keys: readonly number[] }
  | { readonly op: 'batch'; readonly set: string; readonly keys: ReadonlyArray<number | string> }
  | { readonly op: 'scan'; readonly set: string }
  | { readonly op: 'close' };

export interface WorkerReply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: { readonly code?: number; readonly message: string };
}

/** One key's outcome: the `n` bin read back, or the client's error code. */
export interface KeyOutcome {
  readonly key: number | string;
  readonly n?: number;
  readonly code?: number;
}

// the addon ships no types this project compiles against
type Any = any;

function loadClient(): Any {
  const dir = process.env['AEROSPIKE_OFFICIAL_DIR'];
  if (dir === undefined) throw new Error('AEROSPIKE_OFFICIAL_DIR is not set');
  return createRequire(join(dir, 'package.json'))('aerospike');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const Aerospike = loadClient();
  let client: Any;
  const keyOf = (set: string, k: number | string): Any => new Aerospike.Key('test', set, k);
  const nodes = (): Array<{ name: string; address: string }> => client.getNodes();

  const handlers: { [K in WorkerRequest['op']]: (request: Extract<WorkerRequest, { op: K }>) => Promise<unknown> } = {
    connect: async ({ seed, clusterName, logLevel }) => {
      const level = Aerospike.log[logLevel.toUpperCase()];
      client = await Aerospike.connect({
        hosts: seed,
        ...(clusterName === undefined ? {} : { clusterName }),
        log: { level: level ?? Aerospike.log.WARN, file: 2 },
        policies: { write: { key: Aerospike.policy.key.SEND } },
      });
      return nodes();
    },
    waitNodes: async ({ count, timeoutMs }) => {
      const deadline = Date.now() + timeoutMs;
      while (nodes().length !== count && Date.now() < deadline) await sleep(100);
      return nodes();
    },
    put: async ({ set, keys }) => {
      const out: KeyOutcome[] = [];
      for (const k of keys) {
        try {
          await client.put(keyOf(set, k), { n: k, s: `value-${k}` });
          out.push({ key: k, n: k });
        } catch (error) {
          out.push({ key: k, code: (error as { code?: number }).code ?? -999 });
        }
      }
      return out;
    },
    get: async ({ set, keys }) => {
      const out: KeyOutcome[] = [];
      for (const k of keys) {
        try {
          const record = await client.get(keyOf(set, k));
          out.push({ key: k, n: record.bins.n });
        } catch (error) {
          out.push({ key: k, code: (error as { code?: number }).code ?? -999 });
        }
      }
      return out;
    },
    batch: async ({ set, keys }) => {
      const results: Any[] = await client.batchRead(keys.map((k) => ({ key: keyOf(set, k), readAllBins: true })));
      return results.map((r, i): KeyOutcome => (r.status === 0 ? { key: keys[i]!, n: r.record.bins.n } : { key: keys[i]!, code: r.status }));
    },
    scan: async ({ set }) => {
      const seen: number[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = client.scan('test', set).foreach();
        stream.on('data', (record: Any) => seen.push(record.bins.n));
        stream.on('error', reject);
        stream.on('end', () => resolve());
      });
      return seen;
    },
    close: async () => {
      await client?.close();
      return null;
    },
  };

  process.on('message', (message: { id: number; request: WorkerRequest }) => {
    const { id, request } = message;
    const handler = handlers[request.op] as (r: WorkerRequest) => Promise<unknown>;
    handler(request).then(
      (value) => process.send!({ id, ok: true, value } satisfies WorkerReply),
      (error: { code?: number; message?: string }) =>
        process.send!({ id, ok: false, error: { code: error.code, message: String(error.message ?? error) } } satisfies WorkerReply),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send!({ id: 0, ok: true, value: 'ready' } satisfies WorkerReply);
}

main().catch((error) => {
  process.stderr.write(`official-client-worker: ${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
