// How the CLI's flags become client options: seeds from --hosts, --host/--port or the environment,
// credentials, TLS files, and the per-kind policies --timeout and --compress set.
import { join } from 'node:path';
import { clientOptions, parseHosts, seedsOf, UsageError } from '../../bin/cli-options';

const TLS_DIR = join(__dirname, '..', 'fixtures', 'tls');

describe('CLI options', () => {
  describe('seeds', () => {
    it('parses --hosts into seeds, the port defaulting to 3000, IPv6 in brackets', () => {
      expect(seedsOf({ hosts: 'a:3100, b ,[::1]:3200,[fe80::1]' }, {})).toEqual([
        { host: 'a', port: 3100 },
        { host: 'b', port: 3000 },
        { host: '::1', port: 3200 },
        { host: 'fe80::1', port: 3000 },
      ]);
    });

    it('takes --host/--port as a single seed', () => {
      expect(seedsOf({ host: 'db', port: '3100' }, { AEROSPIKE_HOSTS: 'x:1' })).toEqual([{ host: 'db', port: 3100 }]);
      expect(seedsOf({ port: '3100' }, {})).toEqual([{ host: '127.0.0.1', port: 3100 }]);
    });

    it('falls back on AEROSPIKE_HOSTS, then AEROSPIKE_HOST/AEROSPIKE_PORT, then 127.0.0.1:3000', () => {
      expect(seedsOf({}, { AEROSPIKE_HOSTS: 'h1:1,h2:2', AEROSPIKE_HOST: 'x' })).toEqual([
        { host: 'h1', port: 1 },
        { host: 'h2', port: 2 },
      ]);
      expect(seedsOf({}, { AEROSPIKE_HOST: 'x', AEROSPIKE_PORT: '4000' })).toEqual([{ host: 'x', port: 4000 }]);
      expect(seedsOf({}, {})).toEqual([{ host: '127.0.0.1', port: 3000 }]);
    });

    it('gives every seed the --tls-name', () => {
      expect(seedsOf({ hosts: 'a:1,b:2', 'tls-name': 'db.example' }, {})).toEqual([
        { host: 'a', port: 1, tlsName: 'db.example' },
        { host: 'b', port: 2, tlsName: 'db.example' },
      ]);
    });

    it('refuses --hosts with --host or --port, an empty list, a bad entry or a bad port, naming the flag', () => {
      const message = (fn: () => unknown): string => {
        try {
          fn();
        } catch (err) {
          expect(err).toBeInstanceOf(UsageError);
          return (err as Error).message;
        }
        return 'no error';
      };
      expect(message(() => seedsOf({ hosts: 'a', port: '1' }, {}))).toBe('--hosts and --host/--port are alternatives: give one');
      expect(message(() => parseHosts(' , ', '--hosts'))).toBe('--hosts names no host: " , "');
      expect(message(() => parseHosts('a:1,b:x', '--hosts'))).toBe('--hosts: "b:x" is not host, host:port or [ipv6]:port');
      expect(message(() => parseHosts('a:70000', 'AEROSPIKE_HOSTS'))).toBe('AEROSPIKE_HOSTS: bad port in "a:70000"');
      expect(message(() => seedsOf({ port: '65536' }, {}))).toBe('--port must be at most 65535, got 65536');
    });
  });

  it('sets the timeout as total and socket timeout of get/put/batch and as the per-read deadline of scans, with compression', () => {
    const options = clientOptions({ timeout: '750', compress: true }, {});
    const single = { totalTimeoutMs: 750, socketTimeoutMs: 750, useCompression: true };
    expect(options.policies).toEqual({ read: single, write: { ...single, sendKey: true }, batch: single, scan: { socketTimeoutMs: 750, useCompression: true } });
  });

  it('passes credentials only when both are given', () => {
    expect(clientOptions({ user: 'u', password: 'p' }, {})).toEqual(jasmine.objectContaining({ user: 'u', password: 'p' }));
    expect('user' in clientOptions({}, {})).toBeFalse();
    expect(() => clientOptions({ user: 'u' }, {})).toThrowMatching((e) => e instanceof UsageError && e.message === '--user and --password go together');
  });

  it('reads the TLS files into the tls options, with the TLS name as servername', () => {
    const options = clientOptions({ 'tls-ca': join(TLS_DIR, 'ca.pem'), 'tls-cert': join(TLS_DIR, 'client.pem'), 'tls-key': join(TLS_DIR, 'client-key.pem'), 'tls-name': 'aerospike-test' }, {});
    expect(Object.keys(options.tls ?? {}).sort()).toEqual(['ca', 'cert', 'key', 'servername']);
    expect(options.tls?.servername).toBe('aerospike-test');
    expect(String(options.tls?.ca)).toContain('BEGIN CERTIFICATE');
    expect(clientOptions({ tls: true }, {}).tls).toEqual({});
    expect('tls' in clientOptions({}, {})).toBeFalse();
  });

  it('refuses an unreadable TLS file or a certificate without its key', () => {
    expect(() => clientOptions({ 'tls-ca': join(TLS_DIR, 'no-such.pem') }, {})).toThrowMatching((e) => e instanceof UsageError && /^--tls-ca: cannot read .*no-such\.pem: ENOENT$/.test(e.message));
    expect(() => clientOptions({ 'tls-cert': join(TLS_DIR, 'client.pem') }, {})).toThrowMatching((e) => e instanceof UsageError && e.message === '--tls-cert and --tls-key go together');
  });
});
