// Installs the official `aerospike` client (a C addon) on demand into a cache folder outside the repo,
// for the scripts that compare against it (check:official, bench:client). Never a dependency.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The latest release; the package ships prebuilt addons for Node 20, 22, 24 and 25 (ABI 115, 127, 137, 141). */
export const OFFICIAL_VERSION = '6.7.1';

/** The folder whose node_modules holds aerospike@OFFICIAL_VERSION, installed first when missing. */
export function ensureOfficialClient(): string {
  const dir = process.env['AEROSPIKE_OFFICIAL_DIR'] ?? join(homedir(), '.cache', 'aerospike-rx', 'official');
  const manifest = join(dir, 'node_modules', 'aerospike', 'package.json');
  const installed = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version : undefined;
  if (installed !== OFFICIAL_VERSION) {
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
    console.log(`installing aerospike@${OFFICIAL_VERSION} into ${dir} (about 140 MB)…`);
    // --ignore-scripts: the prebuilt addon is in the package; its install script would try a source build
    const npm = spawnSync('npm', ['install', '--prefix', dir, '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `aerospike@${OFFICIAL_VERSION}`], {
      stdio: 'inherit',
    });
    if (npm.status !== 0) throw new Error(`npm install aerospike@${OFFICIAL_VERSION} failed (exit ${npm.status})`);
  }
  const abi = `node-v${process.versions.modules}-${process.platform}-${process.arch}`;
  if (!existsSync(join(dir, 'node_modules', 'aerospike', 'lib', 'binding', abi, 'aerospike.node'))) {
    throw new Error(`aerospike@${OFFICIAL_VERSION} has no prebuilt addon for ${abi}`);
  }
  return dir;
}

