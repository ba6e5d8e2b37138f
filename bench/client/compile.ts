// Compiles lib/ and bench/ with tsc to a temp dir, so bench processes run plain node on the output:
// ts-node (even transpile-only) keeps the TypeScript compiler loaded in every process, which adds
// tens of MB to each peak RSS and seconds to each start, while the emitted code is the same.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

/** The temp dir holding lib/ and bench/ as .js (the caller removes it). */
export function compileBench(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'aerospike-rx-bench-'));
  const config = join(outDir, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { outDir, rootDir: ROOT, noEmit: false, sourceMap: false, declaration: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
      include: [join(ROOT, 'lib/**/*.ts'), join(ROOT, 'bench/**/*.ts')],
    }),
  );
  const started = Date.now();
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', config], { stdio: 'inherit' });
  if (tsc.status !== 0) console.warn('tsc reported errors; running what it emitted');
  console.log(`compiled lib/ and bench/ to ${outDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return outDir;
}
