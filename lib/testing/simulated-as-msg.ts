// The simulated node's AS_MSG commands: single-record commands (simulated-operate.ts), partition scan
// and batch get on a SimulatedStore, answered as lazily built reply frames. No sockets: the node writes what this yields.
// A malformed request throws (the node closes that socket, as a server does on a parse error).

import { parseError } from '../errors';
import { FieldType, Info1, Info2, Info3, OpType, ParticleType } from '../protocol/constants';
import { decodeAsMsgHeader, walkAsMsgRecords, type AsMsgHeader } from '../protocol/as-msg';
import { DIGEST_SIZE, partitionId } from '../protocol/digest';
import { ResultCode } from '../protocol/result-codes';
import type { RawParticle } from '../protocol/particle';
import { asMsgReplyFrame, encodeReplyRecord, lastRecord, packRecords } from './simulated-reply';
import { executeRecordCommand } from './simulated-operate';
import { scanPlan, type PartitionAccessFn } from './simulated-scan-plan';
import type { SimulatedStore, StoredRecord } from './simulated-store';

export type AsMsgKind = 'get' | 'exists' | 'put' | 'delete' | 'scan' | 'batch' | 'unsupported';

export interface AsMsgContext {
  readonly store: SimulatedStore;
  readonly namespaces: readonly string[];
  readonly compression: boolean;
  readonly scanFrameBytes: number;
  readonly scanLastInFinalFrame: boolean;
  readonly authenticated: boolean;
  /** Largest record a write may store (recordSize); larger: record_too_big (13). Default 1 MiB. */
  readonly maxRecordSize?: number | undefined;
  readonly syntheticScan?: SyntheticScan | undefined;
  /** The node's relation to each partition (a SimulatedCluster's ownership); absent: every partition held. */
  readonly partitionAccess?: PartitionAccessFn | undefined;
}

/** A scan of `set` answered with `frames` generated frames of `frameBytes` body each, then LAST. */
export interface SyntheticScan {
  readonly set: string;
  readonly frames: number;
  readonly frameBytes: number;
}

export interface AsMsgReply {
  readonly kind: AsMsgKind;
  readonly frames: Iterable<Buffer>;
}

interface RequestOp {
  readonly op: number;
  readonly particleType: number;
  readonly name: string;
  readonly value: Buffer;
}

interface ParsedRequest {
  readonly header: AsMsgHeader;
  readonly fields: Map<number, Buffer>;
  readonly ops: RequestOp[];
}

function parseRequest(body: Buffer): ParsedRequest {
  let parsed: ParsedRequest | undefined;
  walkAsMsgRecords(body, (span) => {
    if (parsed !== undefined) throw parseError('a request frame must hold exactly one as_msg');
    const fields = new Map<number, Buffer>();
    let at = span.fieldsOffset;
    for (let i = 0; i < span.fieldCount; i++) {
      const size = body.readUInt32BE(at);
      fields.set(body[at + 4]!, body.subarray(at + 5, at + 4 + size));
      at += 4 + size;
    }
    const ops: RequestOp[] = [];
    for (let i = 0; i < span.opCount; i++) {
      const size = body.readUInt32BE(at);
      const nameLength = body[at + 7]!;
      ops.push({
        op: body[at + 4]!,
        particleType: body[at + 5]!,
        name: body.toString('utf8', at + 8, at + 8 + nameLength),
        value: body.subarray(at + 8 + nameLength, at + 4 + size),
      });
      at += 4 + size;
    }
    parsed = { header: decodeAsMsgHeader(body, span.offset), fields, ops };
  });
  if (parsed === undefined) throw parseError('empty as_msg request');
  return parsed;
}

function kindOf(header: AsMsgHeader, fields: Map<number, Buffer>): AsMsgKind {
  if ((header.info1 & Info1.BATCH) !== 0) return 'batch';
  if ((header.info3 & Info3.PARTITION_DONE) !== 0 || fields.has(FieldType.PID_ARRAY)) return 'scan';
  if ((header.info2 & Info2.WRITE) !== 0) return (header.info2 & Info2.DELETE) !== 0 ? 'delete' : 'put';
  if ((header.info1 & Info1.READ) !== 0) return (header.info1 & Info1.NOBINDATA) !== 0 ? 'exists' : 'get';
  return 'unsupported';
}

