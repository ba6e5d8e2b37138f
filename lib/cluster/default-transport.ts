// The transport a cluster uses when none is injected. lib/cluster must not import lib/net, so the
// package root registers TcpTransport here at load time; tests inject FakeTransport instead.

import type { SchedulerLike } from 'rxjs';
import type { NodeTransport } from '../node-transport';

let factory: ((scheduler: SchedulerLike) => NodeTransport) | undefined;

/** Called once by the package root: `registerDefaultTransport((s) => new TcpTransport({ scheduler: s }))`. */
export function registerDefaultTransport(make: (scheduler: SchedulerLike) => NodeTransport): void {
  factory = make;
}

export function defaultTransport(scheduler: SchedulerLike): NodeTransport {
  if (factory === undefined) {
    throw new TypeError('no transport was given and none is registered: import the client from the package root, or pass options.transport');
  }
  return factory(scheduler);
}
