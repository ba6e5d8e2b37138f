#!/usr/bin/env node
// Entry point of the aerospike-rx CLI: wires runCli to the process (argv, stdio, Ctrl-C, exit code).

import { runCli } from './cli';

let interrupt: () => void = () => undefined;
const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
process.once('SIGINT', () => interrupt());

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, interrupted }).then(
  (code) => {
    process.exitCode = code;
    process.removeAllListeners('SIGINT');
  },
  (err: unknown) => {
    process.stderr.write(`aerospike-rx: unexpected failure: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
