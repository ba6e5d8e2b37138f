// Info protocol (type 1): request encoding and reply parsing (protocol.md §2).
// Pure: bytes in, values out. Never looks at values (ERROR:… replies are the caller's business)
// and never lets a reply name reach a prototype: replies are null-prototype objects.

import type { InfoReply } from '../node-transport';
import { PROTO_HEADER_SIZE, MessageType } from './constants';
import { writeProtoHeader } from './proto-header';
import { isWellFormed, loneSurrogateError } from './utf8';

const NEWLINE = 0x0a;

/**
 * The whole info request frame: each name followed by `\n`; an empty list is an empty body.
 * A name containing `\n` would smuggle in another command, and one containing `\t` could not be
 * told apart in the reply, so both are a TypeError; so is one with a lone surrogate (no UTF-8 form).
 */
export function encodeInfoRequest(names: readonly string[]): Buffer {
  if (!Array.isArray(names)) throw new TypeError('info commands must be an array of strings');
  let bodyLength = 0;
  for (const name of names) {
    if (typeof name !== 'string') throw new TypeError(`info command must be a string, got ${typeof name}`);
    if (name.includes('\n') || name.includes('\t')) {
      throw new TypeError(`info command ${JSON.stringify(name)} contains a newline or tab`);
    }
    const bytes = Buffer.byteLength(name, 'utf8');
    if (bytes !== name.length && !isWellFormed(name)) throw loneSurrogateError(name, `info command ${JSON.stringify(name)}`);
    bodyLength += bytes + 1;
  }
  const frame = Buffer.allocUnsafe(PROTO_HEADER_SIZE + bodyLength);
  writeProtoHeader(frame, 0, MessageType.INFO, bodyLength);
  let offset = PROTO_HEADER_SIZE;
  for (const name of names) {
    offset += frame.write(name, offset, 'utf8');
    frame[offset++] = NEWLINE;
  }
  return frame;
}

/**
 * Parses an info reply body (`name TAB value LF` per line) into a null-prototype object.
 * Trailing newlines are trimmed; each line splits on its first tab (values may hold tabs); a
 * line without a tab maps its name to ""; empty lines are skipped; the last duplicate wins.
 */
export function parseInfoReply(body: Uint8Array): InfoReply {
  const reply: Record<string, string> = Object.create(null);
  let end = body.length;
  while (end > 0 && body[end - 1] === NEWLINE) end--;
  if (end === 0) return reply;
  const text = Buffer.from(body.buffer, body.byteOffset, end).toString('utf8');
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const tab = line.indexOf('\t');
    const name = tab === -1 ? line : line.slice(0, tab);
    const value = tab === -1 ? '' : line.slice(tab + 1);
    // defineProperty creates an own data property even for names like __proto__
    Object.defineProperty(reply, name, { value, writable: true, enumerable: true, configurable: true });
  }
  return reply;
}
