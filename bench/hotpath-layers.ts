// The client layers alone: AerospikeClient.get$/put$ over a transport whose command$ answers at once
// with a reply captured from the cluster (tending and connections are real), against the same canned
// command$ subscribed bare. No socket I/O per operation, so the CPU per op is the layers' own cost,
// steady under a loaded machine where the socket figures of bench/hotpath.ts swing. Prints JSON lines.
//
//   node -r ts-node/register/transpile-only bench/hotpath-layers.ts --hosts h:p,… [--ops 200000] [--rounds 5]

import { firstValueFrom, Observable } from 'rxjs';
import { AerospikeClient } from '../lib/index';
import { TcpTransport } from '../lib/net/tcp-transport';
import type { Connection, NodeTransport, PendingCall, ReplySink, Request, CommandOptions } from '../lib/node-transport';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** TcpTransport with command$ answered from `canned` once it is set (the first real reply fills it). */
class CannedTransport extends TcpTransport {
  canned = new Map<string, Buffer>();
  mode: 'get' | 'put' = 'get';

  override command$(conn: Connection, request: Request, deadlineMs: number, opts?: CommandOptions): Observable<Buffer> {
    const body = this.canned.get(this.mode);
    if (body === undefined) {
      return new Observable<Buffer>((subscriber) =>
        super.command$(conn, request, deadlineMs, opts).subscribe({
          next: (b) => {
            this.canned.set(this.mode, Buffer.from(b));
            subscriber.next(b);
          },
          error: (e: unknown) => subscriber.error(e),
          complete: () => subscriber.complete(),
        }),
      );
    }
    return new Observable<Buffer>((subscriber) => {
      subscriber.next(body);
      subscriber.complete();
    });
  }

  // the client's key commands call commandCall: answered from `canned` the same way
  override commandCall(conn: Connection, request: Request, deadlineMs: number, opts: CommandOptions | undefined, sink: ReplySink): PendingCall {
    const body = this.canned.get(this.mode);
    if (body === undefined) {
      return super.commandCall(conn, request, deadlineMs, opts, {
        reply: (b) => {
          this.canned.set(this.mode, Buffer.from(b));
          sink.reply(b);
        },
        fail: (e) => sink.fail(e),
      });
    }
    sink.reply(body);
    return ANSWERED;
  }
}

const ANSWERED: PendingCall = { cancel: () => undefined };

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const hosts = arg('hosts', process.env['AEROSPIKE_HOSTS'] ?? '');
  const ops = Number(arg('ops', '200000'));
  const rounds = Number(arg('rounds', '5'));
  const transport = new CannedTransport();
  const client = await firstValueFrom(AerospikeClient.connect$({ seeds: hosts, transport: transport as NodeTransport }));
  const keys = Array.from({ length: 5000 }, (_, i) => ({ namespace: 'test', set: 'hotpath', key: i }));
  const value = 'x'.repeat(100);
  const sink = { next: () => undefined, error: (e: unknown) => { console.error(String(e)); process.exit(1); }, complete: () => undefined };
  const runs: Record<string, () => void> = {
    get: () => {
      for (let i = 0; i < ops; i++) client.get$(keys[i % 5000]!).subscribe(sink);
    },
    put: () => {
      for (let i = 0; i < ops; i++) client.put$(keys[i % 5000]!, { n: i, s: value }).subscribe(sink);
    },
  };
  // a connection idle on every node first: the canned loops never wait for a connect
  for (let i = 0; i < 30; i++) await firstValueFrom(client.get$(keys[i]!));
  for (const op of ['get', 'put'] as const) {
    transport.mode = op;
    await firstValueFrom(op === 'get' ? client.get$(keys[0]!) : client.put$(keys[0]!, { n: 0, s: value }));
    const body = transport.canned.get(op)!;
    const bare = (): void => {
      const conn = undefined as unknown as Connection;
      for (let i = 0; i < ops; i++) transport.command$(conn, body, 1000).subscribe(sink);
    };
    const perOp: Record<string, number[]> = { client: [], bare: [] };
    runs[op]!();
    bare();
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of [['client', runs[op]!], ['bare', bare]] as const) {
        const cpu0 = process.cpuUsage();
        fn();
        const cpu = process.cpuUsage(cpu0);
        perOp[name]!.push((cpu.user + cpu.system) / ops);
      }
    }
    console.log(JSON.stringify({ op, clientUsPerOp: median(perOp['client']!), bareUsPerOp: median(perOp['bare']!), clientRounds: perOp['client']!.map((x) => +x.toFixed(2)) }));
  }
  client.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
