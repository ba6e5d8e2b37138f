// The aerospike-rx command line: info, get, put and scan against one node, built only on the public
// API (TcpTransport + request builders). `runCli` is the testable core: it takes argv and streams
// and resolves with the exit code; bin/aerospike-rx.ts wires it to the process.

import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { firstValueFrom, type Observable } from 'rxjs';
import { AerospikeError } from '../lib/errors';
import { TcpTransport } from '../lib/net/tcp-transport';
import type { Connection, ConnectOptions, TlsOptions } from '../lib/node-transport';
import { decodeRecord, decodeRecords, type DecodedRecord } from '../lib/protocol/record';
import { encodeGet, encodePut } from '../lib/protocol/requests';
import { encodePartitionScan } from '../lib/protocol/scan-request';
import { asDouble, RawValue, type BinValue, type DecodedBinValue } from '../lib/protocol/particle';
import { isDouble } from '../lib/protocol/double';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Resolves when the user asks to stop (Ctrl-C); the scan is then unsubscribed. */
  readonly interrupted?: Promise<void>;
}

export const USAGE = `Usage: aerospike-rx <command> [options]

Commands:
  info <name...>                       send info names, print "name<TAB>value" lines
  get <namespace> <set> <key>          read a record, print it as JSON
  put <namespace> <set> <key> <bin=value...>
                                       write bins (integers, decimals and strings)
  scan <namespace> [set]               stream every record of a namespace (or set);
                                       progress on stderr, Ctrl-C stops cleanly

Options:
  -h, --host <host>        node address (default 127.0.0.1, or AEROSPIKE_HOST)
  -p, --port <port>        node port (default 3000, or AEROSPIKE_PORT)
  -U, --user <user>        user name (with --password)
  -P, --password <pw>      password (internal auth)
      --timeout <ms>       per-read deadline (default 5000)
      --compress           compress requests and ask for compressed replies
      --tls                connect over TLS
      --tls-name <name>    TLS name of the node (default: the host)
      --tls-ca <file>      CA certificate (PEM)
      --tls-cert <file>    client certificate (PEM), for mTLS
      --tls-key <file>     client key (PEM), for mTLS
      --print              scan: also print every record as a JSON line
      --help               this text`;

const OPTIONS = {
  host: { type: 'string', short: 'h' },
  port: { type: 'string', short: 'p' },
  user: { type: 'string', short: 'U' },
  password: { type: 'string', short: 'P' },
  timeout: { type: 'string' },
  compress: { type: 'boolean' },
  tls: { type: 'boolean' },
  'tls-name': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  print: { type: 'boolean' },
  help: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

/** A usage mistake: one line on stderr and exit code 2. */
class UsageError extends Error {}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export async function runCli(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    io.stderr.write(`aerospike-rx: ${(err as Error).message.split('\n')[0]} (see --help)\n`);
    return 2;
  }
  if (values.help === true) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const transport = new TcpTransport();
  let conn: Connection | undefined;
  try {
    const [command, ...args] = positionals;
    const run = COMMANDS[command ?? ''];
    if (run === undefined) throw new UsageError(command === undefined ? 'missing command' : `unknown command ${JSON.stringify(command)}`);
    const target = connectTarget(values, env);
    const deadlineMs = positiveInt(values.timeout ?? '5000', '--timeout');
    run.check(args);
    conn = await firstValueFrom(transport.connect$(target.host, target.port, target.options));
    await run.exec({ transport, conn, args, deadlineMs, values, io });
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`aerospike-rx: ${err.message} (see --help)\n`);
      return 2;
    }
    if (err instanceof AerospikeError) {
      io.stderr.write(`aerospike-rx: ${err.code}: ${err.message}\n`);
      return 1;
    }
    if (err instanceof TypeError || err instanceof RangeError) {
      io.stderr.write(`aerospike-rx: ${err.message} (see --help)\n`);
      return 2;
    }
    throw err;
  } finally {
    if (conn !== undefined) transport.close(conn);
  }
}

interface Target {
  readonly host: string;
  readonly port: number;
  readonly options: ConnectOptions;
}

