// One benchmark scenario in its own process (forked by run.ts), so process.resourceUsage().maxRSS
// is that scenario's peak alone. argv: name host port warmupMs measureMs; the result goes back
// over IPC. Raw scenarios never load rxjs or the transport, so their RSS is the raw client's own.

import { performance } from 'node:perf_hooks';
import { drive, percentile, type Counters, type Measured, type Window } from './drive';
import { RawConnection, rawHasLast } from './raw-client';
import { BENCH_NAMESPACE, BENCH_SETS } from './sets';

export interface ScenarioResult {
  readonly name: string;
  readonly ops: number;
  readonly seconds: number;
  readonly bytes: number;
  readonly frames: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Client CPU (user + system) over the whole process life, in µs. */
  readonly cpuMicros: number;
  /** Client CPU inside the measuring window, in µs. */
  readonly windowCpuMicros: number;
  readonly maxRssMB: number;
  /** One-shot scenarios: RSS right before the measured read started. */
  readonly baseRssMB?: number;
}

type Scenario = (host: string, port: number, window: Window) => Promise<Measured & { extra?: Partial<ScenarioResult> }>;

// Imported lazily so raw scenarios do not pay for rxjs in their RSS.
async function rx() {
  const [{ TcpTransport }, { firstValueFrom }, requests, scan] = await Promise.all([
    import('../lib/net/tcp-transport'),
    import('rxjs'),
    import('../lib/protocol/requests'),
    import('../lib/protocol/scan-request'),
  ]);
  const transport = new TcpTransport();
  return {
    transport,
    connect: (host: string, port: number, pipeline = false) => firstValueFrom(transport.connect$(host, port, { pipeline })),
    getRequest: requests.encodeGet({ namespace: BENCH_NAMESPACE, set: BENCH_SETS.get, key: 0 }),
    scanRequest: (set: string, taskId: number) => scan.encodePartitionScan({ namespace: BENCH_NAMESPACE, set, taskId }),
  };
}

async function rawRequests() {
  const [requests, scan] = await Promise.all([import('../lib/protocol/requests'), import('../lib/protocol/scan-request')]);
  return {
    getRequest: requests.encodeGet({ namespace: BENCH_NAMESPACE, set: BENCH_SETS.get, key: 0 }),
    scanRequest: (set: string, taskId: number) => scan.encodePartitionScan({ namespace: BENCH_NAMESPACE, set, taskId }),
  };
}

const fail = (err: unknown): never => {
  console.error(err);
  process.exit(2);
};

async function rxGets(host: string, port: number, window: Window, connections: number, inFlight: number, pipeline: boolean): Promise<Measured> {
  const { transport, connect, getRequest } = await rx();
  const conns = await Promise.all(Array.from({ length: connections }, () => connect(host, port, pipeline)));
  const perConn = inFlight / connections;
  const observers: Array<{ next: (b: Buffer) => void; error: (e: unknown) => void; complete: () => void }> = [];
  let received = 0;
  const next = (body: Buffer): void => {
    received += body.length;
  };
  const measured = await drive(
    inFlight,
    (i, done) => {
      observers[i] ??= { next, error: fail, complete: done };
      transport.command$(conns[Math.floor(i / perConn)]!, getRequest, 5000).subscribe(observers[i]!);
    },
    window,
  );
  conns.forEach((c) => transport.close(c));
  return measured;
}

async function rawGets(host: string, port: number, window: Window, connections: number, inFlight: number): Promise<Measured> {
  const { getRequest } = await rawRequests();
  const conns = await Promise.all(Array.from({ length: connections }, () => RawConnection.open(host, port)));
  const perConn = inFlight / connections;
  // Replies come back in request order on a connection: a FIFO of waiting loops per connection.
  const waiting = conns.map(() => [] as Array<() => void>);
  let received = 0;
  conns.forEach((conn, c) => {
    const fifo = waiting[c]!;
    conn.onFrame = (frame) => {
      received += frame.length - 8;
      fifo.shift()!();
    };
  });
  const measured = await drive(
    inFlight,
    (i, done) => {
      const c = Math.floor(i / perConn);
      waiting[c]!.push(done);
      conns[c]!.write(getRequest);
    },
    window,
  );
  conns.forEach((c) => c.close());
  return measured;
}

