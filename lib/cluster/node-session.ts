// Opening a node's tend connection and logging in on it (client-design.md §C4 Auth, cluster.md §9):
// the session token is cached per node and handed to the node's data connections, which
// AUTHENTICATE with it (the transport falls back to a password LOGIN on expired_session).

import { map, mergeMap, of, type Observable, type SchedulerLike } from 'rxjs';
import type { Connection, ConnectOptions, LoginOptions, NodeTransport } from '../node-transport';
import { NodeSession } from './cluster-node';

/** What a tend connection opens with: the connect options without credentials, plus the node label. */
export interface TendConnectOptions {
  readonly connect: ConnectOptions;
  readonly nodeName: string | undefined;
}

export interface OpenedTendConnection {
  readonly conn: Connection;
  /** undefined: no login was configured, the server has security off, or it gave no token. */
  readonly session: NodeSession | undefined;
  /** False when the server answered security_not_enabled: data connections skip the login. */
  readonly securityEnabled: boolean;
}

const CREDENTIAL_KEYS = ['user', 'password', 'authMode', 'sessionToken'] as const;

/** The connect options with a node's TLS name as the certificate name (SNI), when the cluster uses TLS. */
export function withTlsName(connect: ConnectOptions, tlsName: string | undefined): ConnectOptions {
  if (connect.tls === undefined || tlsName === undefined || tlsName.length === 0) return connect;
  return { ...connect, tls: { ...connect.tls, servername: tlsName } };
}

/** True when the options ask for a login (user + password/token, or PKI). */
export function hasCredentials(connect: ConnectOptions): boolean {
  return connect.user !== undefined || connect.authMode === 'pki';
}

/** Connect options with the credentials taken out. */
export function withoutCredentials(connect: ConnectOptions): ConnectOptions {
  const rest: Record<string, unknown> = { ...connect };
  for (const key of CREDENTIAL_KEYS) delete rest[key];
  return rest as ConnectOptions;
}

/** The credentials part of the connect options, for login$. */
export function loginOptions(connect: ConnectOptions): LoginOptions {
  const login: Record<string, unknown> = {};
  for (const key of CREDENTIAL_KEYS) if (connect[key] !== undefined) login[key] = connect[key];
  if (connect.loginTimeoutMs !== undefined) login['loginTimeoutMs'] = connect.loginTimeoutMs;
  return login as LoginOptions;
}

/**
 * Cold: opens a tend connection and, when credentials are configured, logs in with login$ so the
 * session token can be cached (a transport without login$ logs in at connect time instead).
 * `onLogin` runs once connected, as the login starts (the tender reports failures from there as login).
 */
export function openTendConnection$(
  transport: NodeTransport,
  scheduler: SchedulerLike,
  host: string,
  port: number,
  opts: TendConnectOptions,
  onLogin?: () => void,
): Observable<OpenedTendConnection> {
  const base = { ...withoutCredentials(opts.connect), ...(opts.nodeName !== undefined && { nodeName: opts.nodeName }) };
  if (!hasCredentials(opts.connect)) {
    return transport.connect$(host, port, base).pipe(map((conn) => ({ conn, session: undefined, securityEnabled: false })));
  }
  const login$ = transport.login$?.bind(transport);
  if (login$ === undefined) {
    return transport.connect$(host, port, { ...base, ...loginOptions(opts.connect) }).pipe(map((conn) => ({ conn, session: undefined, securityEnabled: true })));
  }
  return transport.connect$(host, port, base).pipe(
    mergeMap((conn) => {
      onLogin?.();
      return loginOn$(transport, scheduler, conn, opts.connect).pipe(map((result) => ({ conn, ...result })));
    }),
  );
}

/** One LOGIN round trip on an open connection (it is destroyed by the transport if the login fails). */
export function loginOn$(
  transport: NodeTransport,
  scheduler: SchedulerLike,
  conn: Connection,
  connect: ConnectOptions,
): Observable<{ session: NodeSession | undefined; securityEnabled: boolean }> {
  if (transport.login$ === undefined) return of({ session: undefined, securityEnabled: true });
  // the cached token is not offered here: a tend login always proves the password (or the PKI cert) afresh
  const { sessionToken: _unused, ...credentials } = loginOptions(connect);
  return transport.login$(conn, credentials).pipe(
    map((reply) => {
      if (reply.kind === 'security_not_enabled') return { session: undefined, securityEnabled: false };
      if (reply.kind === 'ok_no_token') return { session: undefined, securityEnabled: true };
      return { session: new NodeSession(reply.token, sessionExpiry(scheduler.now(), reply.ttlSeconds)), securityEnabled: true };
    }),
  );
}

/** J/E: log in again a minute (or half the TTL, when shorter) before the token expires. */
export function sessionExpiry(nowMs: number, ttlSeconds: number | undefined): number | undefined {
  if (ttlSeconds === undefined || ttlSeconds <= 0) return undefined;
  return nowMs + (ttlSeconds - Math.min(60, ttlSeconds / 2)) * 1000;
}

/** Options of a data connection to a node: its cached token (when any) with the configured credentials. */
export function dataConnectOptions(connect: ConnectOptions, nodeName: string, session: NodeSession | undefined, securityEnabled: boolean): ConnectOptions {
  if (!securityEnabled) return { ...withoutCredentials(connect), nodeName };
  if (session === undefined) return { ...connect, nodeName };
  return { ...connect, nodeName, sessionToken: session.token() };
}
