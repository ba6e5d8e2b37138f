// Holds a loopback port while a simulated node is down: a TCP handle bound to it but not listening,
// so connects are refused (RST) and no ephemeral allocation (a port-0 listener, an outgoing connect)
// takes the port before the node listens again. Test support only; uses Node's tcp_wrap binding and
// degrades to "no reservation" where it is absent. An explicit listen on that port still succeeds
// (libuv binds with SO_REUSEADDR).

import { isIP } from 'node:net';

/** The tcp_wrap handle surface used here (Node's internal TCP class, which net.Server.listen accepts). */
interface TcpHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  close(callback?: () => void): void;
}

interface TcpWrapBinding {
  readonly TCP: new (type: number) => TcpHandle;
  readonly constants: { readonly SOCKET: number };
}

function tcpWrap(): TcpWrapBinding | undefined {
  try {
    // process.binding is documentation-deprecated (DEP0111) but still allow-listed for tcp_wrap (Node 20)
    const binding = (process as unknown as { binding(name: string): unknown }).binding('tcp_wrap') as Partial<TcpWrapBinding>;
    return typeof binding.TCP === 'function' && binding.constants !== undefined ? (binding as TcpWrapBinding) : undefined;
  } catch {
    return undefined;
  }
}

export interface PortReservation {
  /** The bound handle: pass it to net.Server.listen to listen on the reserved port without a gap. */
  readonly handle: object;
  /** Releases the port (idempotent); not needed once the handle was given to listen. */
  release(): void;
}

/**
 * Binds `host:port` without listening. Undefined when the binding is unavailable, the host is not an
 * IP literal or the bind fails: the caller then relistens by port and accepts the small race.
 */
export function reservePort(host: string, port: number): PortReservation | undefined {
  const family = isIP(host);
  const wrap = family === 0 ? undefined : tcpWrap();
  if (wrap === undefined) return undefined;
  const handle = new wrap.TCP(wrap.constants.SOCKET);
  const status = family === 6 ? handle.bind6(host, port, 0) : handle.bind(host, port);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    handle.close();
  };
  if (status !== 0) {
    release();
    return undefined;
  }
  return { handle, release };
}