/**
 * The raw client with each get wrapped in a cold Observable (subscribe, next, complete, a
 * teardown): the least any Observable-returning API costs over raw, for the CPU-per-get table.
 */
async function rawObservableGets(host: string, port: number, window: Window, connections: number, inFlight: number): Promise<Measured> {
  const [{ Observable }, { getRequest }] = await Promise.all([import('rxjs'), rawRequests()]);
  const conns = await Promise.all(Array.from({ length: connections }, () => RawConnection.open(host, port)));
  const perConn = inFlight / connections;
  const waiting = conns.map(() => [] as Array<(body: Buffer) => void>);
  conns.forEach((conn, c) => {
    const fifo = waiting[c]!;
    conn.onFrame = (frame) => fifo.shift()!(frame.subarray(8));
  });
  const observers: Array<{ next: (b: Buffer) => void; error: (e: unknown) => void; complete: () => void }> = [];
  const next = (): void => undefined;
  const measured = await drive(
    inFlight,
    (i, done) => {
      const c = Math.floor(i / perConn);
      observers[i] ??= { next, error: fail, complete: done };
      new Observable<Buffer>((subscriber) => {
        let ended = false;
        waiting[c]!.push((body) => {
          ended = true;
          subscriber.next(body);
          subscriber.complete();
        });
        conns[c]!.write(getRequest);
        return () => void ended;
      }).subscribe(observers[i]!);
    },
    window,
  );
  conns.forEach((c) => c.close());
  return measured;
}

// A real server refuses a scan whose task id it still knows (a killed run's, another process's)
// with one error record and no LAST: each process starts from its own random task id.
let taskId = Math.floor(Math.random() * 2 ** 40) + 1;

/** A raw scan has no deadline, so a refused one (an error record, no LAST) must stop the run. */
function failOnRefusal(frame: Buffer): void {
  if (frame.length === 8 + 22 && frame[8 + 5] !== 0 && !rawHasLast(frame)) fail(new Error(`the server refused the scan: result code ${frame[8 + 5]}`));
}

async function rxScan(host: string, port: number, window: Window, set: string, shape: 'stream' | 'commandStream'): Promise<Measured> {
  const { transport, connect, scanRequest } = await rx();
  const conn = await connect(host, port);
  const counters: Counters = { bytes: 0, frames: 0 };
  const onFrame = (frame: Buffer): void => {
    counters.bytes += frame.length;
    counters.frames++;
  };
  const measured = await drive(
    1,
    (_i, done) => {
      const request = scanRequest(set, taskId++);
      const reply$ = shape === 'stream' ? transport.stream$(conn, request, 10_000) : transport.commandStream$(conn, request, 10_000);
      reply$.subscribe({ next: onFrame, error: fail, complete: done });
    },
    window,
    counters,
  );
  transport.close(conn);
  return measured;
}

async function rawScan(host: string, port: number, window: Window, set: string): Promise<Measured> {
  const { scanRequest } = await rawRequests();
  const conn = await RawConnection.open(host, port);
  const counters: Counters = { bytes: 0, frames: 0 };
  let done: () => void = () => undefined;
  conn.onFrame = (frame) => {
    failOnRefusal(frame);
    counters.bytes += frame.length;
    counters.frames++;
    if (rawHasLast(frame)) done();
  };
  const measured = await drive(
    1,
    (_i, d) => {
      done = d;
      conn.write(scanRequest(set, taskId++));
    },
    window,
    counters,
  );
  conn.close();
  return measured;
}

