// The aerospike-rx command line: info per node, and get, put, batch and scan through the cluster-aware
// AerospikeClient (public API only). `runCli` is the testable core: it takes argv and streams and
// resolves with the exit code; bin/aerospike-rx.ts wires it to the process.

import { parseArgs } from 'node:util';
import { firstValueFrom } from 'rxjs';
import { AerospikeClient, AerospikeError } from '../lib/index';
import { COMMANDS, type CliIo } from './cli-commands';
import { clientOptions, OPTIONS, UsageError, type CliValues } from './cli-options';

export type { CliIo } from './cli-commands';

export const USAGE = `Usage: aerospike-rx <command> [options]

Commands:
  info <name...>                       send info names to every node, print "node<TAB>name<TAB>value"
                                       lines; with --node, that node only, "name<TAB>value" lines
  get <namespace> <set> <key>          read a record, print it as JSON
  put <namespace> <set> <key> <bin=value...>
                                       write bins (integers, decimals and strings)
  batch <namespace> <set> <key...>     read the records in one batch, print one JSON line per key
                                       (null when the record does not exist)
  scan <namespace> [set]               stream every record of a namespace (or set) from every node;
                                       progress on stderr, Ctrl-C stops cleanly

Keys of up to 15 digits are integers, other keys strings. Values print as JSON: bigints as strings,
blobs as hex, maps with non-string keys as [key, value] pairs.

Options:
      --hosts <h:p,...>    seed nodes, e.g. 10.0.0.1:3000,10.0.0.2:3000 (or AEROSPIKE_HOSTS);
                           the rest of the cluster is discovered from them
  -h, --host <host>        a single seed (default 127.0.0.1, or AEROSPIKE_HOST)
  -p, --port <port>        its port (default 3000, or AEROSPIKE_PORT)
      --node <name>        info: ask only this node (its node id, e.g. BB9020011AC4202)
  -U, --user <user>        user name (with --password)
  -P, --password <pw>      password (internal auth)
      --timeout <ms>       get, put, batch: total time per command; scan: per-read deadline
                           (default 5000)
      --compress           compress requests and ask for compressed replies
      --tls                connect over TLS
      --tls-name <name>    TLS name of the nodes (default: the host)
      --tls-ca <file>      CA certificate (PEM)
      --tls-cert <file>    client certificate (PEM), for mTLS
      --tls-key <file>     client key (PEM), for mTLS
      --print              scan: also print every record as a JSON line
      --help               this text`;

export async function runCli(argv: readonly string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: CliValues;
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
  let client: AerospikeClient | undefined;
  try {
    const [command, ...args] = positionals;
    const run = COMMANDS[command ?? ''];
    if (run === undefined) throw new UsageError(command === undefined ? 'missing command' : `unknown command ${JSON.stringify(command)}`);
    const options = clientOptions(values, env);
    run.check(args);
    if (values.node !== undefined && command !== 'info') throw new UsageError('--node applies to info only');
    client = await firstValueFrom(AerospikeClient.connect$(options));
    await run.exec({ client, args, values, io });
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
    client?.close();
  }
}
