// The one place that reads Node's socket/TLS error codes and turns them into AerospikeErrors.
// Callers say which phase failed (connecting, TLS handshake, or I/O on an open connection).

import { AerospikeError } from '../errors';

type NodeError = Error & { code?: string; reason?: string };

function describe(err: NodeError): string {
  const code = err.code !== undefined && !err.message.includes(err.code) ? `${err.code}: ` : '';
  return `${code}${err.message}`;
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
