// The `rack-ids` info reply (cluster.md §12): `<ns>:<rack>;<ns>:<rack>`, the node's rack per
// namespace, used by replica 'prefer_rack'. Pure; Community Edition answers `ERROR:25:enterprise only`.

import { parseError } from '../errors';

/** namespace → rack id. An `ERROR…` value (no rack awareness) gives an empty map. */
export function parseRackIds(value: string): ReadonlyMap<string, number> {
  const racks = new Map<string, number>();
  if (value.length === 0 || value.startsWith('ERROR')) return racks;
  for (const entry of value.split(';')) {
    if (entry.length === 0) continue;
    const colon = entry.lastIndexOf(':');
    const namespace = entry.slice(0, colon);
    const digits = entry.slice(colon + 1);
    if (colon <= 0 || !/^\d{1,10}$/.test(digits) || Number(digits) > 0xffff_ffff) {
      throw parseError(`rack-ids: expected <namespace>:<rack id>, got ${JSON.stringify(entry.slice(0, 64))}`);
    }
    racks.set(namespace, Number(digits));
  }
  return racks;
}
