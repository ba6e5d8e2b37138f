import { parseServices } from '../../lib/protocol/services';
import { expectParseError } from '../helpers/expect-parse-error';
import { capturedValue, capturedValues } from './cluster-info-captures';

describe('parseServices', () => {
  it('parses every captured service-clear-std value into its host:port list', () => {
    const values = capturedValues('service-clear-std');
    expect(values.length).toBeGreaterThan(20);
    for (const { name, value } of values) {
      const text = parseServices(value)
        .map((a) => `${a.host}:${a.port}`)
        .join(',');
      expect(text).withContext(name).toBe(value);
    }
  });

  it('parses a node advertising two addresses', () => {
    expect(parseServices(capturedValue('two-namespaces/stable3-3510', 'service-clear-std'))).toEqual([
      { host: '127.0.0.1', port: 3510 },
      { host: '127.0.0.2', port: 3510 },
    ]);
  });

  it('parses the alternate list under its own info name', () => {
    expect(parseServices(capturedValue('two-namespaces/stable3-3510', 'service-clear-alt'), 'service-clear-alt')).toEqual([{ host: '127.0.0.1', port: 3000 }]);
  });

  it('parses an empty value as no address', () => {
    expect(parseServices('')).toEqual([]);
  });

  it('parses bracketed IPv6 addresses without their brackets', () => {
    expect(parseServices('[2001:db8::1]:3100,[::1]:3000,[fe80::1%eth0]:3000')).toEqual([
      { host: '2001:db8::1', port: 3100 },
      { host: '::1', port: 3000 },
      { host: 'fe80::1%eth0', port: 3000 },
    ]);
  });

  it('gives an address without a port the default port', () => {
    expect(parseServices('10.0.0.1,[::1],db.example.com:4000', 'service-clear-std', 3000)).toEqual([
      { host: '10.0.0.1', port: 3000 },
      { host: '::1', port: 3000 },
      { host: 'db.example.com', port: 4000 },
    ]);
  });

  it('refuses an address without a port when there is no default port', () => {
    expectParseError(() => parseServices('10.0.0.1:3000,10.0.0.2'), 'service-clear-std: address "10.0.0.2" (entry 1) has no port');
  });

  it('refuses empty entries', () => {
    expectParseError(() => parseServices('10.0.0.1:3000,'), 'address "" (entry 1) has no host');
    expectParseError(() => parseServices(',10.0.0.1:3000'), 'address "" (entry 0) has no host');
  });

  it('refuses ports outside 1..65535 or not decimal', () => {
    for (const port of ['0', '03000', '65536', '123456', '', 'x', '+1', '30 00']) {
      expectParseError(() => parseServices(`10.0.0.1:${port}`, 'service-clear-alt'), 'service-clear-alt: address', `has port ${JSON.stringify(port)}, expected 1..65535`);
    }
  });

  it('refuses an IPv6 address without brackets', () => {
    expectParseError(() => parseServices('2001:db8::1:3000'), 'address "2001:db8::1:3000" (entry 0) is an IPv6 address without brackets');
  });

  it('refuses broken brackets', () => {
    expectParseError(() => parseServices('[::1:3000'), 'has no closing "]"');
    expectParseError(() => parseServices('[::1]3000'), 'has "3000" after "]"');
    expectParseError(() => parseServices('[10.0.0.1]:3000'), 'is not a bracketed IPv6 address');
    expectParseError(() => parseServices('[[::1]]:3000'), 'is not a bracketed IPv6 address');
  });

  it('refuses host names with characters no address has', () => {
    expectParseError(() => parseServices('10.0.0.1 :3000'), 'has an invalid host name');
    expectParseError(() => parseServices('10.0.0.1;10.0.0.2:3000'), 'has an invalid host name');
  });

  it('refuses a server ERROR answer, naming the info name', () => {
    expectParseError(() => parseServices('ERROR:25:enterprise only', 'service-tls-std'), 'service-tls-std: server answered "ERROR:25:enterprise only"');
  });

  it('throws a RangeError for a default port outside 1..65535', () => {
    expect(() => parseServices('', 'service-clear-std', 0)).toThrowError(RangeError, /defaultPort/);
    expect(() => parseServices('', 'service-clear-std', 1.5)).toThrowError(RangeError, /defaultPort/);
  });
});
