// FakeCluster's data path: command$, commandStream$ and stream$ requests answered by the simulated
// node's as_msg handler over one shared store (any node serves any key, as a real node proxies),
// with per-node ownership (scans serve held partitions) and "partition unavailable" faults. Bytes in, reply bytes out.

import type { AerospikeError } from '../errors';
import { inflateCompressedBody } from '../protocol/compression';
import { DEFAULT_MAX_FRAME_BYTES, MessageType, PROTO_HEADER_SIZE } from '../protocol/constants';
import { decodeProtoHeader } from '../protocol/proto-header';
import type { FakeCall } from './fake-node';
import { handleAsMsg } from './simulated-as-msg';
import type { PartitionAccess } from './simulated-scan-plan';
import type { SimulatedStore } from './simulated-store';

/** How a node treats a partition: it holds a replica, it proxies for the owner, or it answers 11. */
export type FakePartitionAccess = (nodeId: string, namespace: string, partition: number) => PartitionAccess;

export class FakeCommandHandler {
  constructor(
    private readonly store: SimulatedStore,
    private readonly namespaces: readonly string[],
    private readonly access: FakePartitionAccess,
    /** Largest body of a scan or batch reply frame. */
    private readonly scanFrameBytes: number,
  ) {}

  /** The reply for a call: a body (command$), the concatenated bodies (commandStream$), or whole frames (stream$). */
  answer(nodeId: string, call: FakeCall): Buffer | Buffer[] | AerospikeError {
    const body = requestBody(call.request);
    const reply = handleAsMsg(body, {
      store: this.store,
      namespaces: this.namespaces,
      compression: false,
      scanFrameBytes: this.scanFrameBytes,
      scanLastInFinalFrame: false,
      authenticated: true,
      // key commands on any partition (a real node proxies), scans of held partitions only, 11 where unavailable
      partitionAccess: (namespace, partition) => this.access(nodeId, namespace, partition),
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
