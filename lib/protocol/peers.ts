// The `peers-clear-std` family of info values (also `-alt`, `peers-tls-std`, `peers-tls-alt`):
// `<generation>,<default port>,[[<node>,<tls name>,[<address>,...]],...]` (cluster.md §3.3).
// Pure: parsePeers is strict (any other shape is a parse_error); encodePeers is its inverse for fakes.

import { formatHostAddress, parseHostAddress, type HostAddress } from './host-address';
import { decimalU32, infoValueError, refuseServerError, shown } from './info-value';

export type { HostAddress } from './host-address';

export interface PeerEntry {
  readonly nodeName: string;
  /** undefined when the server sent an empty TLS name (always, on clear lists). */
  readonly tlsName: string | undefined;
  /** In the server's order; may be empty (the grammar allows `[]`, and J accepts it). */
  readonly addresses: readonly HostAddress[];
}

export interface PeersReply {
  readonly generation: number;
  readonly defaultPort: number;
  readonly peers: readonly PeerEntry[];
}

const SHAPE = '<generation>,<default port>,[<peers>]';
const HEAD = /^([^,]*),([^,]*),\[/;
// Node and TLS names: no structure characters, spaces or control characters.
const NAME = /^[^[\],\x00-\x20\x7f]+$/;

/**
 * Parses a peers value. An address without a port takes the default port. A server `ERROR:…`
 * answer (e.g. `peers-tls-std` on Community Edition), truncation, nesting or trailing text is a
 * parse_error naming `infoName`.
 */
export function parsePeers(value: string, infoName = 'peers-clear-std'): PeersReply {
  refuseServerError(value, infoName, SHAPE);
  const head = HEAD.exec(value);
  if (head === null || !value.endsWith(']')) throw infoValueError(infoName, `expected ${SHAPE}, got ${shown(value)}`);
  const generation = decimalU32(head[1]!);
  if (generation === undefined) throw infoValueError(infoName, `generation ${shown(head[1]!)} is not a u32`);
  const defaultPort = decimalU32(head[2]!);
  if (defaultPort === undefined || defaultPort > 65_535) throw infoValueError(infoName, `default port ${shown(head[2]!)} is not 0..65535`);
  const cursor = new Cursor(value, head[0].length, value.length - 1, infoName);
  const peers: PeerEntry[] = [];
  while (!cursor.atEnd()) {
    if (peers.length > 0) cursor.expect(',', `between peers ${peers.length - 1} and ${peers.length}`);
    peers.push(readPeer(cursor, peers.length, defaultPort, infoName));
  }
  return { generation, defaultPort, peers };
}

function readPeer(cursor: Cursor, index: number, defaultPort: number, infoName: string): PeerEntry {
  cursor.expect('[', `opening peer ${index}`);
  const nodeName = cursor.readUntil(',[]');
  if (!NAME.test(nodeName)) throw infoValueError(infoName, `peer ${index} has node name ${shown(nodeName)}, expected a non-empty name`);
  const owner = ` of peer ${index} (${JSON.stringify(nodeName)})`;
  cursor.expect(',', `after the node name${owner}`);
  const tls = cursor.readUntil(',[]');
  if (tls !== '' && !NAME.test(tls)) throw infoValueError(infoName, `peer ${index} has TLS name ${shown(tls)}`);
  cursor.expect(',', `after the TLS name${owner}`);
  cursor.expect('[', `opening the address list${owner}`);
  const addresses: HostAddress[] = [];
  if (!cursor.take(']')) {
    do {
      addresses.push(parseHostAddress(cursor.readAddress(), defaultPort, infoName, owner));
    } while (cursor.take(','));
    cursor.expect(']', `closing the address list${owner}`);
  }
  cursor.expect(']', `closing peer ${index}`);
  return { nodeName, tlsName: tls === '' ? undefined : tls, addresses };
}

/** A position inside the outer `[...]` of a peers value; `end` is the index of its closing `]`. */
class Cursor {
  private pos: number;

  constructor(
    private readonly text: string,
    start: number,
    private readonly end: number,
    private readonly infoName: string,
  ) {
    this.pos = start;
  }

  atEnd(): boolean {
    return this.pos === this.end;
  }

  take(char: string): boolean {
    if (this.pos < this.end && this.text[this.pos] === char) {
      this.pos++;
      return true;
    }
    return false;
  }

  expect(char: string, where: string): void {
    if (this.take(char)) return;
    const seen = this.pos < this.end ? shown(this.text.slice(this.pos, this.pos + 16)) : 'the end of the peer list';
    throw infoValueError(this.infoName, `expected "${char}" ${where} at offset ${this.pos}, got ${seen}`);
  }

  /** Up to (not including) the first of `stops`, or to the end. */
  readUntil(stops: string): string {
    const start = this.pos;
    while (this.pos < this.end && !stops.includes(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** One address token: a bracketed IPv6 host is read through its `]`, then up to `,` or `]`. */
  readAddress(): string {
    const start = this.pos;
    if (this.take('[')) {
      this.readUntil(']');
      this.take(']');
    }
    this.readUntil(',[]');
    return this.text.slice(start, this.pos);
  }
}

/** The value a server would send for `reply`; ports equal to the default port are left out, as the server does. */
export function encodePeers(reply: PeersReply): string {
  const { generation, defaultPort, peers } = reply;
  if (!Number.isInteger(generation) || generation < 0 || generation > 0xffff_ffff) throw new RangeError(`generation must be a u32, got ${String(generation)}`);
  if (!Number.isInteger(defaultPort) || defaultPort < 0 || defaultPort > 65_535) throw new RangeError(`defaultPort must be 0..65535, got ${String(defaultPort)}`);
  if (!Array.isArray(peers)) throw new TypeError('peers must be an array');
  const entries = peers.map((peer: PeerEntry, i) => {
    if (typeof peer.nodeName !== 'string' || !NAME.test(peer.nodeName)) throw new TypeError(`peers[${i}].nodeName must be a name without ",[]" or spaces, got ${JSON.stringify(peer.nodeName)}`);
    if (peer.tlsName !== undefined && (typeof peer.tlsName !== 'string' || !NAME.test(peer.tlsName))) {
      throw new TypeError(`peers[${i}].tlsName must be undefined or a name without ",[]" or spaces, got ${JSON.stringify(peer.tlsName)}`);
    }
    if (!Array.isArray(peer.addresses)) throw new TypeError(`peers[${i}].addresses must be an array`);
    const addresses = peer.addresses.map((a) => formatHostAddress(a, defaultPort));
    return `[${peer.nodeName},${peer.tlsName ?? ''},[${addresses.join(',')}]]`;
  });
  return `${generation},${defaultPort},[${entries.join(',')}]`;
}