/** Answers one AS_MSG request body (already inflated when it came as type 4). */
export function handleAsMsg(body: Buffer, ctx: AsMsgContext): AsMsgReply {
  const request = parseRequest(body);
  const { header, fields } = request;
  const kind = kindOf(header, fields);
  const compress = ctx.compression && (header.info1 & Info1.COMPRESS_RESPONSE) !== 0;
  const single = (record: Parameters<typeof encodeReplyRecord>[0]): AsMsgReply => ({
    kind,
    frames: [asMsgReplyFrame([encodeReplyRecord(record)], compress)],
  });

  if (!ctx.authenticated) {
    const multi = kind === 'scan' || kind === 'batch';
    return single({ resultCode: ResultCode.NOT_AUTHENTICATED, info3: multi ? Info3.LAST : 0 });
  }
  if (kind === 'batch') return { kind, frames: batchFrames(request, ctx, compress) };
  const namespace = fields.get(FieldType.NAMESPACE)?.toString('utf8');
  if (namespace === undefined || !ctx.namespaces.includes(namespace)) {
    return single({ resultCode: ResultCode.INVALID_NAMESPACE, info3: kind === 'scan' ? Info3.LAST : 0 });
  }
  if (kind === 'scan') {
    const synthetic = ctx.syntheticScan;
    if (synthetic !== undefined && fields.get(FieldType.SET)?.toString('utf8') === synthetic.set) {
      return { kind, frames: syntheticFrames(namespace, synthetic, compress) };
    }
    return { kind, frames: scanFrames(request, namespace, ctx, compress) };
  }
  if (kind === 'unsupported') return single({ resultCode: ResultCode.PARAMETER_ERROR });

  const digest = fields.get(FieldType.DIGEST_RIPE);
  if (digest === undefined || digest.length !== DIGEST_SIZE) return single({ resultCode: ResultCode.PARAMETER_ERROR });
  if (ctx.partitionAccess?.(namespace, partitionId(digest)) === 'unavailable') return single({ resultCode: ResultCode.PARTITION_UNAVAILABLE });
  return { kind, frames: [asMsgReplyFrame([executeRecordCommand(request, namespace, digest, ctx.store, ctx.maxRecordSize)], compress)] };
}

/** Bins a read returns: none (NOBINDATA), all (GET_ALL or no ops), or the READ ops' names that exist. */
function selectBins(record: StoredRecord, info1: number, ops: readonly RequestOp[]): Array<[string, RawParticle]> {
  if ((info1 & Info1.NOBINDATA) !== 0) return [];
  if ((info1 & Info1.GET_ALL) !== 0 || ops.length === 0) return [...record.bins];
  const out: Array<[string, RawParticle]> = [];
  for (const op of ops) {
    const particle = record.bins.get(op.name);
    if (op.op === OpType.READ && particle !== undefined) out.push([op.name, particle]);
  }
  return out;
}

function scanFrames(request: ParsedRequest, namespace: string, ctx: AsMsgContext, compress: boolean): Iterable<Buffer> {
  const { header, fields, ops } = request;
  const set = fields.get(FieldType.SET)?.toString('utf8') ?? '';
  const plan = scanPlan(fields, namespace, set, ctx.store, ctx.partitionAccess, (header.info3 & Info3.PARTITION_DONE) !== 0);
  const maxField = fields.get(FieldType.MAX_RECORDS);
  const max = maxField !== undefined && maxField.length === 8 ? maxField.readBigUInt64BE(0) : undefined;
  function* records(): Generator<Buffer> {
    let sent = 0n;
    for (const item of plan) {
      // a partition this node does not serve: rc 11, partition id in the generation slot, no fields
      if (typeof item === 'number') {
        yield encodeReplyRecord({ info3: Info3.PARTITION_DONE, resultCode: ResultCode.PARTITION_UNAVAILABLE, generation: item });
        continue;
      }
      if (max !== undefined && sent >= max) return;
      sent++;
      const replyFields: Array<readonly [number, Uint8Array]> = [
        [FieldType.NAMESPACE, Buffer.from(namespace, 'utf8')],
        [FieldType.DIGEST_RIPE, item.digest],
      ];
      if (item.set.length > 0) replyFields.push([FieldType.SET, Buffer.from(item.set, 'utf8')]);
      if (item.key !== undefined) replyFields.push([FieldType.KEY, item.key]);
      yield encodeReplyRecord({
        generation: item.generation,
        voidTime: item.voidTime,
        fields: replyFields,
        bins: selectBins(item, header.info1, ops),
      });
    }
  }
  return packRecords(records(), {
    frameBytes: ctx.scanFrameBytes,
    lastInFinalFrame: ctx.scanLastInFinalFrame || (header.info1 & Info1.SHORT_QUERY) !== 0,
    compress,
  });
}

/**
 * One frame, built once and yielded `frames` times (a one-record body of exactly frameBytes when
 * frameBytes covers the record's fixed part), then the LAST frame: gigabytes without storing them.
 */
