// Reads the real-server captures committed in spec/fixtures/captures: the whole frames of one
// connection and direction, located by the offsets in NAME.frames.json. Spec support only.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The committed copy of the captures (see its README.md); nothing reads a folder outside the repository. */
export const CAPTURES_DIR = join(__dirname, '..', 'fixtures', 'captures');

interface FrameEntry {
  readonly offset: number;
  readonly length: number;
}

/** The frames (header included) of `conn` in direction `dir` of capture `name` (e.g. '02-put'). */
export function captureFrames(name: string, dir: 'c2s' | 's2c', conn = 2): Buffer[] {
  const index = JSON.parse(readFileSync(join(CAPTURES_DIR, `${name}.frames.json`), 'utf8')) as {
    connections: { conn: number; directions: Record<string, { frames: FrameEntry[] }> }[];
  };
  const connection = index.connections.find((c) => c.conn === conn);
  if (connection === undefined) throw new Error(`${name} has no conn${conn}`);
  const stream = readFileSync(join(CAPTURES_DIR, `${name}.conn${conn}.${dir}.bin`));
  return connection.directions[dir]!.frames.map((f) => stream.subarray(f.offset, f.offset + 8 + f.length));
}

/** Hex with spaces and line breaks removed (for vectors copied from protocol.md). */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[^0-9a-f]/gi, ''), 'hex');
}
