// TLS key material: no private key, passphrase or PKCS#12 bundle given in the tls options is
// reachable from a connection object by any util.inspect option (hidden properties, getters,
// customInspect off, any depth) or JSON, over real mTLS handshakes; nor from a refused option's error.

import { firstValueFrom } from 'rxjs';
import { TcpTransport } from '../../lib/net/tcp-transport';
import type { Connection, TlsOptions } from '../../lib/node-transport';
import { asMsgFrame, lastRecord } from '../../lib/testing/frame-builders';
import { LoopbackServer, type Script } from '../helpers/loopback-server';
import { serverTlsOptions, tlsFixtures, TLS_NAME, TLS_PASSPHRASE } from '../helpers/tls-fixtures';
import { smallRequest } from '../helpers/transport-harness';
import { connectionTexts, errorTexts, findSecrets, guardProcess, secretForms } from './hardening-kit';

/**
 * How a key or bundle shows up when printed: its PEM lines, its DER, and a Buffer's leading bytes as
 * inspect writes them (spaced hex, or a decimal array with customInspect off). Matched against
 * texts with their whitespace removed too, since inspect breaks strings and arrays across lines.
 */
function keyForms(material: string | Buffer): string[] {
  const bytes = Buffer.isBuffer(material) ? material : Buffer.from(material, 'utf8');
  const head = bytes.subarray(0, 32);
  const text = bytes.toString('latin1');
  const pemLines = text.split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
  const der = pemLines.length > 0 ? Buffer.from(pemLines.join(''), 'base64') : bytes;
  return [head.toString('hex'), [...head].join(','), ...pemLines, ...secretForms(der)];
}

const SECRETS: Readonly<Record<string, readonly string[]>> = {
  'a PEM private key': ['PRIVATEKEY'],
  'the private key': keyForms(tlsFixtures.clientKey),
  'the encrypted private key': keyForms(tlsFixtures.clientKeyEncrypted),
  'the PKCS#12 bundle': keyForms(tlsFixtures.clientPfx),
  'the passphrase': secretForms(TLS_PASSPHRASE),
};

/** Each text as printed and with all whitespace removed. */
const squeezed = (texts: readonly string[]): string[] => [...texts, ...texts.map((t) => t.replace(/\s+/g, ''))];

const answerEach: Script = async (peer) => {
  while ((await peer.readFrame()) !== undefined) peer.write(asMsgFrame(lastRecord()));
};

describe('TLS key material', () => {
  guardProcess();
  const transport = new TcpTransport();
  let server: LoopbackServer;
  const conns: Connection[] = [];
  beforeAll(async () => {
    server = await LoopbackServer.start(answerEach, serverTlsOptions(true));
  });
  afterAll(async () => {
    for (const conn of conns) transport.close(conn);
    await server.stop();
  });

  const trusted = { ca: tlsFixtures.ca, servername: TLS_NAME };
  const variants: ReadonlyArray<readonly [string, TlsOptions]> = [
    ['a PEM key string', { ...trusted, cert: tlsFixtures.clientCert, key: tlsFixtures.clientKey }],
    ['a PEM key Buffer', { ...trusted, cert: tlsFixtures.clientCert, key: Buffer.from(tlsFixtures.clientKey) }],
    ['an encrypted key and its passphrase', { ...trusted, cert: tlsFixtures.clientCert, key: tlsFixtures.clientKeyEncrypted, passphrase: TLS_PASSPHRASE }],
    ['a key object with its own passphrase', { ...trusted, cert: tlsFixtures.clientCert, key: [{ pem: tlsFixtures.clientKeyEncrypted, passphrase: TLS_PASSPHRASE }] }],
    ['a PKCS#12 bundle and its passphrase', { ...trusted, pfx: tlsFixtures.clientPfx, passphrase: TLS_PASSPHRASE }],
  ];

  for (const [what, tls] of variants) {
    it(`a connection made with ${what} shows none of it however it is inspected, before and after an operation`, async () => {
      const conn = await firstValueFrom(transport.connect$(server.host, server.port, { tls }));
      conns.push(conn);
      const before = connectionTexts(conn);
      await firstValueFrom(transport.command$(conn, smallRequest(), 1000));
      const after = connectionTexts(conn);
      expect(findSecrets(squeezed([...before, ...after]), SECRETS)).toEqual([]);
      // what was scanned is the real object graph, socket included
      expect(after.join('\n')).toContain('TLSSocket');
    });
  }

  it('a wrong passphrase is a TypeError at call time that names no passphrase or key', () => {
    let caught: unknown;
    try {
      transport.connect$(server.host, server.port, { tls: { ...trusted, cert: tlsFixtures.clientCert, key: tlsFixtures.clientKeyEncrypted, passphrase: 'not-the-passphrase-7a' } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TypeError);
    expect(findSecrets(squeezed(errorTexts(caught)), { ...SECRETS, 'the wrong passphrase': secretForms('not-the-passphrase-7a') })).toEqual([]);
  });
});
