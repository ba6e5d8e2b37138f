// What an attempt's failure means (client-design.md §C5, cluster.md §7): retry or not, where the
// retry of a write goes, whether it counts against the node's error rate, and whether the request
// may have been applied. Pure decisions over AerospikeError codes and result codes.

import { AerospikeError } from '../errors';
import { ResultCode } from '../protocol/result-codes';

export interface FailureClass {
  readonly retryable: boolean;
  /** A write retried after this moves along the replica sequence (reads always move). */
  readonly writeMoves: boolean;
  /** Counts against the node's error rate (J: a connection closed on error, server timeout, device overload). */
  readonly nodeError: boolean;
  /** The request never left this client: retrying cannot apply a write twice. */
  readonly notSent: boolean;
  /** Ask the tender for an early tend (the map is probably stale). */
  readonly requestTend: boolean;
  /** The node refused or failed to open a connection. */
  readonly connectFailure: boolean;
}

const FINAL: FailureClass = { retryable: false, writeMoves: false, nodeError: false, notSent: false, requestTend: false, connectFailure: false };

export function classifyFailure(error: unknown): FailureClass {
  if (!(error instanceof AerospikeError)) return FINAL;
  if (error.resultCode !== undefined && isServerReply(error)) {
    switch (error.resultCode) {
      case ResultCode.TIMEOUT:
        return { ...FINAL, retryable: true, nodeError: true };
      case ResultCode.DEVICE_OVERLOAD:
        return { ...FINAL, retryable: true, nodeError: true };
      case ResultCode.KEY_BUSY:
        return { ...FINAL, retryable: true };
      case ResultCode.PARTITION_UNAVAILABLE:
        return { ...FINAL, retryable: true, writeMoves: true, requestTend: true };
      default:
        return FINAL;
    }
  }
  switch (error.code) {
    case 'timeout':
      return { ...FINAL, retryable: true, nodeError: true };
    case 'network_error':
      return { ...FINAL, retryable: true, writeMoves: true, nodeError: true };
    case 'connection_error':
      return { ...FINAL, retryable: true, writeMoves: true, notSent: true, connectFailure: true };
    case 'no_more_connections':
    case 'max_error_rate':
      return { ...FINAL, retryable: true, writeMoves: true, notSent: true };
    case 'invalid_node':
      return { ...FINAL, retryable: true, writeMoves: true, notSent: true, requestTend: true };
    case 'parse_error':
      return { ...FINAL, nodeError: true };
    default:
      return FINAL;
  }
}

/**
 * A server's answer carries a result code; login refusals at connect time carry one too, but those
 * are the connection's failure, not the command's (they arrive before the request is sent).
 */
function isServerReply(error: AerospikeError): boolean {
  return error.code !== 'connection_error';
}

/**
 * The request of this failed attempt may have been applied: it left the client and no definite answer
 * came. A reply that could not be parsed is no definite answer (design.md §2: parse_error included).
 */
export function attemptInDoubt(error: unknown, sent: boolean): boolean {
  if (!sent) return false;
  if (!(error instanceof AerospikeError)) return true;
  if (error.resultCode !== undefined && isServerReply(error)) return error.resultCode === ResultCode.TIMEOUT;
  return error.inDoubt || error.code === 'timeout' || error.code === 'parse_error';
}

/**
 * A reply whose parse threw `error` left its connection in step: a server's result code was read in
 * full. Bytes that could not be parsed (or a parse that failed otherwise) leave the stream in an
 * unknown state, so that connection is not reused.
 */
export function replyLeavesConnectionReusable(error: unknown): boolean {
  return error instanceof AerospikeError && error.code !== 'parse_error' && error.resultCode !== undefined;
}

/** What a node request's failure is charged to: the node's counters and error rate. */
export interface FailureTarget {
  readonly counters: { commandErrors: number };
  errorCount: number;
}

/**
 * Charges a failed node request (batch group, scan stream) to its node and asks for an early tend
 * when the failure says the map is stale. Returns whether the call may carry on without it.
 */
export function chargeNodeFailure(node: FailureTarget, error: unknown, requestTend: () => void): boolean {
  node.counters.commandErrors++;
  const kind = classifyFailure(error);
  if (!kind.retryable) return false;
  if (kind.nodeError) node.errorCount++;
  if (kind.requestTend) requestTend();
  return true;
}
