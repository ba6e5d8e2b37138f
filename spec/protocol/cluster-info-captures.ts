// Loads spec/fixtures/cluster-info: info replies of real 8.1.2 clusters, one JSON object per node
// and moment (see the README there). Shared by the parser specs and their fuzzer.

import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../fixtures/cluster-info');

export interface InfoCapture {
  /** `<folder>/<file without .json>`, e.g. `two-namespaces/stable3-3500`. */
  readonly name: string;
  readonly values: Readonly<Record<string, string>>;
}

let cached: InfoCapture[] | undefined;

export function loadInfoCaptures(): readonly InfoCapture[] {
  cached ??= fs
    .readdirSync(ROOT, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((dir) =>
      fs
        .readdirSync(path.join(ROOT, dir.name))
        .filter((file) => file.endsWith('.json'))
        .sort()
        .map((file) => ({
          name: `${dir.name}/${file.slice(0, -'.json'.length)}`,
          values: JSON.parse(fs.readFileSync(path.join(ROOT, dir.name, file), 'utf8')) as Record<string, string>,
        })),
    );
  return cached;
}

export function infoCapture(name: string): InfoCapture {
  const found = loadInfoCaptures().find((c) => c.name === name);
  if (found === undefined) throw new Error(`no info capture ${name}`);
  return found;
}

/** Every captured value of `key`, with the capture it came from. */
export function capturedValues(key: string): { readonly name: string; readonly value: string }[] {
  return loadInfoCaptures().flatMap((c) => (c.values[key] === undefined ? [] : [{ name: c.name, value: c.values[key]! }]));
}

/** The value of `key` in capture `name`; throws when absent so a renamed fixture fails loudly. */
export function capturedValue(name: string, key: string): string {
  const value = infoCapture(name).values[key];
  if (value === undefined) throw new Error(`info capture ${name} has no ${key}`);
  return value;
}
