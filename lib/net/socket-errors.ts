// The one place that reads Node's socket/TLS error codes and turns them into AerospikeErrors.
// Callers say which phase failed (connecting, TLS handshake, or I/O on an open connection).

import { AerospikeError } from '../errors';

type NodeError = Error & { code?: string; reason?: string };

function describe(err: NodeError): string {
  // OpenSSL failures carry a readable `reason`; their message is the library's internal dump
  // ("8020…:error:0A000410:SSL routines:ssl3_read_bytes:…:rec_layer_s3.c:1601:SSL alert number 40").
  if (typeof err.reason === 'string' && err.reason.length > 0 && /:error:[0-9A-F]{8}:/i.test(err.message)) {
    const alert = /SSL alert number (\d+)/.exec(err.message);
    const details = [err.code, alert === null ? undefined : `TLS alert ${alert[1]}`].filter((d) => d !== undefined);
    return details.length === 0 ? err.reason : `${err.reason} (${details.join(', ')})`;
  }
  const code = err.code !== undefined && !err.message.includes(err.code) ? `${err.code}: ` : '';
  return `${code}${err.message.trimEnd()}`;
}

/** A failure while opening the TCP connection (refused, unreachable, DNS). */
export function connectError(err: unknown, address: string, node: string): AerospikeError {
  const e = err as NodeError;
  const reason = e instanceof Error ? describe(e) : String(err);
  return new AerospikeError('connection_error', `failed to connect to ${address}: ${reason}`, { node, cause: err });
}

/** A failure of the TLS handshake (alert, unknown CA, name mismatch, reset during handshake). */
export function tlsHandshakeError(err: unknown, address: string, node: string): AerospikeError {
  const e = err as NodeError;
  const reason = e instanceof Error ? describe(e) : String(err);
  return new AerospikeError('connection_error', `TLS handshake failed connecting to ${address}: ${reason}`, { node, cause: err });
}

/** A socket error on an open connection (reset, broken pipe, TLS alert after the handshake). */
export function networkError(err: unknown, address: string, node: string): AerospikeError {
  const e = err as NodeError;
  const reason = e instanceof Error ? describe(e) : String(err);
  return new AerospikeError('network_error', `connection to ${address} failed: ${reason}`, { node, cause: err });
}
