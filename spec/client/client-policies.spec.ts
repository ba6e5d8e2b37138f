// Call-time validation of policies (client-design.md §C3): every field present in an override is
// checked, null included; null is never taken for "use the default". A value of the wrong type is a
// TypeError, a number out of range a RangeError, each naming the field.
import { resolveClientPolicies, resolveScanPolicy, resolveWritePolicy } from '../../lib/client/client-policies';
import { READ_POLICY_DEFAULTS, resolvePolicy } from '../../lib/cluster/policy';

const NULL = null as never;

describe('Policy validation', () => {
  const defaults = resolveClientPolicies(undefined);

  it('rejects generation: null with a TypeError naming it instead of dropping the generation check', () => {
    const base = { ...defaults.write, generation: 7 };
    expect(() => resolveWritePolicy(base, { generation: NULL })).toThrow(new TypeError('opts.generation must be an integer in [0, 4294967295], got null'));
    expect(() => resolveClientPolicies({ write: { generation: NULL } })).toThrowError(TypeError, /^policies\.write\.generation /);
    expect(resolveWritePolicy(base, { ttlSeconds: 5 }).generation).toBe(7);
  });

  it('rejects replica, exists, ttlSeconds and partitions set to null with a TypeError naming the field', () => {
    expect(() => resolvePolicy(READ_POLICY_DEFAULTS, { replica: NULL }, 'opts')).toThrow(new TypeError('opts.replica must be one of master, sequence, master_proles, prefer_rack, random, got null'));
    expect(() => resolveWritePolicy(defaults.write, { replica: NULL })).toThrowError(TypeError, /^opts\.replica /);
    expect(() => resolveWritePolicy(defaults.write, { exists: NULL })).toThrow(new TypeError('opts.exists must be one of ignore, create_only, update_only, replace, replace_only, got null'));
    expect(() => resolveWritePolicy(defaults.write, { ttlSeconds: NULL })).toThrow(new TypeError('opts.ttlSeconds must be an integer in [-2, 2^32), got null'));
    expect(() => resolveScanPolicy(defaults.scan, { partitions: NULL })).toThrow(new TypeError('opts.partitions must be { begin, count }, got null'));
  });

  it('rejects durations and counts of the wrong type with a TypeError, and out of range with a RangeError', () => {
    expect(() => resolvePolicy(READ_POLICY_DEFAULTS, { totalTimeoutMs: NULL }, 'opts')).toThrow(new TypeError('opts.totalTimeoutMs must be an integer number of milliseconds in [0, 2^32), got null'));
    expect(() => resolvePolicy(READ_POLICY_DEFAULTS, { sleepBetweenRetriesMs: '5' as never }, 'opts')).toThrowError(TypeError, /^opts\.sleepBetweenRetriesMs /);
    expect(() => resolvePolicy(READ_POLICY_DEFAULTS, { maxRetries: NULL }, 'opts')).toThrow(new TypeError('opts.maxRetries must be an integer in [0, 1000], got null'));
    expect(() => resolvePolicy(READ_POLICY_DEFAULTS, { socketTimeoutMs: 1.5 }, 'opts')).toThrowError(RangeError, /^opts\.socketTimeoutMs /);
    expect(() => resolvePolicy(READ_POLICY_DEFAULTS, { replica: 'nearest' as never }, 'opts')).toThrowError(RangeError, /^opts\.replica /);
  });
});
