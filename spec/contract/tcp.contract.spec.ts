// Runs the transport contract against TcpTransport: each exchange is played by a loopback server
// (127.0.0.1, port 0) that reads the request frame, then writes the frames and idles, stalls or closes.
import { firstValueFrom } from 'rxjs';
import type { ConnectOptions, Connection } from '../../lib/node-transport';
import { TcpTransport } from '../../lib/net/tcp-transport';
import { LoopbackServer, sleep, type Peer } from '../helpers/loopback-server';
import { describeTransportContract, type Exchange, type Harness } from './contract';
import { describeFramesContract } from './frames-contract';

class TcpHarness implements Harness {
  readonly transport = new TcpTransport();
  private server: LoopbackServer | undefined;
  private readonly exchanges: Exchange[] = [];
  private readonly received: Buffer[] = [];
  private readonly connections: Connection[] = [];
  private lastPeer: Peer | undefined;

  async setup(): Promise<void> {
    this.server = await LoopbackServer.start((peer) => this.serve(peer));
  }

  async connect(opts?: ConnectOptions): Promise<Connection> {
    const conn = await firstValueFrom(this.transport.connect$(this.server!.host, this.server!.port, opts));
    this.connections.push(conn);
    return conn;
  }

  script(exchange: Exchange): void {
    this.exchanges.push(exchange);
  }

  requests(): Buffer[] {
    return [...this.received];
  }

  async released(): Promise<void> {
    await this.lastPeer?.closed;
  }

  async teardown(): Promise<void> {
    for (const conn of this.connections) this.transport.close(conn);
    await this.server?.stop();
  }

  /** One loop per accepted socket: each request frame takes the next scripted exchange. */
  private async serve(peer: Peer): Promise<void> {
    for (;;) {
      const request = await peer.readFrame();
      if (request === undefined) return;
      this.received.push(request);
      this.lastPeer = peer;
      const exchange = this.exchanges.shift();
      if (exchange === undefined) return peer.reset();
      if (exchange.delayMs !== undefined) await sleep(exchange.delayMs);
      peer.write(...exchange.frames);
      if (exchange.then === 'close') return peer.end();
    }
  }
}

describeTransportContract('TcpTransport (loopback)', () => new TcpHarness());
describeFramesContract('TcpTransport (loopback)', () => new TcpHarness());
