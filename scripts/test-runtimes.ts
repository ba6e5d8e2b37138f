// `npm run test:runtimes`: runs the smoke script and `npm start`'s entry, compiled once to plain
// JavaScript, under Node 20, 22 and 24, Bun 1.x and Deno 2.x, and prints runtime × result.
// Runtimes come from their npm packages (node-<os>-<arch>, @oven/bun-<os>-<arch>, @deno/<os>-<arch>),
// installed on first use into a cache folder outside the repository; none becomes a dependency.
//
// Env: RUNTIMES (comma list of node20,node22,node24,bun,deno; default all), AEROSPIKE_RX_CACHE
// (default $XDG_CACHE_HOME/aerospike-rx or ~/.cache/aerospike-rx), RUNTIME_TIMEOUT_MS (120000).

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const CACHE = process.env['AEROSPIKE_RX_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'aerospike-rx');
const TIMEOUT_MS = Number(process.env['RUNTIME_TIMEOUT_MS'] ?? 120_000);
const SMOKE_ENTRY = 'scripts/smoke.ts';

interface Runtime {
  readonly id: string;
  readonly title: string;
  /** The npm package holding the binary, its version range, and the binary's path inside it. */
  readonly pkg: () => { name: string; range: string; bin: string } | string;
  /** Arguments before the script path. */
  readonly args: readonly string[];
  /** Used instead of installing when the running Node is of this major version. */
  readonly nodeMajor?: number;
}

const platform = process.platform;
const arch = process.arch;
const isMusl = platform === 'linux' && (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header?.glibcVersionRuntime === undefined;

function nodePackage(major: number): { name: string; range: string; bin: string } | string {
  const os = platform === 'win32' ? 'win' : platform;
  if (!['linux', 'darwin', 'win'].includes(os) || !['x64', 'arm64'].includes(arch) || isMusl) return `no node-${os}-${arch} package for this platform`;
  return { name: `node-${os}-${arch}`, range: String(major), bin: platform === 'win32' ? 'bin/node.exe' : 'bin/node' };
}

function bunPackage(): { name: string; range: string; bin: string } | string {
  const cpu = arch === 'arm64' ? 'aarch64' : arch;
  if (!['linux', 'darwin', 'win32'].includes(platform) || !['x64', 'aarch64'].includes(cpu)) return `no Bun package for ${platform}-${arch}`;
  const os = platform === 'win32' ? 'windows' : platform;
  // Bun's default x64 build needs AVX2; the baseline build runs on any x86-64
  const baseline = cpu === 'x64' && platform === 'linux' && !/\bavx2\b/.test(readIfExists('/proc/cpuinfo'));
  const name = `@oven/bun-${os}-${cpu}${isMusl ? '-musl' : ''}${baseline ? '-baseline' : ''}`;
  return { name, range: '1', bin: platform === 'win32' ? 'bin/bun.exe' : 'bin/bun' };
}

function denoPackage(): { name: string; range: string; bin: string } | string {
  if (isMusl) return 'Deno publishes no musl build';
  const os = platform === 'win32' ? 'win32' : platform;
  const suffix = platform === 'linux' ? '-glibc' : '';
  if (!['linux', 'darwin', 'win32'].includes(os) || !['x64', 'arm64'].includes(arch)) return `no Deno package for ${platform}-${arch}`;
  return { name: `@deno/${os}-${arch}${suffix}`, range: '2', bin: platform === 'win32' ? 'deno.exe' : 'deno' };
}

const RUNTIMES: readonly Runtime[] = [
  { id: 'node20', title: 'Node 20', pkg: () => nodePackage(20), args: [], nodeMajor: 20 },
  { id: 'node22', title: 'Node 22', pkg: () => nodePackage(22), args: [], nodeMajor: 22 },
  { id: 'node24', title: 'Node 24', pkg: () => nodePackage(24), args: [], nodeMajor: 24 },
  { id: 'bun', title: 'Bun 1.x', pkg: bunPackage, args: [] },
  // Deno runs the CommonJS output as such because the build folder's package.json says "type": "commonjs"
  { id: 'deno', title: 'Deno 2.x', pkg: denoPackage, args: ['run', '--allow-all', '--no-lock'] },
];

function readIfExists(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Compiles lib/, bin/, examples/ and scripts/ once; every runtime then runs the same JavaScript. */
function build(): string {
  const out = join(CACHE, 'build', createHash('sha256').update(ROOT).digest('hex').slice(0, 12));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const config = join(out, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { outDir: out, rootDir: ROOT, noEmit: false, sourceMap: false, declaration: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      include: ['lib', 'bin', 'examples', 'scripts'].map((dir) => join(ROOT, dir, '**/*.ts')),
    }),
  );
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', config], { stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error('compiling for the runtime matrix failed');
  writeFileSync(join(out, 'package.json'), JSON.stringify({ private: true, type: 'commonjs' }));
  symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'), 'junction');
  mkdirSync(join(out, 'spec'), { recursive: true });
  symlinkSync(join(ROOT, 'spec', 'fixtures'), join(out, 'spec', 'fixtures'), 'junction');
  return out;
}

/** The binary of `runtime`: the running Node when it matches, else its npm package, installed once into the cache. */
function install(runtime: Runtime): { bin: string } | { skip: string } {
  if (runtime.nodeMajor !== undefined && Number(process.versions.node.split('.')[0]) === runtime.nodeMajor) return { bin: process.execPath };
  const pkg = runtime.pkg();
  if (typeof pkg === 'string') return { skip: pkg };
  const dir = join(CACHE, 'runtimes', `${pkg.name.replace('/', '+')}@${pkg.range}`);
  const bin = join(dir, 'node_modules', pkg.name, pkg.bin);
  if (existsSync(bin) && spawnSync(bin, ['--version'], { timeout: 30_000 }).status === 0) return { bin };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true }));
  log(`installing ${pkg.name}@${pkg.range} into ${dir}`);
  const npm = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `${pkg.name}@${pkg.range}`], {
    cwd: dir,
    stdio: 'inherit',
    timeout: 600_000,
    shell: process.platform === 'win32',
  });
  if (npm.status !== 0 || !existsSync(bin)) return { skip: `npm install ${pkg.name}@${pkg.range} failed` };
  return { bin };
}

