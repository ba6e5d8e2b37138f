// Loads the real-server captures committed in spec/fixtures/captures.
// Each stream is one direction of one connection, with the frames its frames.json lists.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CAPTURES_DIR } from '../helpers/capture-vectors';


export interface CapturedFrame {
  readonly index: number;
  readonly offset: number;
  readonly version: number;
  readonly type: number;
  readonly length: number;
  /** The whole frame; only a prefix when hexTruncated is set. */
  readonly hex?: string;
  readonly hexTruncated?: boolean;
  readonly info?: string;
  readonly msgs?: readonly { readonly info3: string; readonly result_code: number; readonly n_fields: number; readonly n_ops: number }[];
  readonly compressed?: { readonly orig_sz_be: number; readonly inflated: number; readonly inner_type: number; readonly inner_len: number };
  readonly inner?: { readonly msgs: readonly { readonly n_fields: number; readonly n_ops: number }[] };
}

export interface CapturedStream {
  /** e.g. `05-scan-50-small.conn2.s2c` */
  readonly name: string;
  readonly scenario: string;
  readonly conn: number;
  readonly direction: 'c2s' | 's2c';
  readonly bytes: Buffer;
  readonly frames: readonly CapturedFrame[];
}

interface FramesJson {
  readonly connections: readonly {
    readonly conn: number;
    readonly directions: Readonly<Record<'c2s' | 's2c', { readonly frames: readonly CapturedFrame[] }>>;
  }[];
}

let cache: CapturedStream[] | undefined;

/** Every stream of every scenario, in file-name order. */
export function loadCapturedStreams(): readonly CapturedStream[] {
  if (cache !== undefined) return cache;
  const streams: CapturedStream[] = [];
  const scenarios = fs
    .readdirSync(CAPTURES_DIR)
    .filter((f) => f.endsWith('.frames.json'))
    .map((f) => f.slice(0, -'.frames.json'.length))
    .sort();
  for (const scenario of scenarios) {
    const json = JSON.parse(fs.readFileSync(path.join(CAPTURES_DIR, `${scenario}.frames.json`), 'utf8')) as FramesJson;
    for (const connection of json.connections) {
      for (const direction of ['c2s', 's2c'] as const) {
        const name = `${scenario}.conn${connection.conn}.${direction}`;
        const bytes = fs.readFileSync(path.join(CAPTURES_DIR, `${name}.bin`));
        streams.push({ name, scenario, conn: connection.conn, direction, bytes, frames: connection.directions[direction].frames });
      }
    }
  }
  cache = streams;
  return streams;
}

export function capturedStream(name: string): CapturedStream {
  const stream = loadCapturedStreams().find((s) => s.name === name);
  if (stream === undefined) throw new Error(`no captured stream ${name} in ${CAPTURES_DIR}`);
  return stream;
}

/** The bytes of one listed frame, cut from its stream. */
export function frameBytes(stream: CapturedStream, frame: CapturedFrame): Buffer {
  return stream.bytes.subarray(frame.offset, frame.offset + 8 + frame.length);
}

/** Bytes from spaced hex as written in protocol.md (`02 03 00 …`). */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}