function* syntheticFrames(namespace: string, synthetic: SyntheticScan, compress: boolean): Generator<Buffer> {
  const fields: Array<readonly [number, Uint8Array]> = [
    [FieldType.NAMESPACE, Buffer.from(namespace, 'utf8')],
    [FieldType.DIGEST_RIPE, Buffer.alloc(DIGEST_SIZE)],
    [FieldType.SET, Buffer.from(synthetic.set, 'utf8')],
  ];
  const fixed = encodeReplyRecord({ fields, bins: [['data', { particleType: ParticleType.BLOB, bytes: Buffer.alloc(0) }]] }).length;
  const blob = Buffer.alloc(Math.max(0, synthetic.frameBytes - fixed), 0x61);
  const frame = asMsgReplyFrame([encodeReplyRecord({ generation: 1, fields, bins: [['data', { particleType: ParticleType.BLOB, bytes: blob }]] })], compress);
  for (let i = 0; i < synthetic.frames; i++) yield frame;
  yield asMsgReplyFrame([lastRecord()], compress);
}

/** Batch entry flags of the BATCH_INDEX layout. */
const BatchEntry = { REPEAT: 0x01, INFO: 0x02, GEN: 0x04, TTL: 0x08, INFO4: 0x10 } as const;

interface BatchEntryRead {
  readonly index: number;
  readonly digest: Buffer;
  readonly namespace: string;
  readonly info1: number;
  readonly ops: RequestOp[];
}

function parseBatch(data: Buffer): BatchEntryRead[] {
  const need = (at: number, n: number): void => {
    if (at + n > data.length) throw parseError(`batch field truncated at offset ${at}`);
  };
  need(0, 5);
  const count = data.readUInt32BE(0);
  let at = 5;
  const entries: BatchEntryRead[] = [];
  let previous: Omit<BatchEntryRead, 'index' | 'digest'> | undefined;
  for (let i = 0; i < count; i++) {
    need(at, 25);
    const index = data.readUInt32BE(at);
    const digest = data.subarray(at + 4, at + 24);
    const type = data[at + 24]!;
    at += 25;
    if ((type & BatchEntry.REPEAT) !== 0) {
      if (previous === undefined) throw parseError('the first batch entry cannot repeat');
      entries.push({ index, digest, ...previous });
      continue;
    }
    if ((type & BatchEntry.INFO) === 0 || (type & BatchEntry.GEN) !== 0) throw parseError(`unsupported batch entry flags 0x${type.toString(16)}`);
    need(at, 3);
    const info1 = data[at]!;
    at += 3 + ((type & BatchEntry.INFO4) !== 0 ? 1 : 0) + ((type & BatchEntry.TTL) !== 0 ? 4 : 0);
    need(at, 4);
    const fieldCount = data.readUInt16BE(at);
    const opCount = data.readUInt16BE(at + 2);
    at += 4;
    let namespace = '';
    for (let f = 0; f < fieldCount; f++) {
      need(at, 5);
      const size = data.readUInt32BE(at);
      need(at + 4, size);
      if (data[at + 4] === FieldType.NAMESPACE) namespace = data.toString('utf8', at + 5, at + 4 + size);
      at += 4 + size;
    }
    const ops: RequestOp[] = [];
    for (let o = 0; o < opCount; o++) {
      need(at, 8);
      const size = data.readUInt32BE(at);
      need(at + 4, size);
      const nameLength = data[at + 7]!;
      ops.push({ op: data[at + 4]!, particleType: data[at + 5]!, name: data.toString('utf8', at + 8, at + 8 + nameLength), value: data.subarray(at + 8 + nameLength, at + 4 + size) });
      at += 4 + size;
    }
    previous = { namespace, info1, ops };
    entries.push({ index, digest, ...previous });
  }
  return entries;
}

function batchFrames(request: ParsedRequest, ctx: AsMsgContext, compress: boolean): Iterable<Buffer> {
  const data = request.fields.get(FieldType.BATCH_INDEX);
  if (data === undefined) throw parseError('batch request without a BATCH_INDEX field');
  const entries = parseBatch(data); // parsed eagerly so a malformed batch closes the socket before any reply
  const store = ctx.store;
  const access = ctx.partitionAccess;
  function* records(): Generator<Buffer> {
    for (const entry of entries) {
      if (access?.(entry.namespace, partitionId(entry.digest)) === 'unavailable') {
        yield encodeReplyRecord({ resultCode: ResultCode.PARTITION_UNAVAILABLE, batchIndex: entry.index });
        continue;
      }
      const record = store.get(entry.namespace, entry.digest);
      if (record === undefined) {
        yield encodeReplyRecord({ resultCode: ResultCode.KEY_NOT_FOUND, batchIndex: entry.index });
        continue;
      }
      yield encodeReplyRecord({
        generation: record.generation,
        voidTime: record.voidTime,
        batchIndex: entry.index,
        bins: selectBins(record, entry.info1, entry.ops),
      });
    }
  }
  return packRecords(records(), { frameBytes: ctx.scanFrameBytes, lastInFinalFrame: false, compress });
}
