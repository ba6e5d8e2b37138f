// What a debugger or a log line can print of a cluster (issue 14 "Security"): util.inspect with
// hidden properties and getters, JSON and stats() show no password, TLS key or session token.
import { inspect } from 'node:util';
import { Cluster } from '../../lib/cluster/cluster';
import { NodeSession } from '../../lib/cluster/cluster-node';
import { connectOptions, resolveClusterOptions } from '../../lib/cluster/cluster-options';
import { dataConnectOptions } from '../../lib/cluster/node-session';
import { FakeCluster } from '../../lib/testing/fake-cluster';
import { connectionTexts, findSecrets, secretForms } from '../hardening/hardening-kit';
import { freshBufferPool } from '../helpers/buffer-pool';
import { getCommand, readPolicy, runMarbles } from './cluster-harness';

const PASSWORD = 'cluster-Secret-pa55';

function inspectViews(value: object): string[] {
  return [true, false].flatMap((customInspect) => [
    inspect(value, { customInspect, depth: 12 }),
    inspect(value, { customInspect, depth: 12, showHidden: true }),
    inspect(value, { customInspect, depth: 12, showHidden: true, getters: true }),
  ]);
}
const TLS_KEY = '-----BEGIN PRIVATE KEY-----matrix-key-material';

describe('Cluster secrets', () => {
  it('util.inspect of a logged-in cluster (hidden properties, getters, any depth), its JSON and stats() show no password, TLS key or session token', () => {
    let texts: string[] = [];
    let tokens: string[] = [];
    runMarbles((run) => {
      const fake = new FakeCluster({ nodes: ['A', 'B'], sessionTtlSeconds: 600 });
      // the tokens would land at the start of a pool chunk, where inspecting any other pooled buffer shows them
      freshBufferPool();
      Cluster.connect$({ ...fake.clientOptions(), user: 'app', password: PASSWORD, tls: { key: TLS_KEY } }).subscribe((cluster) => {
        const call$ = cluster.execute$(getCommand(), readPolicy());
        const call = call$.subscribe();
        run.at(10, () => {
          tokens = ['A', 'B'].map((n) => cluster.nodes.get(n)!.session!.token().toString());
          // every inspect view (the cluster is cyclic, so no JSON of it), of a call and its subscription too; its stats as JSON
          texts = [...inspectViews(cluster), ...inspectViews(call$), ...inspectViews(call), JSON.stringify(cluster.stats())];
          cluster.close();
        });
      });
    });
    expect(tokens).toEqual(['token-A-1', 'token-B-1']);
    const secrets = { password: secretForms(PASSWORD), 'TLS key': secretForms(TLS_KEY), 'token-A-1': secretForms('token-A-1'), 'token-B-1': secretForms('token-B-1') };
    expect(findSecrets(texts, secrets)).toEqual([]);
  });

  it('a node session keeps its token out of inspect and JSON, and hands it to data connections', () => {
    const session = new NodeSession(Buffer.from('token-X-9'), 1234);
    const shown = [inspect(session, { showHidden: true, getters: true, depth: Infinity }), JSON.stringify(session)];
    expect(findSecrets(shown, { token: secretForms('token-X-9') })).toEqual([]);
    expect(session.expiresAtMs).toBe(1234);
    expect(dataConnectOptions({ user: 'app', password: PASSWORD }, 'X', session, true)).toEqual({ user: 'app', password: PASSWORD, nodeName: 'X', sessionToken: Buffer.from('token-X-9') });
  });

  it('resolved cluster options keep the connect options (credentials, TLS) off the object; connectOptions gives them back', () => {
    const resolved = resolveClusterOptions({ seeds: 'h', user: 'app', password: PASSWORD, tls: { key: TLS_KEY } });
    expect(findSecrets(connectionTexts(resolved), { password: secretForms(PASSWORD), 'TLS key': secretForms(TLS_KEY) })).toEqual([]);
    expect(connectOptions(resolved)).toEqual({ user: 'app', password: PASSWORD, tls: { key: TLS_KEY }, connectTimeoutMs: 1000 });
    expect(() => connectOptions({ ...resolved })).toThrow(new TypeError('options must come from resolveClusterOptions'));
  });
});