/**
 * The least a raw client does to hand back one Buffer for a whole scan, as commandStream$ does:
 * frames cut as the raw client cuts them, bodies joined once at the end.
 */
async function rawScanJoined(host: string, port: number, window: Window, set: string): Promise<Measured> {
  const { scanRequest } = await rawRequests();
  const conn = await RawConnection.open(host, port);
  const counters: Counters = { bytes: 0, frames: 0 };
  let done: () => void = () => undefined;
  let bodies: Buffer[] = [];
  conn.onFrame = (frame) => {
    failOnRefusal(frame);
    bodies.push(frame.subarray(8));
    counters.frames++;
    if (!rawHasLast(frame)) return;
    const reply = Buffer.concat(bodies);
    bodies = [];
    counters.bytes += reply.length;
    done();
  };
  const measured = await drive(
    1,
    (_i, d) => {
      done = d;
      conn.write(scanRequest(set, taskId++));
    },
    window,
    counters,
  );
  conn.close();
  return measured;
}

/**
 * RSS for one whole scan reply: after a warm-up scan and a GC, the growth over the idle process
 * while one 2000 × 32 KiB scan is read (sampled every 5 ms, and the kernel's peak), against the
 * reply's size. commandStream$ holds the reply; stream$ holds nothing past each frame.
 */
async function replyRss(host: string, port: number, shape: 'stream' | 'commandStream'): Promise<Measured & { extra: Partial<ScenarioResult> }> {
  const { transport, connect, scanRequest } = await rx();
  const conn = await connect(host, port);
  const read = (set: string) =>
    new Promise<number>((resolve, reject) => {
      let bytes = 0;
      const reply$ = shape === 'stream' ? transport.stream$(conn, scanRequest(set, taskId++), 10_000) : transport.commandStream$(conn, scanRequest(set, taskId++), 10_000);
      reply$.subscribe({ next: (b) => (bytes += shape === 'stream' ? b.length - 8 : b.length), error: reject, complete: () => resolve(bytes) });
    });
  await read(BENCH_SETS.scanSmall);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 5);
  const started = performance.now();
  const bytes = await read(BENCH_SETS.scanLarge);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
  transport.close(conn);
  return { ops: 1, bytes, frames: 1, seconds, latenciesMs: Float64Array.of(seconds * 1000), extra: { baseRssMB: baseRss / 2 ** 20, maxRssMB: peakRss / 2 ** 20 } };
}

