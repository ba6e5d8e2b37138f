import { tracingChannel } from 'node:diagnostics_channel';
import { firstValueFrom, lastValueFrom, Subscription, toArray } from 'rxjs';
import { CHANNEL_NAMES, channels, hasSpanSubscribers, openSpan } from '../lib/telemetry';
import { TcpTransport } from '../lib/net/tcp-transport';
import type { Connection } from '../lib/node-transport';
import { asMsgFrame, asMsgRecord, infoReplyFrame, lastRecord } from '../lib/testing/frame-builders';
import { LoopbackServer, type Peer } from './helpers/loopback-server';

type Event = [channel: string, event: string, context: Record<string, unknown>];

const EVENTS = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;

/** Records every event of every channel, with a snapshot of the context at that moment. */
function record(): { events: Event[]; stop: () => void } {
  const events: Event[] = [];
  const unsubscribers: Array<() => void> = [];
  for (const name of Object.values(CHANNEL_NAMES)) {
    const channel = tracingChannel(name);
    const handlers = Object.fromEntries(
      EVENTS.map((event) => [event, (ctx: unknown) => events.push([name, event, { ...(ctx as Record<string, unknown>) }])]),
    );
    channel.subscribe(handlers as never);
    unsubscribers.push(() => channel.unsubscribe(handlers as never));
  }
  return { events, stop: () => unsubscribers.forEach((u) => u()) };
}

const order = (events: Event[]): string[] => events.map(([c, e]) => `${c.replace('aerospike:', '')} ${e}`);

