// Validates connect$ arguments at call time and resolves them into one frozen configuration.
// Programmer errors throw TypeError/RangeError naming the option; unknown keys are ignored so one
// option bag can be shared by TcpTransport and FakeTransport. Never puts a secret in a message.

import { DEFAULT_MAX_FRAME_BYTES, PROTO_MAX_LENGTH } from '../protocol/constants';
import { isWellFormed, loneSurrogateError } from '../protocol/utf8';
import type { SecureContext } from 'node:tls';
import type { AuthMode, ConnectOptions, LoginOptions, TlsOptions } from '../node-transport';
import { tlsSecureContext } from './open-socket';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export interface ConnectConfig {
  readonly host: string;
  readonly port: number;
  /** host:port, for messages. */
  readonly address: string;
  readonly nodeName: string | undefined;
  /** nodeName, else host:port: the `node` of every error. */
  readonly label: string;
  readonly connectTimeoutMs: number;
  readonly infoTimeoutMs: number;
  readonly loginTimeoutMs: number;
  readonly tcpNoDelay: boolean;
  readonly tcpKeepAlive: boolean;
  readonly maxFrameBytes: number;
  readonly pipeline: boolean;
  /**
   * Present when connecting over TLS: only what may be printed. The key, passphrase and PFX went
   * into `tlsContext`; the other node:tls options are kept off the object (see tlsConnectOptions).
   */
  readonly tls: TlsSummary | undefined;
  /** Built from the tls options once, at call time (a bad key or PEM is a TypeError then). */
  readonly tlsContext: SecureContext | undefined;
  readonly allowInsecureExternalAuth: boolean;
}

export interface TlsSummary {
  readonly servername: string | null | undefined;
  readonly rejectUnauthorized: boolean;
}

/**
 * The options node:tls reads from a prebuilt secure context: tls.connect never needs them again,
 * and several (key, passphrase, pfx, ticketKeys) are secrets that must not stay reachable.
 */
const SECURE_CONTEXT_OPTIONS = [
  ...['key', 'passphrase', 'pfx', 'ticketKeys', 'cert', 'ca', 'crl', 'dhparam', 'privateKeyEngine', 'privateKeyIdentifier'],
  ...['ciphers', 'sigalgs', 'ecdhCurve', 'minVersion', 'maxVersion', 'secureOptions', 'secureProtocol', 'honorCipherOrder'],
  ...['allowPartialTrustChain', 'clientCertEngine', 'sessionIdContext', 'sessionTimeout', 'ALPNCallback', 'secureContext'],
] as const;

const AUTH_MODES: readonly AuthMode[] = ['internal', 'external', 'pki'];

export function checkTimeout(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${describeValue(value)}`);
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive finite number of milliseconds, got ${value}`);
  return value;
}

function checkBoolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${describeValue(value)}`);
  return value;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string`;
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * Checks the login options shared by connect$ and login$ (design §3). `needsCredentials` is true
 * for login$, which must have something to send.
 */
export function checkLoginOptions(opts: LoginOptions, hasTls: boolean, allowInsecureExternal: boolean, needsCredentials: boolean): LoginOptions | undefined {
  const { user, password, authMode, sessionToken } = opts;
  if (user !== undefined && (typeof user !== 'string' || user.length === 0)) throw new TypeError(`user must be a non-empty string, got ${describeValue(user)}`);
  if (password !== undefined && typeof password !== 'string') throw new TypeError(`password must be a string, got ${password === null ? 'null' : typeof password}`);
  // they go on the wire as UTF-8 (the password as its bcrypt hash); no index: it would tell something of a password
  if (user !== undefined && !isWellFormed(user)) throw loneSurrogateError(user, 'user');
  if (password !== undefined && !isWellFormed(password)) throw loneSurrogateError(password, 'password', 'a string', true);
  if (authMode !== undefined && !AUTH_MODES.includes(authMode)) throw new TypeError(`authMode must be one of ${AUTH_MODES.join(', ')}, got ${describeValue(authMode)}`);
  if (sessionToken !== undefined && !(sessionToken instanceof Uint8Array)) throw new TypeError(`sessionToken must be a Uint8Array, got ${sessionToken === null ? 'null' : typeof sessionToken}`);
  if (sessionToken !== undefined && sessionToken.length === 0) throw new RangeError('sessionToken must not be empty');
  if (opts.loginTimeoutMs !== undefined) checkTimeout('loginTimeoutMs', opts.loginTimeoutMs);

  const mode = authMode ?? 'internal';
  if (mode === 'pki') {
    if (!hasTls) throw new TypeError("authMode 'pki' requires the tls option (the user comes from the client certificate)");
    return loginFields(opts, mode);
  }
  if (user === undefined) {
    if (sessionToken !== undefined) throw new TypeError('sessionToken requires user unless authMode is pki');
    if (password !== undefined) throw new TypeError('password requires user');
    if (needsCredentials) throw new TypeError('login needs user with password or sessionToken, or authMode pki');
    return undefined;
  }
  if (password === undefined && sessionToken === undefined) throw new TypeError(`user ${JSON.stringify(user)} needs a password or a sessionToken`);
  // Only a password LOGIN carries the clear password; AUTHENTICATE with a token alone does not.
  if (mode === 'external' && password !== undefined && !hasTls && !allowInsecureExternal) {
    throw new TypeError("authMode 'external' sends the clear password: it requires the tls option (or allowInsecureExternalAuth: true)");
  }
  return loginFields(opts, mode);
}

