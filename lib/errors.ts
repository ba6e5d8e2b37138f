// AerospikeError: the one error class every transport failure travels as, with a stable `code`.
// Pure (no I/O): Node's socket error codes are mapped in lib/net/socket-errors.ts, not here.
// Messages never carry passwords, hashes or session tokens; callers pass only safe text.

import { resultCodeName, type ResultCodeName } from './protocol/result-codes';

export type TransportErrorCode =
  | 'connection_error'
  | 'timeout'
  | 'network_error'
  | 'parse_error'
  | 'server_error'
  | 'connection_busy'
  | 'no_script';

/**
 * Codes the cluster layer adds: a pool at maxConnsPerNode, a node over its error rate, no usable node
 * for a partition (or an empty cluster), and a call on a closed client. The first two are retryable.
 */
export type ClusterErrorCode = 'no_more_connections' | 'max_error_rate' | 'invalid_node' | 'client_closed';

/** Transport codes, cluster codes, plus the snake_case names of server result codes (`invalid_credential`, …). */
export type ErrorCode = TransportErrorCode | ClusterErrorCode | ResultCodeName;

export interface AerospikeErrorOptions {
  readonly resultCode?: number;
  readonly node?: string;
  readonly inDoubt?: boolean;
  readonly cause?: unknown;
}

export class AerospikeError extends Error {
  readonly code: ErrorCode;
  declare readonly resultCode?: number;
  declare readonly node?: string;
  /** True when request bytes may have reached the server (the write may have been applied). */
  readonly inDoubt: boolean;

  constructor(code: ErrorCode, message: string, options: AerospikeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.resultCode !== undefined) this.resultCode = options.resultCode;
    if (options.node !== undefined) this.node = options.node;
    this.inDoubt = options.inDoubt ?? false;
  }

  override get name(): string {
    return 'AerospikeError';
  }

  /**
   * The same error with `node` and `inDoubt` filled in; the copy keeps the original's code,
   * message, result code, cause and stack (so the codec's stack survives). Returns `this` when nothing changes.
   */
  withContext(node: string | undefined, inDoubt: boolean): AerospikeError {
    if (this.node === node && this.inDoubt === inDoubt) return this;
    const copy = new AerospikeError(this.code, this.message, {
      resultCode: this.resultCode,
      node,
      inDoubt,
      cause: this.cause,
    });
    copy.stack = this.stack;
    return copy;
  }

  /**
   * An error for a server result code: known codes get their name (`expired_session`), unknown
   * ones become `server_error` naming the number.
   */
  static fromResultCode(resultCode: number, what: string, options: Omit<AerospikeErrorOptions, 'resultCode'> = {}): AerospikeError {
    const name = resultCodeName(resultCode);
    if (name === undefined || name === 'ok') {
      return new AerospikeError('server_error', `${what} failed with unknown result code ${resultCode}`, {
        ...options,
        resultCode,
      });
    }
    return new AerospikeError(name, `${what} failed: ${name} (result code ${resultCode})`, { ...options, resultCode });
  }
}

/** A parse_error: the bytes on the wire do not match the protocol. */
export function parseError(message: string, cause?: unknown): AerospikeError {
  return new AerospikeError('parse_error', message, cause === undefined ? {} : { cause });
}

export function isAerospikeError(value: unknown): value is AerospikeError {
  return value instanceof AerospikeError;
}
