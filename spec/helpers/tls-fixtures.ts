// The committed test-only TLS material of spec/fixtures/tls (regenerate with generate.sh there):
// a CA, a server cert for DNS:aerospike-test + IP:127.0.0.1, a pki-user client cert (also as an
// encrypted PEM key and a PKCS#12 bundle under TLS_PASSPHRASE), an unrelated CA.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const DIR = join(__dirname, '..', 'fixtures', 'tls');
const pem = (name: string): string => readFileSync(join(DIR, `${name}.pem`), 'utf8');

export const tlsFixtures = {
  ca: pem('ca'),
  serverCert: pem('server'),
  serverKey: pem('server-key'),
  clientCert: pem('client'),
  clientKey: pem('client-key'),
  otherCa: pem('other-ca'),
  clientKeyEncrypted: pem('client-key-encrypted'),
  clientPfx: readFileSync(join(DIR, 'client.pfx')),
} as const;

/** The passphrase of client-key-encrypted.pem and client.pfx (see generate.sh). */
export const TLS_PASSPHRASE = 'tls-fixture-passphrase-4e1b';

/** The DNS name in the server certificate (its other SAN is IP 127.0.0.1). */
export const TLS_NAME = 'aerospike-test';

/** node:tls server options of the loopback TLS server; `mtls` requires a client cert signed by the CA. */
export function serverTlsOptions(mtls = false): { key: string; cert: string; ca: string; requestCert: boolean; rejectUnauthorized: boolean } {
  return { key: tlsFixtures.serverKey, cert: tlsFixtures.serverCert, ca: tlsFixtures.ca, requestCert: mtls, rejectUnauthorized: mtls };
}
