// The CLI's commands over one AerospikeClient: info (every node, or --node), get, put, batch and scan
// (progress on stderr, Ctrl-C unsubscribes). Each checks its arguments before any connection is made.

import { tracingChannel } from 'node:diagnostics_channel';
import { lastValueFrom, toArray } from 'rxjs';
import { AerospikeError, CHANNEL_NAMES, Double, type AerospikeClient, type Key, type SpanContext, type Value } from '../lib/index';
import { UsageError, type CliValues } from './cli-options';
import { recordJson } from './json-value';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Resolves when the user asks to stop (Ctrl-C); the scan is then unsubscribed. */
  readonly interrupted?: Promise<void>;
}

export interface Exec {
  readonly client: AerospikeClient;
  readonly args: readonly string[];
  readonly values: CliValues;
  readonly io: CliIo;
}

export interface Command {
  check(args: readonly string[]): void;
  exec(ctx: Exec): Promise<void>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  info: {
    check: (args) => {
      if (args.length === 0) throw new UsageError('info needs at least one name');
    },
    async exec({ client, args, values, io }) {
      if (values.node !== undefined) {
        const reply = await lastValueFrom(client.info$(args, { node: values.node }));
        for (const [name, value] of Object.entries(reply)) io.stdout.write(`${name}\t${value}\n`);
        return;
      }
      const replies = await lastValueFrom(client.infoAll$(args).pipe(toArray()));
      replies.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
      for (const { node, reply } of replies) for (const [name, value] of Object.entries(reply)) io.stdout.write(`${node}\t${name}\t${value}\n`);
    },
  },
  get: {
    check: (args) => {
      if (args.length !== 3) throw new UsageError('get needs <namespace> <set> <key>');
    },
    async exec({ client, args, io }) {
      const [namespace, set, key] = args as [string, string, string];
      const record = await lastValueFrom(client.get$({ namespace, set, key: userKey(key) }));
      if (record === null) throw new AerospikeError('key_not_found', `record ${namespace}/${set}/${key} not found`, { resultCode: 2 });
      io.stdout.write(`${JSON.stringify(recordJson(record))}\n`);
    },
  },
  put: {
    check: (args) => {
      if (args.length < 4) throw new UsageError('put needs <namespace> <set> <key> <bin=value...>');
      for (const arg of args.slice(3)) if (!/^[^=]+=/.test(arg)) throw new UsageError(`bin ${JSON.stringify(arg)} is not name=value`);
    },
    async exec({ client, args, io }) {
      const [namespace, set, key, ...pairs] = args as [string, string, string, ...string[]];
      const bins: Record<string, Value> = {};
      for (const pair of pairs) {
        const at = pair.indexOf('=');
        bins[pair.slice(0, at)] = binValue(pair.slice(at + 1));
      }
      const result = await lastValueFrom(client.put$({ namespace, set, key: userKey(key) }, bins));
      io.stdout.write(`ok generation=${result.generation}\n`);
    },
  },
  batch: {
    check: (args) => {
      if (args.length < 3) throw new UsageError('batch needs <namespace> <set> <key...>');
    },
    async exec({ client, args, io }) {
      const [namespace, set, ...keys] = args as [string, string, ...string[]];
      const records = await lastValueFrom(client.batchGet$(keys.map((key): Key => ({ namespace, set, key: userKey(key) }))));
      for (const record of records) io.stdout.write(`${record === null ? 'null' : JSON.stringify(recordJson(record))}\n`);
    },
  },
  scan: {
    check: (args) => {
      if (args.length < 1 || args.length > 2) throw new UsageError('scan needs <namespace> [set]');
    },
    exec: (ctx) => scan(ctx),
  },
};

/**
 * Streams the scan from every node, reporting progress on stderr; Ctrl-C unsubscribes (every node's
 * socket is destroyed) and ends with exit code 0. Bytes are known per node stream once it ends (or is
 * cut), from its aerospike:command:recv span, so only the final line carries them.
 */
function scan({ client, args, values, io }: Exec): Promise<void> {
  const [namespace, set] = args as [string, string | undefined];
  const started = performance.now();
  let records = 0;
  const streams = { bytes: 0, ended: 0, cut: 0 };
  let lastReportMs = started;
  let lastLength = 0;
  const recv = tracingChannel(CHANNEL_NAMES.commandRecv);
  const onEnd = {
    asyncEnd: (ctx: SpanContext) => {
      streams.bytes += ctx.bytes ?? 0;
      if (ctx.cancelled === true) streams.cut++;
      else streams.ended++;
    },
  };
  recv.subscribe(onEnd as never);
  const write = (line: string, final: boolean): void => {
    io.stderr.write(`\r${line.padEnd(lastLength)}${final ? '\n' : ''}`);
    lastLength = line.length;
  };
  const progress = (): void => {
    const seconds = (performance.now() - started) / 1000;
    write(`records ${records}  ${Math.round(records / seconds)} records/s`, false);
  };
  const summary = (): void => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? streams.bytes / 1e6 / seconds : 0;
    const cut = streams.cut > 0 ? `, ${streams.cut} cut` : '';
    write(`records ${records}  ${(streams.bytes / 1e6).toFixed(1)} MB  ${rate.toFixed(1)} MB/s  ${streams.ended} node stream${streams.ended === 1 ? '' : 's'}${cut}`, true);
  };
  return new Promise<void>((resolve, reject) => {
    const finish = (): void => void recv.unsubscribe(onEnd as never);
    const subscription = client.scan$(namespace, set).subscribe({
      next: (record) => {
        records++;
        if (values.print === true) io.stdout.write(`${JSON.stringify(recordJson(record))}\n`);
        const now = performance.now();
        if (now - lastReportMs > 200) {
          lastReportMs = now;
          progress();
        }
      },
      error: (err: unknown) => {
        finish();
        if (lastLength > 0) io.stderr.write('\n');
        reject(err);
      },
      complete: () => {
        summary();
        finish();
        resolve();
      },
    });
    void io.interrupted?.then(() => {
      if (subscription.closed) return;
      subscription.unsubscribe();
      summary();
      finish();
      io.stderr.write('scan stopped\n');
      resolve();
    });
  });
}

/** Up to 15 digits: an integer key; anything else: a string key. */
function userKey(text: string): string | number {
  return /^-?\d{1,15}$/.test(text) ? Number(text) : text;
}

function binValue(text: string): Value {
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  if (/^-?\d+\.\d+$/.test(text)) return Double(Number(text));
  return text;
}
