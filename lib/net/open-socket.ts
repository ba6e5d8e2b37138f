// Opens the TCP (or TLS) socket of a connection as a cold Observable: handshake, socket options,
// connectTimeoutMs over TCP + TLS, and the mapping of handshake failures to connection_error / timeout.
// The only module besides tcp-connection.ts that touches node:net / node:tls.

import { isIP, type Socket, connect as netConnect } from 'node:net';
import {
  checkServerIdentity,
  connect as tlsConnect,
  createSecureContext,
  type ConnectionOptions,
  type PeerCertificate,
  type SecureContext,
} from 'node:tls';
import { Observable, type SchedulerLike } from 'rxjs';
import { AerospikeError } from '../errors';
import type { TlsOptions } from '../node-transport';
import { tlsConnectOptions, type ConnectConfig } from './connect-config';
import { scheduleDeadline } from './deadline';
import { connectError, tlsHandshakeError } from './socket-errors';
import { SocketReader } from './socket-reader';

/** Creates the (not yet connected) socket; injectable so tests can wrap or observe sockets. */
export type SocketFactory = (config: ConnectConfig) => Socket;

/**
 * The secure context (CA, client cert/key, versions, ciphers) built once per connect$ call, at call
 * time: a key that does not match its certificate or an unreadable PEM is a configuration error
 * (TypeError), not a connection failure, and connections then share one parsed context.
 */
export function tlsSecureContext(tls: TlsOptions): SecureContext {
  if (tls.secureContext !== undefined) return tls.secureContext;
  const { servername: _ignored, ...contextOptions } = tls;
  try {
    return createSecureContext(contextOptions);
  } catch (err) {
    const e = err as Error & { code?: string; reason?: string };
    const reason = typeof e.reason === 'string' ? `${e.reason} (${e.code ?? 'OpenSSL'})` : e.message;
    throw new TypeError(`tls options (ca, cert, key, versions, ciphers…) cannot make a TLS context: ${reason}`, { cause: err });
  }
}

/** node:tls options for a connect: SNI and name check follow Aerospike's tls-name rules (design §4). */
export function tlsConnectionOptions(config: ConnectConfig): ConnectionOptions {
  // With the prebuilt context node:tls never reads the PEM options again; leaving them out also keeps
  // the private key and passphrase off the socket (node:tls keeps its connect options on it).
  const { servername, ...rest } = tlsConnectOptions(config) ?? {};
  const options: ConnectionOptions = { ...rest, secureContext: config.tlsContext };
  options.host = config.host;
  options.port = config.port;
  // A caller's own checkServerIdentity (e.g. certificate pinning) keeps running, against the tls-name.
  const check = rest.checkServerIdentity ?? checkServerIdentity;
  if (servername === null) {
    // No SNI and no name check; the chain is still verified unless rejectUnauthorized is false.
    options.checkServerIdentity = rest.checkServerIdentity === undefined ? () => undefined : (_host, cert) => check(config.host, cert);
    return options;
  }
  const tlsName = servername ?? config.host;
  if (isIP(tlsName) === 0) {
    options.servername = tlsName;
  } else {
    // SNI must not carry an IP address; the certificate is still checked against it.
    options.checkServerIdentity = (_host: string, cert: PeerCertificate) => check(tlsName, cert);
  }
  return options;
}

/**
 * Sockets are read through `onread` (see SocketReader): it skips the Readable stream's per-read
 * buffering and allocation, and lets a large frame's body be read straight into its storage.
 */
export const defaultSocketFactory: SocketFactory = (config) => {
  const reader = new SocketReader();
  // tls.connect honours onread too (Node ≥ 20, documented though absent from its typings).
  if (config.tls !== undefined) return reader.bind(tlsConnect({ ...tlsConnectionOptions(config), onread: reader.onread } as ConnectionOptions));
  return reader.bind(netConnect({ host: config.host, port: config.port, onread: reader.onread }));
};

/**
 * Emits the connected socket (after the TLS handshake when TLS is on) and completes. Unsubscribing
 * before that destroys the socket. Errors: connection_error (refused, DNS, TLS failure) or timeout.
 */
export function openSocket$(config: ConnectConfig, scheduler: SchedulerLike, factory: SocketFactory): Observable<Socket> {
  return new Observable<Socket>((subscriber) => {
    const isTls = config.tls !== undefined;
    let tcpConnected = false;
    let done = false;
    const socket = factory(config);
    const readyEvent = isTls ? 'secureConnect' : 'connect';

    const cleanup = (): void => {
      done = true;
      timer.unsubscribe();
      socket.off('connect', onTcpConnect);
      socket.off(readyEvent, onReady);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    const failWith = (error: AerospikeError): void => {
      if (done) return;
      cleanup();
      // Keep a listener so late errors on the dead socket are not unhandled.
      socket.on('error', ignore);
      socket.destroy();
      subscriber.error(error);
    };
    const onTcpConnect = (): void => {
      tcpConnected = true;
      socket.setNoDelay(config.tcpNoDelay);
      socket.setKeepAlive(config.tcpKeepAlive);
    };
    const onReady = (): void => {
      if (done) return;
      cleanup();
      subscriber.next(socket);
      subscriber.complete();
    };
    const onError = (err: Error): void => {
      failWith(isTls && tcpConnected ? tlsHandshakeError(err, config.address, config.label) : connectError(err, config.address, config.label));
    };
    const onClose = (): void => {
      const what = isTls && tcpConnected ? 'the TLS handshake' : 'connecting';
      failWith(new AerospikeError('connection_error', `connection to ${config.address} closed during ${what}`, { node: config.label }));
    };
    const timer = scheduleDeadline(scheduler, config.connectTimeoutMs, () => {
      const what = isTls && tcpConnected ? 'TLS handshake with' : 'connecting to';
      failWith(new AerospikeError('timeout', `timed out ${what} ${config.address} after ${config.connectTimeoutMs} ms`, { node: config.label }));
    });

    socket.once('connect', onTcpConnect);
    socket.once(readyEvent, onReady);
    socket.on('error', onError);
    socket.once('close', onClose);

    return () => {
      if (done) return;
      cleanup();
      socket.on('error', ignore);
      socket.destroy();
    };
  });
}

function ignore(): void {}
