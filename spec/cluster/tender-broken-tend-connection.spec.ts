// A tend connection that broke counts as the first refused tend (issue 14, failover timing): a
// SIGKILLed server resets its sockets as it exits, often while a tend's info is in flight, and the node
// must go by the next tend whose reconnect is refused, within 2 tend intervals of the crash, not 3.
import type { Subscription } from 'rxjs';
import { Cluster } from '../../lib/cluster/cluster';
import type { ClusterEvent } from '../../lib/cluster/cluster-events';
import { AerospikeError } from '../../lib/errors';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { runMarbles, type Run } from './cluster-harness';

function describeEvent(t: number, e: ClusterEvent): string | undefined {
  if (e.type === 'tend_error') return `${t}:tend_error:${e.phase}:${e.node ?? e.address}:${e.error.code}`;
  if (e.type === 'node_removed') return `${t}:removed:${e.node.name}:${e.reason}`;
  return undefined;
}

/** Nodes A and B connected at 0 (tends at 0, 1000, 2000, …); events of B until `endMs`. */
function scenario(run: Run, script: (fake: FakeCluster) => void, endMs: number): string[] {
  const fake = new FakeCluster({ nodes: ['A', 'B'] });
  const events: string[] = [];
  let cluster: Cluster | undefined;
  let sub: Subscription | undefined;
  Cluster.connect$(fake.clientOptions()).subscribe((c) => {
    cluster = c;
    sub = c.events$.subscribe((e) => {
      const text = describeEvent(run.scheduler.now(), e);
      if (text?.includes(':B') === true) events.push(text);
    });
  });
  script(fake);
  run.at(endMs, () => {
    sub?.unsubscribe();
    cluster?.close();
  });
  return events;
}

describe('Tender: a tend connection that broke', () => {
  it('counts as the first refused tend: a node that dies under a tend\'s info request is removed by the next tend', () => {
    let events: string[] = [];
    runMarbles((run) => {
      events = scenario(
        run,
        (fake) => {
          // the tend at 2000 asks B, which does not answer: it is being killed; its sockets reset at 2100
          run.at(1500, () => fake.failInfo('B', '*', 'timeout'));
          run.at(2100, () => fake.kill('B'));
        },
        3600,
      );
    });
    // the next tend is armed when this one ends (2100): its reconnect is refused at 3100
    expect(events).toEqual(['2100:tend_error:refresh:B:network_error', '3100:tend_error:refresh:B:connection_error', '3100:removed:B:refused']);
  });

  it('stops counting once the node answers again: a later crash needs two refused tends', () => {
    let events: string[] = [];
    runMarbles((run) => {
      events = scenario(
        run,
        (fake) => {
          run.at(1500, () => fake.failInfo('B', '*', new AerospikeError('network_error', 'connection reset by peer')));
          // the tend at 3000 answers on a fresh connection; B dies after it
          run.at(3500, () => fake.kill('B'));
        },
        5600,
      );
    });
    expect(events).toEqual(['2000:tend_error:refresh:B:network_error', '4000:tend_error:refresh:B:connection_error', '5000:tend_error:refresh:B:connection_error', '5000:removed:B:refused']);
  });

  it('never removes a node by itself, however many times in a row it breaks', () => {
    let events: string[] = [];
    runMarbles((run) => {
      events = scenario(run, (fake) => run.at(1500, () => fake.failInfo('B', '*', new AerospikeError('network_error', 'connection reset by peer'), 3)), 4600);
    });
    expect(events).toEqual(['2000:tend_error:refresh:B:network_error', '3000:tend_error:refresh:B:network_error', '4000:tend_error:refresh:B:network_error']);
  });
});
