// The `service-clear-std` family of info values (also `-alt`, `service-tls-*`): the addresses a
// node advertises for itself, `host:port,host:port,...` with IPv6 hosts in brackets. Pure.

import { parseHostAddress, type HostAddress } from './host-address';
import { refuseServerError } from './info-value';

/**
 * Parses a services value; an empty value (no address configured) is an empty list. An address
 * without a port takes `defaultPort`, and is a parse_error when there is none. A server `ERROR:…`
 * answer, an empty entry or a malformed address is a parse_error naming `infoName`.
 */
export function parseServices(value: string, infoName = 'service-clear-std', defaultPort?: number): HostAddress[] {
  if (defaultPort !== undefined && (!Number.isInteger(defaultPort) || defaultPort < 1 || defaultPort > 65_535)) {
    throw new RangeError(`defaultPort must be an integer 1..65535 or undefined, got ${String(defaultPort)}`);
  }
  if (value === '') return [];
  refuseServerError(value, infoName, '<host>:<port>,...');
  return value.split(',').map((token, i) => parseHostAddress(token, defaultPort, infoName, ` (entry ${i})`));
}