function connectTarget(values: Values, env: NodeJS.ProcessEnv): Target {
  const host = values.host ?? env['AEROSPIKE_HOST'] ?? '127.0.0.1';
  const port = positiveInt(values.port ?? env['AEROSPIKE_PORT'] ?? '3000', '--port');
  if ((values.user === undefined) !== (values.password === undefined)) throw new UsageError('--user and --password go together');
  const tlsWanted = values.tls === true || ['tls-name', 'tls-ca', 'tls-cert', 'tls-key'].some((k) => values[k as keyof Values] !== undefined);
  let tls: TlsOptions | undefined;
  if (tlsWanted) {
    const read = (file: string | undefined, flag: string): Buffer | undefined => {
      if (file === undefined) return undefined;
      try {
        return readFileSync(file);
      } catch (err) {
        throw new UsageError(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    };
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
    const ca = read(values['tls-ca'], '--tls-ca');
    const cert = read(values['tls-cert'], '--tls-cert');
    const key = read(values['tls-key'], '--tls-key');
    tls = {
      ...(values['tls-name'] !== undefined ? { servername: values['tls-name'] } : {}),
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
    };
  }
  const options: ConnectOptions = {
    ...(values.user !== undefined ? { user: values.user, password: values.password } : {}),
    ...(tls !== undefined ? { tls } : {}),
  };
  return { host, port, options };
}

function positiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

interface Exec {
  readonly transport: TcpTransport;
  readonly conn: Connection;
  readonly args: readonly string[];
  readonly deadlineMs: number;
  readonly values: Values;
  readonly io: CliIo;
}

interface Command {
  check(args: readonly string[]): void;
  exec(ctx: Exec): Promise<void>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  info: {
    check: (args) => {
      if (args.length === 0) throw new UsageError('info needs at least one name');
    },
    async exec({ transport, conn, args, io }) {
      const reply = await firstValueFrom(transport.info$(conn, args));
      for (const [name, value] of Object.entries(reply)) io.stdout.write(`${name}\t${value}\n`);
    },
  },
  get: {
    check: (args) => {
      if (args.length !== 3) throw new UsageError('get needs <namespace> <set> <key>');
    },
    async exec({ transport, conn, args, deadlineMs, values, io }) {
      const [namespace, set, key] = args as [string, string, string];
      const request = encodeGet({ namespace, set, key: userKey(key) }, { useCompression: values.compress === true });
      const record = decodeRecord(await firstValueFrom(transport.command$(conn, request, deadlineMs, { useCompression: values.compress === true })));
      if (record.resultCode === 2) throw new AerospikeError('key_not_found', `record ${namespace}/${set}/${key} not found`, { resultCode: 2 });
      if (record.resultCode !== 0) throw AerospikeError.fromResultCode(record.resultCode, 'get');
      io.stdout.write(`${JSON.stringify(recordJson(record))}\n`);
    },
  },
  put: {
    check: (args) => {
      if (args.length < 4) throw new UsageError('put needs <namespace> <set> <key> <bin=value...>');
      for (const arg of args.slice(3)) if (!/^[^=]+=/.test(arg)) throw new UsageError(`bin ${JSON.stringify(arg)} is not name=value`);
    },
    async exec({ transport, conn, args, deadlineMs, values, io }) {
      const [namespace, set, key, ...pairs] = args as [string, string, string, ...string[]];
      const bins = pairs.map((pair): [string, BinValue] => {
        const at = pair.indexOf('=');
        return [pair.slice(0, at), binValue(pair.slice(at + 1))];
      });
      const request = encodePut({ namespace, set, key: userKey(key) }, bins, { sendKey: true });
      const reply = decodeRecord(await firstValueFrom(transport.command$(conn, request, deadlineMs, { useCompression: values.compress === true })));
      if (reply.resultCode !== 0) throw AerospikeError.fromResultCode(reply.resultCode, 'put');
      io.stdout.write(`ok generation=${reply.generation}\n`);
    },
  },
  scan: {
    check: (args) => {
      if (args.length < 1 || args.length > 2) throw new UsageError('scan needs <namespace> [set]');
    },
    exec: (ctx) => scan(ctx),
  },
};

/** Streams the scan with stream$, reporting progress on stderr; Ctrl-C unsubscribes (the socket closes). */
function scan({ transport, conn, args, deadlineMs, values, io }: Exec): Promise<void> {
  const [namespace, set] = args as [string, string | undefined];
  const compress = values.compress === true;
  const request = encodePartitionScan({ namespace, set: set ?? '', taskId: BigInt(Date.now()) * 1000n + BigInt(process.pid % 1000), useCompression: compress });
  const started = process.hrtime.bigint();
  let frames = 0;
  let records = 0;
  let bytes = 0;
  let lastReport = 0;
  const report = (final: boolean): void => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rate = seconds > 0 ? bytes / 1e6 / seconds : 0;
    io.stderr.write(`\rframes ${frames}  records ${records}  ${(bytes / 1e6).toFixed(1)} MB  ${rate.toFixed(1)} MB/s${final ? '\n' : ''}`);
  };
  return new Promise<void>((resolve, reject) => {
    const source: Observable<Buffer> = transport.stream$(conn, request, deadlineMs, { useCompression: compress });
    const subscription = source.subscribe({
      next: (frame) => {
        frames++;
        bytes += frame.length;
        for (const record of decodeRecords(frame.subarray(8))) {
          if (record.last) {
            if (record.resultCode !== 0 && record.resultCode !== 2) reject(AerospikeError.fromResultCode(record.resultCode, 'scan'));
            continue;
          }
          if (record.partitionDone) continue;
          records++;
          if (values.print === true) io.stdout.write(`${JSON.stringify(recordJson(record))}\n`);
        }
        const now = Date.now();
        if (now - lastReport > 200) {
          lastReport = now;
          report(false);
        }
      },
      error: reject,
      complete: () => {
        report(true);
        resolve();
      },
    });
    void io.interrupted?.then(() => {
      if (subscription.closed) return;
      subscription.unsubscribe();
      report(true);
      io.stderr.write('scan stopped\n');
      resolve();
    });
  });
}

function userKey(text: string): string | number {
  return /^-?\d{1,15}$/.test(text) ? Number(text) : text;
}

function binValue(text: string): BinValue {
  if (/^-?\d{1,15}$/.test(text)) return Number(text);
  if (/^-?\d+\.\d+$/.test(text)) return asDouble(Number(text));
  return text;
}

/** A value as JSON can carry it: bigints as strings, blobs as hex, Maps as [key, value] pairs, raw particles as type + hex. */
function jsonValue(value: DecodedBinValue): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (value instanceof RawValue) return { particleType: value.particleType, hex: value.bytes.toString('hex') };
  if (Array.isArray(value)) return value.map(jsonValue);
  if (value instanceof Map) return [...value].map(([k, v]) => [jsonValue(k), jsonValue(v)]);
  if (value !== null && typeof value === 'object' && !isDouble(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  return value;
}

function recordJson(record: DecodedRecord): object {
  const bins: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(record.bins)) bins[name] = jsonValue(value);
  return { generation: record.generation, voidTime: record.voidTime, ...(record.digest ? { digest: record.digest.toString('hex') } : {}), bins };
}
