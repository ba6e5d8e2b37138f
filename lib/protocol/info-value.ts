// Shared checks of the info values the cluster tender parses (peers, services, replicas, ...).
// Pure: strings in, numbers or a parse_error naming the info name out; no I/O.

import { parseError, type AerospikeError } from '../errors';

const SHOWN_CHARS = 48;
// Servers answer a failed info command with `ERROR:<code>:<text>`, `ERROR::<text>` or a bare
// `ERROR`; the code's closing colon keeps a namespace named "error" (`error:0,1,…`) apart.
const SERVER_ERROR = /^error(?:$|:[0-9]*:)/i;
// Canonical decimal, as the server prints it (%u): no sign, no leading zero.
const U32_DIGITS = /^(?:0|[1-9][0-9]{0,9})$/;
const U32_MAX = 0xffff_ffff;

/** A value as it appears in messages: JSON-quoted, cut after 48 characters with its full length. */
export function shown(text: string): string {
  if (text.length <= SHOWN_CHARS) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, SHOWN_CHARS))}… (${text.length} chars)`;
}

/** A parse_error whose message starts with the info name. */
export function infoValueError(infoName: string, what: string): AerospikeError {
  return parseError(`${infoName}: ${what}`);
}

/** Throws when the value is the server's `ERROR:...` answer instead of the data asked for. */
export function refuseServerError(value: string, infoName: string, expected: string): void {
  if (SERVER_ERROR.test(value)) throw infoValueError(infoName, `server answered ${shown(value)}, expected ${expected}`);
}

/** A canonical decimal u32 (no sign, space, exponent or leading zero); undefined for anything else. */
export function decimalU32(text: string): number | undefined {
  if (!U32_DIGITS.test(text)) return undefined;
  const n = Number(text);
  return n <= U32_MAX ? n : undefined;
}
