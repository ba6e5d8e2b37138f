// Host addresses as the peers and service info values write them: `host`, `host:port`,
// `[ipv6]`, `[ipv6]:port`. Pure: text in, HostAddress or a parse_error out; never resolves a name.

import { infoValueError, shown } from './info-value';

/** A node address; an IPv6 host is kept without its brackets. */
export interface HostAddress {
  readonly host: string;
  readonly port: number;
}

// IPv4 dotted quads and DNS names: clients accept names here, though 8.1.2 lists a configured
// `localhost` alternate address as 127.0.0.1.
const HOST_NAME = /^[A-Za-z0-9._-]+$/;
// Hex groups, colons and an optional embedded IPv4 tail and %zone; at least one colon.
const IPV6 = /^[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9._~-]+)?$/;
const PORT_DIGITS = /^[1-9][0-9]{0,4}$/;
const PORT_MAX = 65_535;

/**
 * One address token. A token without a port takes `defaultPort`; with no default (undefined or
 * 0) it is a parse_error. `owner` names where the token sits, e.g. ` of peer 0 ("A2")`.
 */
export function parseHostAddress(text: string, defaultPort: number | undefined, infoName: string, owner = ''): HostAddress {
  const fail = (why: string) => infoValueError(infoName, `address ${shown(text)}${owner} ${why}`);
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close === -1) throw fail('has no closing "]"');
    host = text.slice(1, close);
    if (!IPV6.test(host)) throw fail('is not a bracketed IPv6 address');
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw fail(`has ${shown(rest)} after "]", expected ":<port>" or nothing`);
    if (rest !== '') portText = rest.slice(1);
  } else {
    const colon = text.indexOf(':');
    if (colon !== -1 && text.indexOf(':', colon + 1) !== -1) throw fail('is an IPv6 address without brackets');
    host = colon === -1 ? text : text.slice(0, colon);
    if (colon !== -1) portText = text.slice(colon + 1);
    if (host === '') throw fail('has no host');
    if (!HOST_NAME.test(host)) throw fail('has an invalid host name');
  }
  if (portText === undefined) {
    if (defaultPort === undefined || defaultPort === 0) throw fail('has no port and there is no default port');
    return { host, port: defaultPort };
  }
  const port = PORT_DIGITS.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= PORT_MAX)) throw fail(`has port ${shown(portText)}, expected 1..${PORT_MAX}`);
  return { host, port };
}

/** The text form: IPv6 hosts in brackets, the port left out when it equals `defaultPort` (as the server does). */
export function formatHostAddress(address: HostAddress, defaultPort?: number): string {
  checkHostAddress(address);
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return address.port === defaultPort ? host : `${host}:${address.port}`;
}

/** Programmer errors of the encoders: a host the parser would refuse, or a port outside 1..65535. */
function checkHostAddress(address: HostAddress): void {
  if (address === null || typeof address !== 'object') throw new TypeError('address must be a { host, port } object');
  const { host, port } = address;
  if (typeof host !== 'string' || !(host.includes(':') ? IPV6.test(host) : HOST_NAME.test(host))) {
    throw new TypeError(`address host must be an IPv4 address, a DNS name or an IPv6 address without brackets, got ${JSON.stringify(host)}`);
  }
  if (!Number.isInteger(port) || port < 1 || port > PORT_MAX) throw new RangeError(`address port must be an integer 1..${PORT_MAX}, got ${String(port)}`);
}
