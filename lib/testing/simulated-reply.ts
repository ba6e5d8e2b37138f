// Reply records and frames as the simulated node writes them: a 22-byte as_msg header with a result
// code, then fields and READ ops. Builds bytes only; the node decides what to send and when.

import { AS_MSG_HEADER_SIZE, Info3, MessageType, OpType } from '../protocol/constants';
import { compressFrame } from '../protocol/compression';
import { encodeFrame } from '../protocol/proto-header';
import type { RawParticle } from '../protocol/particle';

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
  const fields = spec.fields ?? [];
  const ops: Array<readonly [Buffer, RawParticle]> = [];
  for (const [name, particle] of spec.bins ?? []) ops.push([Buffer.from(name, 'utf8'), particle]);
  let size = AS_MSG_HEADER_SIZE;
  for (const [, data] of fields) size += 5 + data.length;
  for (const [name, particle] of ops) size += 8 + name.length + particle.bytes.length;

  const out = Buffer.alloc(size);
  out[0] = AS_MSG_HEADER_SIZE;
  out[3] = spec.info3 ?? 0;
  out[5] = spec.resultCode ?? 0;
  out.writeUInt32BE(spec.generation ?? 0, 6);
  out.writeUInt32BE(spec.voidTime ?? 0, 10);
  out.writeUInt32BE(spec.batchIndex ?? 0, 14);
  out.writeUInt16BE(fields.length, 18);
  out.writeUInt16BE(ops.length, 20);
  let at = AS_MSG_HEADER_SIZE;
  for (const [type, data] of fields) {
    out.writeUInt32BE(data.length + 1, at);
    out[at + 4] = type;
    out.set(data, at + 5);
    at += 5 + data.length;
  }
  for (const [name, particle] of ops) {
    out.writeUInt32BE(4 + name.length + particle.bytes.length, at);
    out[at + 4] = OpType.READ;
    out[at + 5] = particle.particleType;
    out[at + 7] = name.length;
    name.copy(out, at + 8);
    particle.bytes.copy(out, at + 8 + name.length);
    at += 8 + name.length + particle.bytes.length;
  }
  return out;
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
