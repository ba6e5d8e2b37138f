// The `aerospike-rx-transport/testing` entry: FakeTransport, its script types and the frame builders.
// A thin barrel: no logic lives here, and nothing in lib/ outside lib/testing/ imports it.

export { FakeTransport, type FakeTransportOptions } from './fake-transport';
export { FakeCluster, type FakeClusterNodeSpec, type FakeClusterOptions, type FakeOwnership, type InfoFault } from './fake-cluster';
export type { ConnectOutcome, FakeCall, FakeResponder, PendingScripts, RecordedLoginOptions, ScriptEntry, StreamScript } from './fake-node';
export {
  adminFrame,
  adminRecord,
  asMsgFrame,
  asMsgRecord,
  compressedFrame,
  infoReplyFrame,
  lastRecord,
  queryEndFrame,
  u32,
  type AdminRecordSpec,
  type AsMsgRecordSpec,
  type FieldSpec,
  type OpSpec,
} from './frame-builders';

// What scripts and assertions need from the main entry, so tests can import from one place.
export { AerospikeError, isAerospikeError, type ErrorCode } from '../errors';
export type {
  CommandOptions,
  ConnectOptions,
  Connection,
  InfoReply,
  LoginOptions,
  LoginReply,
  NodeTransport,
  Request,
  StreamOptions,
} from '../node-transport';
export { AdminCommand, AdminField, FieldType, Info1, Info2, Info3, OpType, ParticleType } from '../protocol/constants';

// Simulated node: a loopback server speaking enough Aerospike for specs, demos and benchmarks.
export {
  SimulatedNode,
  type RequestKind,
  type SimulatedFaults,
  type SimulatedNodeCluster,
  type SimulatedNodeOptions,
  type SimulatedNodeStats,
  type SyntheticScan,
} from './simulated-node';
export type { PartitionAccess } from './simulated-scan-plan';
export { SimulatedStore, type StoredRecord } from './simulated-store';

// Simulated cluster: N simulated nodes sharing a store and an ownership table, with membership faults.
export { SimulatedCluster, type SimulatedClusterOptions, type SimulatedNodeRef } from './simulated-cluster';
