// The CLI's flags and how they become AerospikeClient options: seeds (--hosts, or --host/--port as a
// single seed, or the AEROSPIKE_* environment), credentials, TLS files and per-kind policies.
// Reads the TLS files named; opens no connection.

import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import type { ClientOptions, ClientPolicies, SeedHost, TlsOptions } from '../lib/index';

export const OPTIONS = {
  hosts: { type: 'string' },
  host: { type: 'string', short: 'h' },
  port: { type: 'string', short: 'p' },
  node: { type: 'string' },
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

export type CliValues = { readonly [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** A usage mistake: one line on stderr and exit code 2. */
export class UsageError extends Error {}

const DEFAULT_PORT = 3000;

export function positiveInt(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) <= 0) throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** The seeds: --hosts, else --host/--port, else AEROSPIKE_HOSTS, else AEROSPIKE_HOST/AEROSPIKE_PORT, else 127.0.0.1:3000. */
export function seedsOf(values: CliValues, env: Readonly<Record<string, string | undefined>>): SeedHost[] {
  if (values.hosts !== undefined && (values.host !== undefined || values.port !== undefined)) throw new UsageError('--hosts and --host/--port are alternatives: give one');
  const tlsName = values['tls-name'];
  const named = (seed: { host: string; port: number }): SeedHost => (tlsName === undefined ? seed : { ...seed, tlsName });
  if (values.hosts !== undefined) return parseHosts(values.hosts, '--hosts').map(named);
  if (values.host === undefined && values.port === undefined && env['AEROSPIKE_HOSTS'] !== undefined) return parseHosts(env['AEROSPIKE_HOSTS'], 'AEROSPIKE_HOSTS').map(named);
  const host = values.host ?? env['AEROSPIKE_HOST'] ?? '127.0.0.1';
  const port = positiveInt(values.port ?? env['AEROSPIKE_PORT'] ?? String(DEFAULT_PORT), '--port');
  if (port > 65_535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  return [named({ host, port })];
}

/** "h1:3000,h2,[::1]:3100" → seeds; the port defaults to 3000. */
export function parseHosts(text: string, flag: string): { host: string; port: number }[] {
  const entries = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (entries.length === 0) throw new UsageError(`${flag} names no host: ${JSON.stringify(text)}`);
  return entries.map((entry) => {
    const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(entry) ?? /^([0-9a-fA-F:]+)()$/.exec(entry);
    if (match === null) throw new UsageError(`${flag}: ${JSON.stringify(entry)} is not host, host:port or [ipv6]:port`);
    const port = match[2] === undefined || match[2] === '' ? DEFAULT_PORT : Number(match[2]);
    if (!(port >= 1 && port <= 65_535)) throw new UsageError(`${flag}: bad port in ${JSON.stringify(entry)}`);
    return { host: match[1]!, port };
  });
}

function tlsOf(values: CliValues): TlsOptions | undefined {
  const wanted = values.tls === true || values['tls-name'] !== undefined || values['tls-ca'] !== undefined || values['tls-cert'] !== undefined || values['tls-key'] !== undefined;
  if (!wanted) return undefined;
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const read = (file: string | undefined, flag: string): Buffer | undefined => {
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new UsageError(`${flag}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const ca = read(values['tls-ca'], '--tls-ca');
  const cert = read(values['tls-cert'], '--tls-cert');
  const key = read(values['tls-key'], '--tls-key');
  return {
    ...(values['tls-name'] !== undefined && { servername: values['tls-name'] }),
    ...(ca !== undefined && { ca }),
    ...(cert !== undefined && { cert }),
    ...(key !== undefined && { key }),
  };
}

/** Every flag that shapes the client: seeds, auth, TLS, timeouts and compression. */
export function clientOptions(values: CliValues, env: Readonly<Record<string, string | undefined>>): ClientOptions {
  const seeds = seedsOf(values, env);
  if ((values.user === undefined) !== (values.password === undefined)) throw new UsageError('--user and --password go together');
  const timeoutMs = positiveInt(values.timeout ?? '5000', '--timeout');
  const tls = tlsOf(values);
  const useCompression = values.compress === true;
  const single = { totalTimeoutMs: timeoutMs, socketTimeoutMs: timeoutMs, useCompression };
  const policies: ClientPolicies = {
    read: single,
    write: { ...single, sendKey: true },
    batch: single,
    // a scan may take as long as it needs; each read of it gets the deadline
    scan: { socketTimeoutMs: timeoutMs, useCompression },
  };
  return {
    seeds,
    policies,
    ...(values.user !== undefined && { user: values.user, password: values.password }),
    ...(tls !== undefined && { tls }),
  };
}
