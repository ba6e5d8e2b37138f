// The pure codecs, for cluster code that encodes requests and decodes replies itself.
// Bytes in, values or parse_error out; nothing here does I/O.

export * from './constants';
export * from './proto-header';
export { FrameDecoder, makeFrame, type Frame, type FrameDecoderOptions } from './frame-decoder';
export * from './info';
export * from './as-msg';
export * from './admin';
export * from './compression';
export * from './login';
export { hashPassword } from './password-hash';
export * from './digest';
export * from './double';
export * from './raw-value';
export * from './value';
export { unpackValue } from './msgpack-reader';
export { packValue, MSGPACK_MAX_DEPTH } from './msgpack-writer';
export * from './particle';
export * from './operations';
export * from './operate-request';
export * from './as-msg-encoder';
export * from './requests';
export * from './scan-request';
export * from './batch-request';
export * from './record';
export * from './generation';
export * from './peers';
export { formatHostAddress, parseHostAddress } from './host-address';
export * from './services';
export * from './replicas';
export * from './features';
