// The `features` info value: the server's capability tokens joined with `;` (cluster.md §2.1).
// Pure: it keeps every token, known or not; deciding what a token enables is the caller's job.

import { refuseServerError } from './info-value';

/** The tokens, trimmed, empties dropped; a server `ERROR:…` answer is a parse_error. */
export function parseFeatures(value: string): ReadonlySet<string> {
  refuseServerError(value, 'features', 'a ";"-separated feature list');
  const features = new Set<string>();
  for (const token of value.split(';')) {
    const feature = token.trim();
    if (feature !== '') features.add(feature);
  }
  return features;
}
