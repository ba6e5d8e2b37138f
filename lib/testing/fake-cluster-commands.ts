// FakeCluster's data path: command$, commandStream$ and stream$ requests answered by the simulated
// node's as_msg handler over one shared store (any node serves any key, as a real node proxies),
// with per-node "partition unavailable" faults. Bytes in, reply bytes out; no timers.

import type { SchedulerLike } from 'rxjs';
import { AerospikeError } from '../errors';
import { walkAsMsgRecords } from '../protocol/as-msg';
import { inflateCompressedBody } from '../protocol/compression';
import { DEFAULT_MAX_FRAME_BYTES, FieldType, MessageType, PROTO_HEADER_SIZE } from '../protocol/constants';
import { partitionId } from '../protocol/digest';
import { decodeProtoHeader } from '../protocol/proto-header';
import { ResultCode } from '../protocol/result-codes';
import type { FakeCall } from './fake-node';
import { handleAsMsg } from './simulated-as-msg';
import { asMsgReplyFrame, encodeReplyRecord } from './simulated-reply';
import type { SimulatedStore } from './simulated-store';

export class FakeCommandHandler {
  private readonly unavailableByNode = new Map<string, ReadonlySet<number>>();

  constructor(
    private readonly store: SimulatedStore,
    private readonly namespaces: readonly string[],
    readonly scheduler: SchedulerLike,
  ) {}

  setUnavailable(nodeId: string, partitions: ReadonlySet<number>): void {
    if (partitions.size === 0) this.unavailableByNode.delete(nodeId);
    else this.unavailableByNode.set(nodeId, partitions);
  }

  /** The reply for a call: a body (command$), the concatenated bodies (commandStream$), or whole frames (stream$). */
  answer(nodeId: string, call: FakeCall): Buffer | Buffer[] | AerospikeError {
    const body = requestBody(call.request);
    const partition = keyPartition(body);
    const unavailable = this.unavailableByNode.get(nodeId);
    if (partition !== undefined && unavailable?.has(partition) === true) {
      const frame = asMsgReplyFrame([encodeReplyRecord({ resultCode: ResultCode.PARTITION_UNAVAILABLE })], false);
      return call.kind === 'stream' ? [frame] : frame.subarray(PROTO_HEADER_SIZE);
    }
    const reply = handleAsMsg(body, {
      store: this.store,
      namespaces: this.namespaces,
      compression: false,
      scanFrameBytes: 128 * 1024,
      scanLastInFinalFrame: false,
      authenticated: true,
    });
    const frames = [...reply.frames];
    if (call.kind === 'stream') return frames;
    if (call.kind === 'command') return frames[0]!.subarray(PROTO_HEADER_SIZE);
    return Buffer.concat(frames.map((f) => f.subarray(PROTO_HEADER_SIZE)));
  }
}

/** The as_msg body of a request frame (a type-4 request inflated). */
function requestBody(frame: Buffer): Buffer {
  const header = decodeProtoHeader(frame);
  const body = frame.subarray(PROTO_HEADER_SIZE);
  if (header.type === MessageType.AS_MSG_COMPRESSED) return inflateCompressedBody(body, DEFAULT_MAX_FRAME_BYTES).subarray(PROTO_HEADER_SIZE);
  return body;
}

/** The partition of a single-key request (its DIGEST_RIPE field), or undefined for batch and scan. */
function keyPartition(body: Buffer): number | undefined {
  let partition: number | undefined;
  walkAsMsgRecords(body, (span) => {
    let at = span.fieldsOffset;
    for (let i = 0; i < span.fieldCount; i++) {
      const size = body.readUInt32BE(at);
      if (body[at + 4] === FieldType.DIGEST_RIPE && size === 21) partition = partitionId(body.subarray(at + 5, at + 25));
      at += 4 + size;
    }
    return true;
  });
  return partition;
}