/** `npm start`'s script file (the first .ts/.js argument of the start script), as compiled JavaScript. */
function startEntry(out: string): { file: string; args: string[] } {
  const start: string | undefined = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts?.start;
  if (start === undefined) throw new Error('package.json has no start script');
  const words = start.split(/\s+/).filter((w) => w.length > 0);
  const at = words.findIndex((w, i) => /\.(ts|js|cjs)$/.test(w) && words[i - 1] !== '-r' && words[i - 1] !== '--require');
  if (at < 0) throw new Error(`cannot find the script file in the start script: ${start}`);
  const file = words[at]!;
  return { file: join(out, file.replace(/\.ts$/, '.js')), args: words.slice(at + 1) };
}

interface Outcome {
  readonly ok: boolean;
  readonly ms: number;
  readonly output: string;
}

function run(bin: string, runtime: Runtime, file: string, args: readonly string[], out: string, expect?: RegExp): Outcome {
  const started = Date.now();
  const result = spawnSync(bin, [...runtime.args, file, ...args], {
    cwd: out,
    timeout: TIMEOUT_MS,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error !== undefined ? `\n${result.error.message}` : ''}`;
  const ok = result.status === 0 && (expect === undefined || expect.test(output));
  return { ok, ms: Date.now() - started, output };
}

function versionOf(bin: string): string {
  const result = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return (result.stdout ?? '').split('\n')[0]!.replace(/^deno /, '').replace(/ \(.*$/, '').trim();
}

function main(): void {
  const wanted = process.env['RUNTIMES']?.split(',').map((s) => s.trim());
  const runtimes = RUNTIMES.filter((r) => wanted === undefined || wanted.includes(r.id));
  const started = Date.now();
  const out = build();
  const start = startEntry(out);
  const smoke = join(out, SMOKE_ENTRY.replace(/\.ts$/, '.js'));
  log(`compiled to ${out}; npm start runs ${relative(out, start.file)}`);
  const rows: string[][] = [['runtime', 'version', 'smoke', 'npm start', 'time']];
  const failures: string[] = [];
  let passedRuntimes = 0;
  for (const runtime of runtimes) {
    const installed = install(runtime);
    if ('skip' in installed) {
      rows.push([runtime.title, '—', 'not run', 'not run', installed.skip]);
      failures.push(`${runtime.title}: ${installed.skip}`);
      continue;
    }
    const version = versionOf(installed.bin);
    const smokeRun = run(installed.bin, runtime, smoke, [], out, /^smoke: \d+ checks passed/m);
    const startRun = run(installed.bin, runtime, start.file, start.args, out);
    const checks = /^smoke: (\d+) checks passed/m.exec(smokeRun.output)?.[1];
    rows.push([runtime.title, version, smokeRun.ok ? `pass (${checks} checks)` : 'FAIL', startRun.ok ? 'pass' : 'FAIL', `${((smokeRun.ms + startRun.ms) / 1000).toFixed(1)} s`]);
    log(`${runtime.title} (${version}): smoke ${smokeRun.ok ? 'pass' : 'FAIL'}, npm start ${startRun.ok ? 'pass' : 'FAIL'}`);
    if (smokeRun.ok && startRun.ok) passedRuntimes++;
    if (!smokeRun.ok) failures.push(`${runtime.title} smoke:\n${smokeRun.output}`);
    if (!startRun.ok) failures.push(`${runtime.title} npm start:\n${startRun.output}`);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: readonly string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ');
  log('');
  log(line(rows[0]!));
  log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) log(line(r));
  log(`\n${passedRuntimes} of ${runtimes.length} runtimes passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  for (const failure of failures) log(`\n--- ${failure}`);
  if (failures.length > 0) process.exitCode = 1;
  else rmSync(out, { recursive: true, force: true });
}

main();
