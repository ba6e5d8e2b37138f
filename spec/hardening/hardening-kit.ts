// Shared tools of the hardening specs: a seeded PRNG, a guard that fails the suite on any uncaught
// exception or unhandled rejection, a socket factory that records every socket it makes, a
// telemetry recorder over every channel, a secret scanner, and an in-memory socket for the fuzzer.
// Spec support only; 127.0.0.1 is the only address any of it touches.

import { tracingChannel } from 'node:diagnostics_channel';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import { AerospikeError } from '../../lib/errors';
import type { ConnectConfig } from '../../lib/net/connect-config';
import { tlsConnectionOptions, type SocketFactory } from '../../lib/net/open-socket';
import { CHANNEL_NAMES } from '../../lib/telemetry';
import { sleep } from '../helpers/loopback-server';

/** mulberry32: small, fast, and the same sequence for the same seed on every platform. */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** Seed from HARDENING_SEED, else a fixed default, so a failing run can be replayed. */
export function seedFromEnv(fallback: number): number {
  const raw = process.env['HARDENING_SEED'];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : fallback;
}

export const LONG_MODE = process.env['HARDENING_LONG'] === '1';

/**
 * Records 'uncaughtException' and 'unhandledRejection' while a describe runs; its afterAll fails
 * the suite when any fired. Jasmine's own handlers still run (they fail the spec that was active).
 */
export function guardProcess(): { readonly events: string[] } {
  const events: string[] = [];
  const onException = (err: unknown): void => {
    events.push(`uncaughtException: ${describeThrown(err)}`);
  };
  const onRejection = (reason: unknown): void => {
    events.push(`unhandledRejection: ${describeThrown(reason)}`);
  };
  beforeAll(() => {
    process.on('uncaughtException', onException);
    process.on('unhandledRejection', onRejection);
  });
  afterAll(async () => {
    // a late error from a dying socket surfaces a tick or two after the last spec
    await sleep(20);
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
    expect(events).withContext('uncaught exceptions / unhandled rejections during the suite').toEqual([]);
  });
  return { events };
}

function describeThrown(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** The default socket factory (net or tls), recording every socket it creates. */
export class SocketTracker {
  readonly sockets: Socket[] = [];

  readonly factory: SocketFactory = (config: ConnectConfig) => {
    const socket = config.tls !== undefined ? tlsConnect(tlsConnectionOptions(config)) : netConnect({ host: config.host, port: config.port });
    this.sockets.push(socket);
    return socket;
  };

  /** Sockets made since `from` that are not yet destroyed. */
  liveSince(from: number): Socket[] {
    return this.sockets.slice(from).filter((s) => !s.destroyed);
  }
}

/** Every payload published on every channel of CHANNEL_NAMES, rendered with util.inspect. */
export class TelemetryRecorder {
  private texts: string[] = [];
  private readonly handlers = {
    start: (ctx: unknown) => this.record('start', ctx),
    end: (ctx: unknown) => this.record('end', ctx),
    asyncStart: (ctx: unknown) => this.record('asyncStart', ctx),
    asyncEnd: (ctx: unknown) => this.record('asyncEnd', ctx),
    error: (ctx: unknown) => this.record('error', ctx),
  };
  events = 0;

  private record(event: string, ctx: unknown): void {
    this.events++;
    this.texts.push(`${event} ${inspect(ctx, { depth: Infinity, showHidden: true })}`);
  }

  subscribe(): void {
    for (const name of Object.values(CHANNEL_NAMES)) tracingChannel(name).subscribe(this.handlers);
  }

  unsubscribe(): void {
    for (const name of Object.values(CHANNEL_NAMES)) tracingChannel(name).unsubscribe(this.handlers);
  }

  /** The payloads recorded since the last call. */
  drain(): string[] {
    const out = this.texts;
    this.texts = [];
    return out;
  }
}

/** Every text form of an error a log line could show: message, stack, causes, inspect. */
export function errorTexts(error: unknown): string[] {
  const out: string[] = [inspect(error, { depth: Infinity, showHidden: true }), String(error)];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (e instanceof Error) {
      out.push(e.message, e.stack ?? '');
      try {
        out.push(JSON.stringify(e));
      } catch {
        // a cyclic cause is fine: inspect above covered it
      }
      e = (e as { cause?: unknown }).cause;
    } else {
      out.push(String(e));
      e = undefined;
    }
  }
  return out;
}

/** The forms a secret could take in text: as is, hex, base64 (and latin1 for byte tokens). */
export function secretForms(secret: string | Uint8Array): string[] {
  const bytes = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  const forms = [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('latin1'), [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')];
  if (typeof secret === 'string') forms.push(secret);
  return forms.filter((f) => f.length >= 6);
}

/** Every view of a connection a log line or debugger could print, getters and hidden properties included. */
export function connectionTexts(conn: object): string[] {
  return [
    inspect(conn),
    inspect(conn, { depth: Infinity, showHidden: true }),
    inspect(conn, { depth: Infinity, customInspect: false }),
    inspect(conn, { depth: Infinity, customInspect: false, showHidden: true }),
    inspect(conn, { depth: Infinity, customInspect: false, showHidden: true, getters: true }),
    inspect(conn, { depth: Infinity, customInspect: false, getters: true }),
    JSON.stringify(conn),
    String(conn),
  ];
}

/** The secrets (by label) found in any of `texts`. */
export function findSecrets(texts: readonly string[], secrets: Readonly<Record<string, readonly string[]>>): string[] {
  const found: string[] = [];
  for (const [label, forms] of Object.entries(secrets)) {
    if (texts.some((t) => forms.some((f) => t.includes(f)))) found.push(label);
  }
  return found;
}

/** Polls `check` every 5 ms until it holds or `ms` passed; returns its last value. */
export async function eventually(check: () => boolean, ms = 1000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

/** True when `error` is an AerospikeError whose code is one of `codes`. */
export function isTyped(error: unknown, codes?: readonly string[]): error is AerospikeError {
  return error instanceof AerospikeError && (codes === undefined || codes.includes(error.code));
}

/**
 * An in-memory stand-in for a connected net.Socket: what the client writes goes to `onRequest`,
 * what the test pushes is read by the client. Emits 'connect' on the next tick like a real socket.
 * Only the parts of net.Socket the transport uses are provided (setNoDelay, setKeepAlive).
 */
export class MemorySocket extends Duplex {
  written = 0;
  onRequest: (chunk: Buffer) => void = () => undefined;

  constructor() {
    super({ allowHalfOpen: false });
    process.nextTick(() => {
      if (!this.destroyed) this.emit('connect');
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.written += chunk.length;
    this.onRequest(chunk);
    callback();
  }

  override _read(): void {}

  /** The peer's bytes. */
  feed(bytes: Buffer): void {
    if (!this.destroyed) this.push(bytes);
  }

  /** The peer's clean close (FIN). */
  finish(): void {
    if (!this.destroyed) this.push(null);
  }

  /** The peer's reset (RST). */
  reset(): void {
    if (!this.destroyed) this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' }));
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }
}
