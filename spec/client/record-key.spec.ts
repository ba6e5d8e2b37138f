import { resolveKey } from '../../lib/client/record-key';

describe('resolveKey', () => {
  it('accepts a namespace of up to 31 UTF-8 bytes and refuses one of 32, counting multi-byte characters by their bytes', () => {
    expect(resolveKey({ namespace: 'n'.repeat(31), set: 's', key: 1 }).namespace.length).toBe(31);
    expect(resolveKey({ namespace: 'é'.repeat(15), set: 's', key: 1 }).namespace).toBe('é'.repeat(15));
    expect(resolveKey({ namespace: '名'.repeat(10), set: 's', key: 1 }).namespace).toBe('名'.repeat(10));
    expect(() => resolveKey({ namespace: 'n'.repeat(32), set: 's', key: 1 })).toThrowError(RangeError, /key\.namespace must be at most 31 bytes/);
    expect(() => resolveKey({ namespace: 'é'.repeat(16), set: 's', key: 1 })).toThrowError(RangeError, /key\.namespace must be at most 31 bytes/);
    expect(() => resolveKey({ namespace: '名'.repeat(11), set: 's', key: 1 })).toThrowError(RangeError, /key\.namespace must be at most 31 bytes/);
  });

  it('accepts a set of up to 63 UTF-8 bytes and refuses one of 64', () => {
    expect(resolveKey({ namespace: 'test', set: 's'.repeat(63), key: 1 }).set.length).toBe(63);
    expect(resolveKey({ namespace: 'test', set: '名'.repeat(21), key: 1 }).set).toBe('名'.repeat(21));
    expect(() => resolveKey({ namespace: 'test', set: 's'.repeat(64), key: 1 })).toThrowError(RangeError, /key\.set must be at most 63 bytes/);
    expect(() => resolveKey({ namespace: 'test', set: '名'.repeat(22), key: 1 })).toThrowError(RangeError, /key\.set must be at most 63 bytes/);
  });

  it('refuses a namespace, set or string key with a lone surrogate, naming it, even with a digest given', () => {
    const digest = Buffer.alloc(20);
    expect(() => resolveKey({ namespace: 't\uD800', set: 's', key: 1 })).toThrowError(TypeError, /^key\.namespace: a string with a lone surrogate at index 1 cannot be sent as UTF-8$/);
    expect(() => resolveKey({ namespace: 'test', set: '\uDFFF', digest })).toThrowError(TypeError, /^key\.set: a string with a lone surrogate at index 0 /);
    expect(() => resolveKey({ namespace: 'test', set: 's', key: 'id-\uDC00' }, 'keys[3]')).toThrowError(TypeError, /^keys\[3\]\.key: a string key with a lone surrogate at index 3 cannot be sent as UTF-8$/);
  });
});
