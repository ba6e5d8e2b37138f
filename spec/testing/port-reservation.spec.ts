import { connect, createServer, type AddressInfo } from 'node:net';
import { reservePort } from '../../lib/testing/port-reservation';

const freePort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

const tryConnect = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });

describe('reservePort', () => {
  it('refuses connects to a reserved port', async () => {
    const port = await freePort();
    const reservation = reservePort('127.0.0.1', port)!;
    expect(reservation).toBeDefined();
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    reservation.release();
  });

  it('hands its handle to a server, which then listens on the reserved port', async () => {
    const port = await freePort();
    const reservation = reservePort('127.0.0.1', port)!;
    const server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(reservation.handle, resolve));
    expect((server.address() as AddressInfo).port).toBe(port);
    expect(await tryConnect(port)).toBe('connected');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('returns undefined for a host that is not an IP literal', () => {
    expect(reservePort('localhost', 1)).toBeUndefined();
  });

  it('releases idempotently', async () => {
    const reservation = reservePort('127.0.0.1', await freePort())!;
    reservation.release();
    expect(() => reservation.release()).not.toThrow();
  });
});
