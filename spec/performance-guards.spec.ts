import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// Files on the per-call path of get$/put$/operate$/batchGet$/scan$ and their reply decoding.
const HOT_FILES = [
  'lib/protocol/requests.ts',
  'lib/protocol/frame-writer.ts',
  'lib/protocol/as-msg.ts',
  'lib/protocol/as-msg-encoder.ts',
  'lib/protocol/record.ts',
  'lib/protocol/value.ts',
  'lib/protocol/batch-request.ts',
  'lib/protocol/operate-request.ts',
  'lib/client/record-commands.ts',
  'lib/client/multi-record-commands.ts',
  'lib/client/record-key.ts',
  'lib/cluster/executor.ts',
  'lib/cluster/key-command-executor.ts',
  'lib/cluster/batch-executor.ts',
  'lib/cluster/scan-executor.ts',
  'lib/cluster/router.ts',
  'lib/cluster/node-pool.ts',
  'lib/cluster/deadline-queue.ts',
];

// `{ ...source, more }`: an object literal that opens with a spread and goes on with more properties
const SPREAD_THEN_MORE = /\{\s*\.\.\.[^,{}]+,/;

describe('hot-path guards', () => {
  it('builds no object as a spread followed by more properties on the per-call path (Node 20 spends 1–3 µs on each)', () => {
    const offenders: string[] = [];
    for (const file of HOT_FILES) {
      readFileSync(join(__dirname, '..', file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (!line.trim().startsWith('//') && !line.trim().startsWith('*') && SPREAD_THEN_MORE.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(offenders).toEqual([]);
  });

  it('finds the pattern it guards against (self-test)', () => {
    expect(SPREAD_THEN_MORE.test('return { ...header, info1: 0 };')).toBeTrue();
    expect(SPREAD_THEN_MORE.test('return { key, ...values };')).toBeFalse();
  });
});
