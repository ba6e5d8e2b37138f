// Public barrel of aerospike-rx-transport: the record API (AerospikeClient) for apps, then the
// transport contract, the TCP/TLS transport, errors, telemetry names and the pure codecs for
// client-layer authors. Test doubles live in the ./testing entry point.

export * from './client/index';

export type {
  AuthMode,
  CommandOptions,
  Connection,
  FramesOptions,
  ConnectOptions,
  InfoReply,
  LoginOptions,
  LoginReply,
  MessageKind,
  NodeTransport,
  PendingCall,
  ReplySink,
  Request,
  StreamOptions,
  TlsOptions,
  TransportOptions,
} from './node-transport';
import { TcpTransport } from './net/tcp-transport';
import { registerDefaultTransport } from './cluster/default-transport';

export { TcpTransport, type TcpTransportOptions } from './net/tcp-transport';
export type { SocketFactory } from './net/open-socket';
export { AerospikeError, isAerospikeError, type ClusterErrorCode, type ErrorCode, type TransportErrorCode } from './errors';
export { CHANNEL_NAMES, type CommandSpanContext, type SpanContext, type TendSpanContext } from './telemetry';
export { ResultCode, resultCodeName, type ResultCodeName } from './protocol/result-codes';
export * as protocol from './protocol/index';

// A cluster without an injected transport talks TCP/TLS; lib/cluster itself never imports lib/net.
registerDefaultTransport((scheduler) => new TcpTransport({ scheduler }));
