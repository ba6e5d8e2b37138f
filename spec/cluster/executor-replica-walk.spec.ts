// Where retries go when the sequence walk skipped replicas (cluster.md §6.2: each skipped slot bumps
// the sequence): a retry moves on to the next usable replica, never back to the node that just
// failed. Marble specs on a three-node FakeCluster (A master, B and C proles of every partition).
import { AerospikeError } from '../../lib/errors';
import { asMsgRecord } from '../../lib/testing/frame-builders';
import { getCommand, KEY, putCommand, readPolicy, runMarbles, writePolicy } from './cluster-harness';
import { commandNodes, executorSetup } from './executor-harness';

const OK = asMsgRecord({ generation: 1 });
const ABC = ['A', 'B', 'C'];
const reset = () => new AerospikeError('network_error', 'reset');

describe('Executor: retries after the sequence walk skipped replicas', () => {
  it('a read retry moves to the next replica when the first attempt skipped a refused master', () => {
    let nodes: string[] = [];
    let value: unknown;
    runMarbles((r) => {
      const s = executorSetup(r, { nodes: ABC, replicas: 3 });
      r.at(1, () => s.fake.kill('A'));
      s.fake.transport.scriptCommand('B', OK); // 2 ms: A refused, B serves; A is now recently refused
      s.fake.transport.scriptCommand('B', reset()); // 5 ms: A skipped, B fails
      s.fake.transport.scriptCommand('B', OK);
      s.fake.transport.scriptCommand('C', OK);
      r.at(2, () => s.run(getCommand(), readPolicy()).subscribe());
      r.at(5, () => s.run(getCommand(), readPolicy({ maxRetries: 1 })).subscribe({ next: (v) => (value = v), error: (e) => (value = e) }));
      r.at(6, () => (nodes = commandNodes(s.fake, ABC)));
    });
    // the second read's retry went to C, not back to B
    expect(nodes).toEqual(['B', 'B', 'C']);
    expect(value).toEqual({});
  });

  it('a read retry moves past the node it just used when the master slot holds a removed node', () => {
    let nodes: string[] = [];
    runMarbles((r) => {
      const s = executorSetup(r, { nodes: ABC, replicas: 3 });
      s.fake.transport.scriptCommand('B', reset());
      s.fake.transport.scriptCommand('B', OK);
      s.fake.transport.scriptCommand('C', OK);
      r.at(1, () => s.cluster().remove(s.cluster().nodes.get('A')!, 'name_changed'));
      r.at(2, () => s.run(getCommand(), readPolicy({ maxRetries: 1 })).subscribe());
      r.at(3, () => (nodes = commandNodes(s.fake, ABC)));
    });
    expect(nodes).toEqual(['B', 'C']);
  });

  it('a sequence write retried after a network error moves past the prole it used when the master was skipped', () => {
    let nodes: string[] = [];
    runMarbles((r) => {
      const s = executorSetup(r, { nodes: ABC, replicas: 3 });
      s.fake.transport.scriptCommand('B', reset());
      s.fake.transport.scriptCommand('B', OK);
      s.fake.transport.scriptCommand('C', OK);
      r.at(1, () => s.cluster().remove(s.cluster().nodes.get('A')!, 'name_changed'));
      r.at(2, () => s.run(putCommand(KEY, { name: 'Ada' }), writePolicy({ maxRetries: 1 })).subscribe());
      r.at(3, () => (nodes = commandNodes(s.fake, ABC)));
    });
    expect(nodes).toEqual(['B', 'C']);
  });
});
