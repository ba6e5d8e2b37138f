import { parseGeneration } from '../../lib/protocol/generation';
import { expectParseError } from '../helpers/expect-parse-error';
import { capturedValue, capturedValues } from './cluster-info-captures';

describe('parseGeneration', () => {
  it('parses every captured partition and peers generation', () => {
    const values = [...capturedValues('partition-generation'), ...capturedValues('peers-generation')].filter((c) => c.value !== '-1');
    expect(values.length).toBeGreaterThan(50);
    for (const { name, value } of values) expect(parseGeneration(value, 'peers-generation')).withContext(name).toBe(Number(value));
  });

  it('parses 0 and the largest u32', () => {
    expect(parseGeneration('0', 'peers-generation')).toBe(0);
    expect(parseGeneration('4294967295', 'peers-generation')).toBe(4294967295);
  });

  it('returns -1 with allowMinusOne, as a starting node reports its partition generation', () => {
    expect(parseGeneration(capturedValue('two-namespaces/starting-3500', 'partition-generation'), 'partition-generation', { allowMinusOne: true })).toBe(-1);
  });

  it('refuses -1 without allowMinusOne, naming the info name', () => {
    expectParseError(() => parseGeneration('-1', 'partition-generation'), 'partition-generation: expected a generation (0..4294967295), got "-1"');
  });

  it('refuses a value above 2^32 - 1', () => {
    expectParseError(() => parseGeneration('4294967296', 'peers-generation'), 'peers-generation: expected a generation', '"4294967296"');
    expectParseError(() => parseGeneration('99999999999', 'peers-generation'), '"99999999999"');
  });

  it('refuses signs, spaces, leading zeros, fractions, exponents, hex and the empty string', () => {
    for (const value of ['', ' 1', '1 ', '+1', '-2', '--1', '-0', '00', '07', '1.0', '1e3', '0x10', 'NaN', 'Infinity', '１']) {
      expectParseError(() => parseGeneration(value, 'peers-generation', { allowMinusOne: true }), 'peers-generation: expected a generation (0..4294967295 or -1), got', JSON.stringify(value));
    }
  });

  it('refuses a missing value, naming the info name', () => {
    expectParseError(() => parseGeneration(undefined, 'partition-generation'), 'partition-generation: missing from the reply');
  });

  it('refuses a server ERROR answer, quoting it', () => {
    expectParseError(() => parseGeneration('ERROR:4:unrecognized command', 'peers-generation'), 'peers-generation: server answered "ERROR:4:unrecognized command"');
  });
});