describe('telemetry', () => {
  let server: LoopbackServer;
  let transport: TcpTransport;
  let script: (peer: Peer) => Promise<void>;
  let recorder: ReturnType<typeof record>;

  beforeAll(async () => {
    server = await LoopbackServer.start((peer) => script(peer));
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    transport = new TcpTransport();
    script = async (peer) => {
      for (let req = await peer.readFrame(); req !== undefined; req = await peer.readFrame()) {
        if (req[1] === 1) peer.write(infoReplyFrame({ build: '8.1.2.0' }));
        else peer.write(asMsgFrame(asMsgRecord({ generation: 1 })));
      }
    };
  });
  afterEach(() => recorder?.stop());

  const connect = (): Promise<Connection> => firstValueFrom(transport.connect$(server.host, server.port, { nodeName: 'A1' }));
  const request = asMsgFrame(asMsgRecord());

  it('publishes nothing and builds no context while no channel has subscribers', async () => {
    for (const name of Object.values(CHANNEL_NAMES)) expect(tracingChannel(name).hasSubscribers).toBeFalse();
    const conn = await connect();
    await firstValueFrom(transport.command$(conn, request, 1000));
    transport.close(conn);
  });

  it('wraps connect$ in a connect span labelled with the node name', async () => {
    recorder = record();
    const conn = await connect();
    transport.close(conn);
    expect(order(recorder.events)).toEqual(['connect start', 'connect end', 'connect asyncStart', 'connect asyncEnd']);
    expect(recorder.events[0]![2]).toEqual({ nodeName: 'A1', address: `127.0.0.1:${server.port}` });
  });

  it('emits a send span then a recv span for command$, with attempt, deadline and bytes', async () => {
    const conn = await connect();
    recorder = record();
    const reply = await firstValueFrom(transport.command$(conn, request, 750, { attempt: 2 }));
    transport.close(conn);
    expect(order(recorder.events)).toEqual([
      'command:send start',
      'command:send end',
      'command:send asyncStart',
      'command:send asyncEnd',
      'command:recv start',
      'command:recv end',
      'command:recv asyncStart',
      'command:recv asyncEnd',
    ]);
    const sendEnd = recorder.events[3]![2];
    expect(sendEnd).toEqual({ nodeName: 'A1', address: `127.0.0.1:${server.port}`, attempt: 2, deadlineMs: 750, bytes: request.length });
    const recvEnd = recorder.events[7]![2];
    expect(recvEnd['bytes']).toBe(reply.length);
    expect(recvEnd['attempt']).toBe(2);
  });

  it('spans command$ and info$ where TracingChannel has no hasSubscribers (Bun 1.x, Node before 20.13)', async () => {
    const shadowed = [channels.commandSend, channels.commandRecv, channels.infoRpc];
    for (const channel of shadowed) Object.defineProperty(channel, 'hasSubscribers', { value: undefined, configurable: true });
    try {
      const conn = await connect();
      recorder = record();
      await firstValueFrom(transport.command$(conn, request, 500));
      await firstValueFrom(transport.info$(conn, ['build']));
      transport.close(conn);
      expect(order(recorder.events).filter((e) => e.endsWith('asyncEnd'))).toEqual(['command:send asyncEnd', 'command:recv asyncEnd', 'info:rpc asyncEnd']);
    } finally {
      for (const channel of shadowed) delete (channel as { hasSubscribers?: unknown }).hasSubscribers;
    }
  });

  it('defaults attempt to 0', async () => {
    const conn = await connect();
    recorder = record();
    await firstValueFrom(transport.command$(conn, request, 500));
    transport.close(conn);
    expect(recorder.events.every(([, , ctx]) => ctx['attempt'] === 0)).toBeTrue();
  });

  it('emits one info:rpc span with the commands for info$', async () => {
    const conn = await connect();
    recorder = record();
    await firstValueFrom(transport.info$(conn, ['build']));
    transport.close(conn);
    expect(order(recorder.events)).toEqual(['info:rpc start', 'info:rpc end', 'info:rpc asyncStart', 'info:rpc asyncEnd']);
    expect(recorder.events[3]![2]).toEqual(
      jasmine.objectContaining({ nodeName: 'A1', commands: ['build'], deadlineMs: 5000, bytes: infoReplyFrame({ build: '8.1.2.0' }).length - 8 }),
    );
  });

  it('spans every frame of commandStream$ and stream$ in one recv span', async () => {
    script = async (peer) => {
      for (let req = await peer.readFrame(); req !== undefined; req = await peer.readFrame()) {
        peer.write(asMsgFrame([asMsgRecord(), asMsgRecord()]), asMsgFrame(lastRecord()));
      }
    };
    const conn = await connect();
    recorder = record();
    const frames = await lastValueFrom(transport.stream$(conn, request, 500).pipe(toArray()));
    transport.close(conn);
    const recv = recorder.events.filter(([c]) => c === CHANNEL_NAMES.commandRecv);
    expect(recv.map(([, e]) => e)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(recv[3]![2]['bytes']).toBe(frames.reduce((n, f) => n + f.length, 0));
  });

  it('ends the recv span with error when the read fails', async () => {
    script = async (peer) => {
      await peer.readFrame();
      peer.write(Buffer.from([3, 3, 0, 0, 0, 0, 0, 0]));
    };
    const conn = await connect();
    recorder = record();
    await expectAsync(firstValueFrom(transport.command$(conn, request, 500))).toBeRejectedWith(jasmine.objectContaining({ code: 'parse_error' }));
    const recv = recorder.events.filter(([c]) => c === CHANNEL_NAMES.commandRecv);
    expect(recv.map(([, e]) => e)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect((recv[2]![2]['error'] as { code: string }).code).toBe('parse_error');
  });

  it('ends the send span with error when the connection cannot take the request', async () => {
    const conn = await connect();
    transport.close(conn);
    recorder = record();
    await expectAsync(firstValueFrom(transport.command$(conn, request, 500))).toBeRejectedWith(jasmine.objectContaining({ code: 'network_error' }));
    expect(order(recorder.events)).toEqual(['command:send start', 'command:send end', 'command:send error', 'command:send asyncStart', 'command:send asyncEnd']);
  });

  it('marks the recv span cancelled when the subscriber unsubscribes early', async () => {
    script = async (peer) => {
      await peer.readFrame();
    };
    const conn = await connect();
    recorder = record();
    const subscription: Subscription = transport.command$(conn, request, 5000).subscribe();
    await new Promise((resolve) => setTimeout(resolve, 20));
    subscription.unsubscribe();
    const recv = recorder.events.filter(([c]) => c === CHANNEL_NAMES.commandRecv);
    expect(recv.map(([, e]) => e)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
    expect(recv[3]![2]['cancelled']).toBeTrue();
    expect(conn.isOpen).toBeFalse();
  });
});

describe('telemetry where TracingChannel has no hasSubscribers (Bun 1.x, Node before 20.13)', () => {
  /** A real tracing channel whose hasSubscribers reads undefined, as Bun's does. */
  function withoutHasSubscribers(name: string) {
    const channel = tracingChannel(name);
    Object.defineProperty(channel, 'hasSubscribers', { value: undefined, configurable: true });
    return channel;
  }

  it('sees a subscriber to any one of the span events', () => {
    const channel = withoutHasSubscribers('aerospike-spec:no-has-subscribers:any');
    expect(hasSpanSubscribers(channel)).toBeFalse();
    const asyncEnd = (): void => undefined;
    channel.asyncEnd.subscribe(asyncEnd);
    expect(hasSpanSubscribers(channel)).toBeTrue();
    channel.asyncEnd.unsubscribe(asyncEnd);
    expect(hasSpanSubscribers(channel)).toBeFalse();
  });

  it('publishes the span to the subscribers', () => {
    const channel = withoutHasSubscribers('aerospike-spec:no-has-subscribers:publish');
    const seen: string[] = [];
    const handlers = { start: () => seen.push('start'), end: () => seen.push('end') };
    channel.subscribe(handlers as never);
    try {
      const context = openSpan(channel as never, () => ({ nodeName: 'A1', address: '127.0.0.1:3000' }));
      expect(context).toEqual({ nodeName: 'A1', address: '127.0.0.1:3000' });
      expect(seen).toEqual(['start', 'end']);
    } finally {
      channel.unsubscribe(handlers as never);
    }
  });
});
