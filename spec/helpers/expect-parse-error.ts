// Shared assertion of the codec specs: `fn` throws an AerospikeError with code parse_error whose
// message contains every fragment. Returns the error for further checks.

import { AerospikeError } from '../../lib/errors';

export function expectParseError(fn: () => unknown, ...fragments: string[]): AerospikeError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AerospikeError);
  const error = caught as AerospikeError;
  expect(error.code).toBe('parse_error');
  for (const fragment of fragments) expect(error.message).toContain(fragment);
  return error;
}
