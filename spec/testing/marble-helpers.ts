// Marble plumbing for the FakeTransport specs: a TestScheduler whose assertion compares errors by
// code, message and inDoubt (jasmine's toEqual would compare Error objects by message only).
import { TestScheduler } from 'rxjs/testing';
import { AerospikeError, type ErrorCode } from '../../lib/errors';

export interface ErrorShape {
  readonly code: unknown;
  readonly message: string;
  readonly inDoubt: unknown;
}

function normalize(value: unknown): unknown {
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; inDoubt?: unknown };
    return { code: e.code, message: e.message, inDoubt: e.inDoubt } satisfies ErrorShape;
  }
  if (Buffer.isBuffer(value) || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(normalize);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = normalize((value as Record<string, unknown>)[key]);
  return out;
}

export function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(normalize(actual)).toEqual(normalize(expected)));
}

/** An expected error for a marble `#`. */
export function err(code: ErrorCode, message: string, inDoubt = false): AerospikeError {
  return new AerospikeError(code, message, { inDoubt });
}
