// Reads spec/fixtures/official-client/values-and-operations.json: per step of the official Node client's
// script, its user key and the request and reply frames it exchanged with a real server. Spec support only.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordKey } from '../../lib/protocol/requests';

interface StepJson {
  readonly label: string;
  readonly key: string;
  readonly request: readonly string[];
  readonly reply: readonly string[];
  readonly error?: number;
}

const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'official-client', 'values-and-operations.json'), 'utf8')) as {
  readonly namespace: string;
  readonly set: string;
  readonly steps: readonly StepJson[];
};

export interface OfficialStep {
  readonly key: RecordKey;
  /** The request frame, proto header included. */
  readonly request: Buffer;
  /** The reply frame, proto header included. */
  readonly reply: Buffer;
  /** The result code the client raised, when it raised one. */
  readonly error?: number;
}

export function officialStep(label: string): OfficialStep {
  const step = fixture.steps.find((s) => s.label === label);
  if (step === undefined) throw new Error(`no step '${label}' in the official-client fixture`);
  return {
    key: { namespace: fixture.namespace, set: fixture.set, key: step.key },
    request: Buffer.from(step.request[0]!, 'hex'),
    reply: Buffer.from(step.reply[0]!, 'hex'),
    ...(step.error !== undefined && { error: step.error }),
  };
}

export function officialLabels(): string[] {
  return fixture.steps.map((s) => s.label);
}
