// Info commands of the record API: name checks, the truncate command's info name, and reading an
// `ok` / `ERROR:<code>:<message>` answer into completion or a typed error. Pure.

import { of, throwError, type Observable } from 'rxjs';
import { AerospikeError } from '../errors';
import type { InfoReply } from '../node-transport';
import { describe } from '../cluster/policy';
import { isWellFormed, loneSurrogateError } from '../protocol/utf8';

export function checkInfoNames(names: unknown): readonly string[] {
  if (!Array.isArray(names) || names.length === 0) throw new TypeError(`names must be a non-empty array of info command names, got ${describe(names)}`);
  names.forEach((name, i) => {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError(`names[${i}] must be a non-empty string, got ${describe(name)}`);
    if (/[\n\t]/.test(name)) throw new TypeError(`names[${i}] must not contain a newline or tab`);
    if (!isWellFormed(name)) throw loneSurrogateError(name, `names[${i}]`);
  });
  return [...(names as string[])];
}

/** `truncate-namespace:namespace=<ns>`, or `truncate:namespace=<ns>;set=<set>` for one set. */
export function truncateInfoName(namespace: unknown, set: unknown): string {
  if (typeof namespace !== 'string' || namespace.length === 0) throw new TypeError(`namespace must be a non-empty string, got ${describe(namespace)}`);
  if (set !== undefined && (typeof set !== 'string' || set.length === 0)) throw new TypeError(`set must be a non-empty string when given, got ${describe(set)}`);
  if (/[;:=\n\t]/.test(namespace) || (typeof set === 'string' && /[;:=\n\t]/.test(set))) throw new TypeError('namespace and set must not contain ; : = or control characters');
  if (!isWellFormed(namespace)) throw loneSurrogateError(namespace, 'namespace');
  if (typeof set === 'string' && !isWellFormed(set)) throw loneSurrogateError(set, 'set');
  return set === undefined ? `truncate-namespace:namespace=${namespace}` : `truncate:namespace=${namespace};set=${set}`;
}

/**
 * Emits one `undefined` and completes when the command answered `ok`; an
 * `ERROR:<code>:<message>` answer becomes the result code's error, anything else a server_error.
 */
export function infoOk(reply: InfoReply, name: string): Observable<void> {
  const value = reply[name];
  if (value !== undefined && value.trim().toLowerCase() === 'ok') return of(undefined);
  const match = value === undefined ? null : /^ERROR:(\d+)?:?(.*)$/s.exec(value);
  if (match !== null && match[1] !== undefined) return throwError(() => AerospikeError.fromResultCode(Number(match[1]), `${name.split(':')[0]} (${match[2]!.trim()})`));
  return throwError(() => new AerospikeError('server_error', `${name.split(':')[0]} failed: ${value === undefined ? 'no answer' : JSON.stringify(value.slice(0, 200))}`));
}