/** Only the login fields: connect$ passes its whole option bag, whose tls key must not ride along. */
function loginFields(opts: LoginOptions, authMode: AuthMode): LoginOptions {
  const { user, password, sessionToken, loginTimeoutMs } = opts;
  return {
    authMode,
    ...(user !== undefined ? { user } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(sessionToken !== undefined ? { sessionToken } : {}),
    ...(loginTimeoutMs !== undefined ? { loginTimeoutMs } : {}),
  };
}

export function resolveConnectConfig(host: unknown, port: unknown, opts: ConnectOptions | undefined): ConnectConfig {
  return resolve(host, port, opts, true);
}

/**
 * resolveConnectConfig's call-time checks without building a TLS context (its tlsContext is
 * undefined even with the tls option): for transports that never open a socket (FakeTransport),
 * so they throw the same TypeError/RangeError for the same option as TcpTransport.
 */
export function checkConnectOptions(host: unknown, port: unknown, opts: ConnectOptions | undefined): ConnectConfig {
  return resolve(host, port, opts, false);
}

function resolve(host: unknown, port: unknown, opts: ConnectOptions | undefined, buildTlsContext: boolean): ConnectConfig {
  if (typeof host !== 'string' || host.length === 0) throw new TypeError(`host must be a non-empty string, got ${describeValue(host)}`);
  if (typeof port !== 'number' || !Number.isInteger(port)) throw new TypeError(`port must be an integer, got ${describeValue(port)}`);
  if (port < 1 || port > 65535) throw new RangeError(`port must be in 1..65535, got ${port}`);
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new TypeError(`connect options must be an object, got ${describeValue(opts)}`);
  const o: ConnectOptions = opts ?? {};

  const connectTimeoutMs = o.connectTimeoutMs === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : checkTimeout('connectTimeoutMs', o.connectTimeoutMs);
  const infoTimeoutMs = o.infoTimeoutMs === undefined ? connectTimeoutMs : checkTimeout('infoTimeoutMs', o.infoTimeoutMs);
  const loginTimeoutMs = o.loginTimeoutMs === undefined ? connectTimeoutMs : checkTimeout('loginTimeoutMs', o.loginTimeoutMs);
  if (o.nodeName !== undefined && typeof o.nodeName !== 'string') throw new TypeError(`nodeName must be a string, got ${describeValue(o.nodeName)}`);
  let maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  if (o.maxFrameBytes !== undefined) {
    if (typeof o.maxFrameBytes !== 'number' || !Number.isInteger(o.maxFrameBytes)) throw new TypeError(`maxFrameBytes must be an integer, got ${describeValue(o.maxFrameBytes)}`);
    if (o.maxFrameBytes < 1 || o.maxFrameBytes > PROTO_MAX_LENGTH) throw new RangeError(`maxFrameBytes must be in 1..2^48-1, got ${o.maxFrameBytes}`);
    maxFrameBytes = o.maxFrameBytes;
  }
  if (o.tls !== undefined && (o.tls === null || typeof o.tls !== 'object')) throw new TypeError(`tls must be an object, got ${describeValue(o.tls)}`);
  if (o.tls !== undefined) {
    const sn = o.tls.servername;
    if (sn !== undefined && sn !== null && (typeof sn !== 'string' || sn.length === 0)) throw new TypeError(`tls.servername must be a non-empty string or null, got ${describeValue(sn)}`);
    if (o.tls.rejectUnauthorized !== undefined) checkBoolean('tls.rejectUnauthorized', o.tls.rejectUnauthorized, true);
  }
  const tlsContext = o.tls === undefined || !buildTlsContext ? undefined : tlsSecureContext(o.tls);
  const allowInsecureExternal = checkBoolean('allowInsecureExternalAuth', o.allowInsecureExternalAuth, false);
  const auth = checkLoginOptions(o, o.tls !== undefined, allowInsecureExternal, false);
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;

  const config: ConnectConfig = {
    host,
    port,
    address,
    nodeName: o.nodeName,
    label: o.nodeName ?? address,
    connectTimeoutMs,
    infoTimeoutMs,
    loginTimeoutMs,
    tcpNoDelay: checkBoolean('tcpNoDelay', o.tcpNoDelay, true),
    tcpKeepAlive: checkBoolean('tcpKeepAlive', o.tcpKeepAlive, true),
    maxFrameBytes,
    pipeline: checkBoolean('pipeline', o.pipeline, false),
    tls: o.tls === undefined ? undefined : Object.freeze({ servername: o.tls.servername, rejectUnauthorized: o.tls.rejectUnauthorized !== false }),
    tlsContext,
    allowInsecureExternalAuth: allowInsecureExternal,
  };
  // Secrets are not on the config at all, hidden or not: util.inspect with showHidden prints
  // non-enumerable properties and with getters: true calls getters, so each was once a leak.
  if (auth !== undefined) credentials.set(config, auth);
  if (o.tls !== undefined) connectOptions.set(config, withoutContextOptions(o.tls));
  return Object.freeze(config);
}

const credentials = new WeakMap<ConnectConfig, LoginOptions>();
const connectOptions = new WeakMap<ConnectConfig, TlsOptions>();

function withoutContextOptions(tls: TlsOptions): TlsOptions {
  const rest: Record<string, unknown> = { ...tls };
  for (const name of SECURE_CONTEXT_OPTIONS) delete rest[name];
  return rest as TlsOptions;
}

/** The caller's node:tls options other than those baked into `tlsContext` (servername included). */
export function tlsConnectOptions(config: ConnectConfig): TlsOptions | undefined {
  return connectOptions.get(config);
}

/** The connect-time login options of `config`, kept off the object itself. */
export function connectCredentials(config: ConnectConfig): LoginOptions | undefined {
  return credentials.get(config);
}
