// How the value codec names a value and where it sits in error messages (`bins.tags[2]`: a Date).
// Pure helpers; never prints a value's contents beyond a scalar.

import type { ValueInput } from './value';

/** One step into a value: a list index, an object key, or a Map key. */
export type PathSegment = string | number | { readonly mapKey: ValueInput };

export function isPlainObject(value: object): value is { readonly [key: string]: ValueInput } {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short description of a value for error messages (never its contents beyond a scalar). */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'object': {
      if (value === null) return 'null';
      const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
      return name === undefined || name === '' ? 'an object' : `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
    }
    default:
      return `${typeof value} ${String(value)}`;
  }
}

/** `root` followed by each segment: `.key`, `["odd key"]`, `[2]`, `[<map key>]`. */
export function formatPath(root: string, segments: readonly PathSegment[]): string {
  let out = root;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (typeof s === 'string') out += /^[A-Za-z_$][\w$]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
    else out += `[${mapKeyText(s.mapKey)}]`;
  }
  return out;
}

export function mapKeyText(key: ValueInput): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'number' || typeof key === 'bigint') return String(key);
  return describeValue(key);
}
