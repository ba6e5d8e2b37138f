// Reply records and frames as the simulated node writes them: a 22-byte as_msg header with a result
// code, then fields and READ ops. Builds bytes only; the node decides what to send and when.

import { Info3, MessageType, OpType } from '../protocol/constants';
import { compressFrame } from '../protocol/compression';
import { encodeFrame } from '../protocol/proto-header';
import type { RawParticle } from '../protocol/particle';
import { encodeAsMsgRecord, type OpSpec } from '../protocol/as-msg-encoder';

export interface ReplyRecord {
  readonly resultCode?: number;
  readonly info3?: number;
  readonly generation?: number;
  readonly voidTime?: number;
  /** The transaction-ttl slot: the key index in batch replies. */
  readonly batchIndex?: number;
  readonly fields?: ReadonlyArray<readonly [type: number, data: Uint8Array]>;
  readonly bins?: Iterable<readonly [name: string, particle: RawParticle]>;
}

/** One record (no proto header), to be concatenated into a frame body. */
export function encodeReplyRecord(spec: ReplyRecord): Buffer {
  const ops: OpSpec[] = [];
  for (const [name, particle] of spec.bins ?? []) {
    ops.push({ op: OpType.READ, particleType: particle.particleType, name: Buffer.from(name, 'utf8'), value: particle.bytes });
  }
  return encodeAsMsgRecord(
    { info3: spec.info3 ?? 0, resultCode: spec.resultCode ?? 0, generation: spec.generation ?? 0, recordTtl: spec.voidTime ?? 0, transactionTtl: spec.batchIndex ?? 0 },
    (spec.fields ?? []).map(([type, data]) => ({ type, data })),
    ops,
  );
}

/** The 22-byte terminal record (info3 LAST) with a result code. */
export function lastRecord(resultCode = 0): Buffer {
  return encodeReplyRecord({ info3: Info3.LAST, resultCode });
}

/** A type-3 frame of records; a type-4 envelope of it when `compress`. */
export function asMsgReplyFrame(records: readonly Buffer[], compress: boolean): Buffer {
  const frame = encodeFrame(MessageType.AS_MSG, records.length === 1 ? records[0]! : Buffer.concat(records));
  return compress ? compressFrame(frame) : frame;
}

/**
 * Packs records into frames of at most `frameBytes` bodies (at least one record each), yielding
 * each frame as it fills; then the LAST record, as its own frame or appended to the final one.
 */
export function* packRecords(
  records: Iterable<Buffer>,
  options: { readonly frameBytes: number; readonly lastInFinalFrame: boolean; readonly compress: boolean; readonly lastResultCode?: number },
): Generator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for (const record of records) {
    if (pending.length > 0 && pendingBytes + record.length > options.frameBytes) {
      yield asMsgReplyFrame(pending, options.compress);
      pending = [];
      pendingBytes = 0;
    }
    pending.push(record);
    pendingBytes += record.length;
  }
  const last = lastRecord(options.lastResultCode ?? 0);
  if (options.lastInFinalFrame) {
    pending.push(last);
    yield asMsgReplyFrame(pending, options.compress);
    return;
  }
  if (pending.length > 0) yield asMsgReplyFrame(pending, options.compress);
  yield asMsgReplyFrame([last], options.compress);
}
