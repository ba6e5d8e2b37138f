// A read/write load for the failover step: `workers` loops, each alternating get$ and put$ on its own
// keys, counting what each call ended with. Stops when asked, after the calls in flight end.

import { lastValueFrom } from 'rxjs';
import { isAerospikeError, type AerospikeClient } from '../../lib/index';

export interface LoadFailure {
  readonly command: 'get' | 'put';
  readonly code: string;
  readonly inDoubt: boolean;
  readonly atMs: number;
}

export interface LoadResult {
  readonly ok: { readonly get: number; readonly put: number };
  readonly failures: readonly LoadFailure[];
}

export class LoadLoop {
  private running = true;
  private readonly ok = { get: 0, put: 0 };
  private readonly failures: LoadFailure[] = [];
  private readonly workers: Promise<void>[];

  constructor(
    private readonly client: AerospikeClient,
    namespace: string,
    set: string,
    workers: number,
    keysPerWorker: number,
    private readonly now: () => number,
  ) {
    this.workers = Array.from({ length: workers }, (_, w) => this.work(namespace, set, w, keysPerWorker));
  }

  /** Ends every loop after its call in flight; resolves with the counts. */
  async stop(): Promise<LoadResult> {
    this.running = false;
    await Promise.all(this.workers);
    return { ok: { ...this.ok }, failures: [...this.failures] };
  }

  private async work(namespace: string, set: string, worker: number, keys: number): Promise<void> {
    for (let i = 0; this.running; i++) {
      const key = { namespace, set, key: worker * keys + (Math.floor(i / 2) % keys) };
      const command = i % 2 === 0 ? 'put' : 'get';
      try {
        // lastValueFrom waits for complete: firstValueFrom unsubscribes on the value, which the
        // aerospike:command span (lib/cluster/command-span.ts) records as `cancelled` today
        if (command === 'put') await lastValueFrom(this.client.put$(key, { worker, i }));
        else await lastValueFrom(this.client.get$(key));
        this.ok[command]++;
      } catch (error) {
        if (!isAerospikeError(error)) throw error;
        this.failures.push({ command, code: error.code, inDoubt: error.inDoubt === true, atMs: this.now() });
      }
    }
  }
}