/** ~1 GB through frames() by a consumer that awaits 1 ms per frame; RSS is sampled around it. */
async function framesOneGig(host: string, port: number): Promise<Measured & { extra: Partial<ScenarioResult> }> {
  const { transport, connect, scanRequest } = await rx();
  const conn = await connect(host, port);
  (globalThis as { gc?: () => void }).gc?.();
  const baseRss = process.memoryUsage.rss();
  let peakRss = baseRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const started = performance.now();
  let bytes = 0;
  let frames = 0;
  for await (const frame of transport.frames(conn, scanRequest(BENCH_SETS.synthetic, taskId++), 10_000)) {
    bytes += frame.length;
    frames++;
    await sleep(1);
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  transport.close(conn);
  peakRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
  return { ops: 1, bytes, frames, seconds, latenciesMs: Float64Array.of(seconds * 1000), extra: { baseRssMB: baseRss / 2 ** 20, maxRssMB: peakRss / 2 ** 20 } };
}

const GETS = { connections: 1, inFlight: 1 };
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  'get-seq-raw': (h, p, w) => rawGets(h, p, w, GETS.connections, GETS.inFlight),
  'get-seq-rx': (h, p, w) => rxGets(h, p, w, 1, 1, false),
  'get-64conn-raw': (h, p, w) => rawGets(h, p, w, 64, 64),
  'get-64conn-rx': (h, p, w) => rxGets(h, p, w, 64, 64, false),
  'get-pipe64-raw': (h, p, w) => rawGets(h, p, w, 1, 64),
  'get-pipe64-rx': (h, p, w) => rxGets(h, p, w, 1, 64, true),
  'scan50-raw': (h, p, w) => rawScan(h, p, w, BENCH_SETS.scanSmall),
  'scan50-stream': (h, p, w) => rxScan(h, p, w, BENCH_SETS.scanSmall, 'stream'),
  'scan50-cmdstream': (h, p, w) => rxScan(h, p, w, BENCH_SETS.scanSmall, 'commandStream'),
  'scan2000-raw': (h, p, w) => rawScan(h, p, w, BENCH_SETS.scanLarge),
  'scan2000-stream': (h, p, w) => rxScan(h, p, w, BENCH_SETS.scanLarge, 'stream'),
  'scan2000-cmdstream': (h, p, w) => rxScan(h, p, w, BENCH_SETS.scanLarge, 'commandStream'),
  'scan2000-rawjoin': (h, p, w) => rawScanJoined(h, p, w, BENCH_SETS.scanLarge),
  'reply-rss-stream': (h, p) => replyRss(h, p, 'stream'),
  'reply-rss-cmdstream': (h, p) => replyRss(h, p, 'commandStream'),
  'frames-1g': (h, p) => framesOneGig(h, p),
  // against the echo server (bench/echo-server.ts): the client's CPU per get, the server never the bottleneck
  'echo-seq-raw': (h, p, w) => rawGets(h, p, w, 1, 1),
  'echo-seq-rx': (h, p, w) => rxGets(h, p, w, 1, 1, false),
  'echo-64conn-raw': (h, p, w) => rawGets(h, p, w, 64, 64),
  'echo-64conn-rx': (h, p, w) => rxGets(h, p, w, 64, 64, false),
  'echo-seq-rawobs': (h, p, w) => rawObservableGets(h, p, w, 1, 1),
  'echo-64conn-rawobs': (h, p, w) => rawObservableGets(h, p, w, 64, 64),
};

/** Scenarios that take the whole process for one measurement (no warm-up/measure window). */
export const ONE_SHOT = new Set(['frames-1g', 'reply-rss-stream', 'reply-rss-cmdstream']);

async function main(): Promise<void> {
  const [name, host, port, warmupMs, measureMs] = process.argv.slice(2);
  const scenario = SCENARIOS[name!];
  if (scenario === undefined) throw new Error(`unknown scenario ${name}`);
  const cpuAtStart = process.cpuUsage();
  let windowCpu = process.cpuUsage();
  const window = { warmupMs: Number(warmupMs), measureMs: Number(measureMs) };
  setTimeout(() => (windowCpu = process.cpuUsage()), window.warmupMs);
  const cpuWindowEnd = new Promise<NodeJS.CpuUsage>((resolve) => setTimeout(() => resolve(process.cpuUsage(windowCpu)), window.warmupMs + window.measureMs));
  const measured = await scenario(host!, Number(port), window);
  const windowCpuUsage = ONE_SHOT.has(name!) ? process.cpuUsage(cpuAtStart) : await cpuWindowEnd;
  const cpu = process.cpuUsage(cpuAtStart);
  const sorted = Float64Array.from(measured.latenciesMs).sort();
  const result: ScenarioResult = {
    name: name!,
    ops: measured.ops,
    seconds: measured.seconds,
    bytes: measured.bytes,
    frames: measured.frames,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    cpuMicros: cpu.user + cpu.system,
    windowCpuMicros: windowCpuUsage.user + windowCpuUsage.system,
    maxRssMB: (process.resourceUsage().maxRSS * 1024) / 2 ** 20,
    ...(measured as { extra?: Partial<ScenarioResult> }).extra,
  };
  process.send!(result, () => process.exit(0));
}

if (require.main === module) main().catch(fail);
