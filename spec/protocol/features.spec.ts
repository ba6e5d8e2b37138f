import { parseFeatures } from '../../lib/protocol/features';
import { expectParseError } from '../helpers/expect-parse-error';
import { capturedValues } from './cluster-info-captures';

describe('parseFeatures', () => {
  it('parses every captured features value into its 22 tokens', () => {
    for (const { name, value } of capturedValues('features')) {
      const features = parseFeatures(value);
      expect(features.size).withContext(name).toBe(22);
      expect([...features].join(';')).withContext(name).toBe(value);
      for (const token of ['peers', 'pscans', 'replicas', 'batch-any', 'cluster-stable']) expect(features.has(token)).withContext(`${name} ${token}`).toBeTrue();
    }
  });

  it('trims tokens and drops empty ones', () => {
    expect([...parseFeatures(' peers ;;\tpscans;; ;replicas;')]).toEqual(['peers', 'pscans', 'replicas']);
  });

  it('keeps unknown tokens and collapses duplicates', () => {
    expect([...parseFeatures('future-thing;peers;future-thing')]).toEqual(['future-thing', 'peers']);
  });

  it('parses an empty value as no features', () => {
    expect(parseFeatures('').size).toBe(0);
  });

  it('refuses a server ERROR answer, naming features', () => {
    expectParseError(() => parseFeatures('ERROR:4:unrecognized command'), 'features: server answered "ERROR:4:unrecognized command"');
  });
});
