// The record API's public surface, re-exported by the package root: the client, operation builders,
// values and every option, record and event type an app needs. A thin barrel: no logic here.

export { AerospikeClient, type ClientOptions, type ClientStats } from './aerospike-client';
export type { AerospikeRecord, WriteResult } from './record-commands';
export type { Key } from './record-key';
export type { BatchPolicy, ClientPolicies, ExistsPolicy, ReadPolicy, ReplicaPolicy, ScanPolicy, WritePolicy } from './client-policies';
export { op, Operation, type OperationKind } from '../protocol/operations';
export { Double, isDouble } from '../protocol/double';
export { RawValue } from '../protocol/raw-value';
export type { Value, ValueInput, ValueList, ValueObject } from '../protocol/value';
export type { UserKey } from '../protocol/digest';
export type { Bins } from '../protocol/requests';
export type { ClusterEvent, ClusterStats, NodeRemovalReason, NodeStats, TendPhase } from '../cluster/cluster-events';
export type { NodeInfo } from '../cluster/cluster-node';
export type { SeedHost } from '../cluster/cluster-options';
export type { PoolStats } from '../cluster/node-pool';
