// The generated tend fault matrix (issue 14): every applicable (phase × fault) cell runs a 3-node
// FakeCluster behind a user and password in virtual time, one `it` per cell. Each cell checks that
// (1) every key keeps being read while the fault lasts and after it, (2) the fault surfaces as the
// tend_error events listed for the cell (phase, node or address, typed code; nothing else), (3) no
// connection, timer or subscription outlives close(), (4) the next clean tend gives back the node list
// and the partition map of the fake's truth, (5) no password or session token shows in any event,
// error, stats(), util.inspect(cluster, { showHidden, getters }) or telemetry payload.
//
// Phases (where the fault strikes): seed = validating a seed while the cluster is empty (the first
// tend finds no seed, so the seeding tend runs after connect$ emitted and events$ sees it); refresh =
// a known node's node/peers-generation/partition-generation request; peers = the peers listing, or
// validating a node that joins; partitions = partition-generation + replicas; login = the tend login
// of a known node, on the open tend connection when its session expires, or when a tend reopens the
// tend connection after a failure.
//
// Which cells apply (✓) and why the others cannot happen:
//
// | fault                  | seed | refresh | peers | partitions | login expiry | login reopen |
// | ---------------------- | ---- | ------- | ----- | ---------- | ------------ | ------------ |
// | info timeout           |  ✓   |    ✓    |   ✓   |     ✓      |   ✓ (login)  |  ✓ (login)   |
// | network error          |  ✓   |    ✓    |   ✓   |     ✓      |      ✓       |      ✓       |
// | reply missing a name   |  ✓   |    ✓    |   ✓   |     ✓      |      L       |      L       |
// | malformed peers        |  S   |    N    |   ✓   |     N      |      L       |      L       |
// | replicas: bad base64   |  N   |    N    |   N   |     ✓      |      L       |      L       |
// | replicas: bitmap length|  N   |    N    |   N   |     ✓      |      L       |      L       |
// | replicas: regime back  |  N   |    N    |   N   |     ✓      |      L       |      L       |
// | replicas: unknown ns   |  N   |    N    |   N   |     U      |      L       |      L       |
// | partition-generation -1|  ✓   |    ✓    |   ✓   |     ✓      |      L       |      L       |
// | node name changed      |  K   |    ✓    |   R   |     N      |      L       |      L       |
// | cluster name mismatch  |  ✓   |    C    |   ✓   |     C      |      L       |      L       |
// | login refused          |  ✓   |    O    |   ✓   |     P      |      ✓       |      ✓       |
// | token expired          |  T   |    O    |   T   |     P      |      ✓       |      ✓       |
// | every address refused  |  ✓   |    ✓    |   ✓   |     P      |      E       |      A       |
//
// N  the step never asks for that info name.
// L  a login reply carries no info names, generations or peers.
// S  a seed's peers are only counted to rank several seeds (J's orphan check): a reply that cannot be
//    read counts as no peers, the seed stays the fallback, and the peers step lists them and reports it.
// U  not a fault: a namespace only one node reports is accepted (J; nodes gain a namespace one by one
//    during a rolling config change). Specified below the matrix.
// K  a seed has no known name to change from: another name at its address is just another node.
// R  refresh asks every known node its name before the peers step, so a changed name is the refresh
//    cell; a peer answering a name other than its listing is adopted under that name (J, cluster.md §2.4).
// C  only validation asks cluster-name (J checks it when a node is added, not on every tend).
// O  a refresh logs in only when it reopens the tend connection: the login reopen column.
// P  the step runs on the node's open tend connection: it neither logs in nor connects.
// T  a first login proves the password; there is no token yet to expire.
// E  a re-login runs on the open tend connection: no address is dialled.
// A  a known node has one address; its refusal is the refresh cell (the reopen needs the node up).

import { AerospikeError } from '../../lib/errors';
import { ResultCode } from '../../lib/protocol/result-codes';
import { FakeCluster, type InfoFault, type LoginFault } from '../../lib/testing/fake-cluster';
import { runMarbles } from '../cluster/cluster-harness';
import { Cluster } from '../../lib/cluster/cluster';
import { findSecrets, guardProcess, TelemetryRecorder } from './hardening-kit';
import {
  CLEAR_AT_MS,
  FAULT_AT_MS,
  JOINER,
  keysByMaster,
  KEYS,
  MEMBERS,
  NOWHERE,
  PASSWORD,
  READ_AT_MS,
  replicasWithRegime,
  runCell,
  signature,
  USER,
  type CellPlan,
} from './tend-fault-kit';

const PHASES = ['seed', 'refresh', 'peers', 'partitions', 'login expiry', 'login reopen'] as const;
type Phase = (typeof PHASES)[number];

interface Cell {
  readonly plan: CellPlan;
  /** The tend_error signatures (`phase:node@address:code`) the cell must produce, in order, and no other. */
  readonly expected: readonly string[];
}

interface Fault {
  readonly name: string;
  readonly cells: Readonly<Record<Phase, Cell | string>>;
}

const A = '10.0.0.1:3000';
const B = '10.0.0.2:3000';
const D = '10.0.0.4:3000';

const networkError = (): AerospikeError => new AerospikeError('network_error', 'connection reset by the matrix', { node: 'B' });
const invalidCredential = (): AerospikeError => AerospikeError.fromResultCode(ResultCode.INVALID_CREDENTIAL, 'login');
const expiredSession = (): AerospikeError => AerospikeError.fromResultCode(ResultCode.EXPIRED_SESSION, 'login');
const VALID_BITMAP = Buffer.alloc(512).toString('base64');

// ---- cell builders, one per phase ------------------------------------------------------------

/** Seeds B then A; both are down for the first tend (connect$ emits an empty cluster), up at 500 ms; the tend at 1000 seeds. */
function seedCell(expected: readonly string[], fault: (fake: FakeCluster) => void, options: { keepBDown?: boolean; clusterName?: boolean } = {}): Cell {
  return {
    expected,
    plan: {
      options: { seeds: `${B},${A}`, failIfNotConnected: false, ...(options.clusterName === true && { clusterName: 'matrix' }) },
      fake: options.clusterName === true ? { clusterName: 'matrix' } : {},
      before: (fake) => {
        fake.kill('A');
        fake.kill('B');
        fault(fake);
      },
      steps: [
        {
          atMs: 500,
          run: (fake) => {
            fake.revive('A');
            if (options.keepBDown !== true) fake.revive('B');
          },
        },
        ...(options.keepBDown === true ? [{ atMs: CLEAR_AT_MS, run: (fake: FakeCluster) => fake.revive('B') }] : []),
      ],
      truth: MEMBERS,
    },
  };
}

/** The fault is set on B at 1500; the tend at 2000 refreshes B. */
function refreshCell(expected: readonly string[], fault: (fake: FakeCluster) => void, truth: readonly string[] = MEMBERS, clear?: (fake: FakeCluster) => void): Cell {
  return {
    expected,
    plan: {
      steps: [{ atMs: FAULT_AT_MS, run: fault }, ...(clear === undefined ? [] : [{ atMs: CLEAR_AT_MS, run: clear }])],
      truth,
    },
  };
}

/** B's peers generation moves at 1500, so the tend at 2000 lists peers; B's listing gets the fault. */
function peersListingCell(expected: readonly string[], fault: InfoFault): Cell {
  return refreshCell(expected, (fake) => {
    fake.setPeersView('B', undefined);
    fake.failInfo('B', 'peers-clear-std', fault);
  });
}

/** D joins at 1500 (every member lists it at 2000) and its validation gets the fault. */
function joinCell(expected: readonly string[], fault: (fake: FakeCluster) => void, options: { clusterName?: boolean; clear?: (fake: FakeCluster) => void } = {}): Cell {
  return {
    expected,
    plan: {
      joiner: true,
      ...(options.clusterName === true && { options: { clusterName: 'matrix' }, fake: { clusterName: 'matrix' } }),
      steps: [
        {
          atMs: FAULT_AT_MS,
          run: (fake) => {
            fault(fake);
            fake.join(JOINER);
          },
        },
        ...(options.clear === undefined ? [] : [{ atMs: CLEAR_AT_MS, run: options.clear }]),
      ],
      truth: [...MEMBERS, JOINER],
    },
  };
}

/** Every partition generation moves at 1500 (ownership unchanged), so the tend at 2000 fetches every map; B's gets the fault. */
function partitionsCell(expected: readonly string[], fault: (fake: FakeCluster) => void, before?: (fake: FakeCluster) => void): Cell {
  return {
    expected,
    plan: {
      ...(before !== undefined && { before }),
      steps: [
        {
          atMs: FAULT_AT_MS,
          run: (fake) => {
            fault(fake);
            fake.setReplicas('test', [0], fake.replicas('test', 0));
          },
        },
      ],
      truth: MEMBERS,
    },
  };
}

/** Sessions of 2 s expire after 1 s: every tend logs in again on the open tend connection; B's login at 2000 gets the fault. */
function loginExpiryCell(expected: readonly string[], fault: LoginFault): Cell {
  return { expected, plan: { fake: { sessionTtlSeconds: 2 }, steps: [{ atMs: FAULT_AT_MS, run: (fake) => fake.failLogin('B', fault) }], truth: MEMBERS } };
}

/** B's refresh at 2000 fails (its tend connection is closed); the tend at 3000 reopens it and its login gets the fault. */
function loginReopenCell(expected: readonly string[], fault: LoginFault): Cell {
  return refreshCell(['refresh:B:network_error', ...expected], (fake) => {
    fake.failInfo('B', 'node', networkError());
    fake.failLogin('B', fault);
  });
}

// ---- the matrix ----------------------------------------------------------------------------------

const LOGIN_ONLY = 'L: a login reply carries no info names, generations or peers';
const NOT_ASKED = 'N: the step never asks for that info name';

const FAULTS: readonly Fault[] = [
  {
    name: 'info timeout',
    cells: {
      seed: seedCell([`seed:@${B}:timeout`], (fake) => fake.failInfo('B', 'node', 'timeout')),
      refresh: refreshCell(['refresh:B:timeout'], (fake) => fake.failInfo('B', 'node', 'timeout')),
      peers: peersListingCell(['peers:B:timeout'], 'timeout'),
      partitions: partitionsCell(['partitions:B:timeout'], (fake) => fake.failInfo('B', 'replicas', 'timeout')),
      'login expiry': loginExpiryCell(['login:B:timeout'], 'timeout'),
      'login reopen': loginReopenCell(['login:B:timeout'], 'timeout'),
    },
  },
  {
    name: 'network error',
    cells: {
      seed: seedCell([`seed:@${B}:network_error`], (fake) => fake.failInfo('B', 'node', networkError())),
      refresh: refreshCell(['refresh:B:network_error'], (fake) => fake.failInfo('B', 'node', networkError())),
      peers: peersListingCell(['peers:B:network_error'], networkError()),
      partitions: partitionsCell(['partitions:B:network_error'], (fake) => fake.failInfo('B', 'replicas', networkError())),
      'login expiry': loginExpiryCell(['login:B:network_error'], networkError()),
      'login reopen': loginReopenCell(['login:B:network_error'], networkError()),
    },
  },
  {
    name: 'reply missing a name',
    cells: {
      seed: seedCell([`seed:@${B}:invalid_node`], (fake) => fake.failInfo('B', 'node', 'missing')),
      refresh: refreshCell(['refresh:B:parse_error'], (fake) => fake.failInfo('B', 'node', 'missing')),
      peers: peersListingCell(['peers:B:parse_error'], 'missing'),
      partitions: partitionsCell(['partitions:B:parse_error'], (fake) => fake.failInfo('B', 'replicas', 'missing')),
      'login expiry': LOGIN_ONLY,
      'login reopen': LOGIN_ONLY,
    },
  },
  {
    name: 'malformed peers-clear-std',
    cells: {
      seed: 'S: a seed\'s peers only rank several seeds; unreadable counts as none, and the peers step reports it',
      refresh: NOT_ASKED,
      peers: peersListingCell(['peers:B:parse_error'], { value: '9,3000,[[C,,[10.0.0.3:3000]' }),
      partitions: NOT_ASKED,
      'login expiry': LOGIN_ONLY,
      'login reopen': LOGIN_ONLY,
    },
  },
  {
    name: 'replicas with a bitmap that is not base64',
    cells: {
      seed: NOT_ASKED,
      refresh: NOT_ASKED,
      peers: NOT_ASKED,
      partitions: partitionsCell(['partitions:B:parse_error'], (fake) => fake.failInfo('B', 'replicas', { value: `test:0,2,${'!'.repeat(684)},${VALID_BITMAP}` })),
      'login expiry': LOGIN_ONLY,
      'login reopen': LOGIN_ONLY,
    },
  },
  {
    name: 'replicas with a bitmap of the wrong length',
    cells: {
      seed: NOT_ASKED,
      refresh: NOT_ASKED,
      peers: NOT_ASKED,
      partitions: partitionsCell(['partitions:B:parse_error'], (fake) => fake.failInfo('B', 'replicas', { value: `test:0,2,AAAA,${VALID_BITMAP}` })),
      'login expiry': LOGIN_ONLY,
      'login reopen': LOGIN_ONLY,
    },
  },
  {
    name: 'replicas whose regime goes backwards',
    cells: {
      seed: NOT_ASKED,
      refresh: NOT_ASKED,
      peers: NOT_ASKED,
      partitions: partitionsCell(
        ['partitions:B:invalid_node'],
        (fake) => fake.failInfo('B', 'replicas', { value: replicasWithRegime(fake, 'B', 4) }),
        (fake) => fake.setRegime('test', Array.from({ length: 4096 }, (_, p) => p), 5),
      ),
      'login expiry': LOGIN_ONLY,
      'login reopen': LOGIN_ONLY,
    },
  },
  {
    name: 'replicas naming an unknown namespace',
    cells: {
      seed: NOT_ASKED,
      refresh: NOT_ASKED,
      peers: NOT_ASKED,
      partitions: 'U: not a fault — a namespace one node reports is accepted (J); specified below',
      'login expiry': LOGIN_ONLY,
      'login reopen': LOGIN_ONLY,
    },
  },
  {
    name: 'partition-generation -1',
    cells: {
      seed: seedCell([`seed:@${B}:invalid_node`], (fake) => fake.failInfo('B', 'partition-generation', { value: '-1' })),
      refresh: refreshCell(['refresh:B:invalid_node'], (fake) => fake.failInfo('B', 'partition-generation', { value: '-1' })),
      peers: joinCell([`peers:D@${D}:invalid_node`], (fake) => fake.failInfo(JOINER, 'partition-generation', { value: '-1' })),
      partitions: partitionsCell(['partitions:B:invalid_node'], (fake) => fake.failInfo('B', 'partition-generation', { value: '-1' }, 1, 'replicas')),
      'login expiry': LOGIN_ONLY,
      'login reopen': LOGIN_ONLY,
    },
  },
  {
    name: 'node name changed',
    cells: {
      seed: 'K: a seed has no known name to change from',
      refresh: refreshCell(['refresh:B:invalid_node'], (fake) => fake.rename('B', 'B2'), ['A', 'B2', 'C']),
      peers: 'R: refresh asks the name before the peers step; a peer is adopted under the name it answers (J)',
      partitions: NOT_ASKED,
      'login expiry': LOGIN_ONLY,
      'login reopen': LOGIN_ONLY,
    },
  },
  {
    name: 'cluster name mismatch',
    cells: {
      seed: seedCell([`seed:@${B}:invalid_node`], (fake) => fake.failInfo('B', 'cluster-name', { value: 'other' }), { clusterName: true }),
      refresh: 'C: only validation asks cluster-name (J)',
      peers: joinCell([`peers:D@${D}:invalid_node`], (fake) => fake.failInfo(JOINER, 'cluster-name', { value: 'other' }), { clusterName: true }),
      partitions: 'C: only validation asks cluster-name (J)',
      'login expiry': LOGIN_ONLY,
      'login reopen': LOGIN_ONLY,
    },
  },
  {
    name: 'login refused (invalid_credential)',
    cells: {
      seed: seedCell([`seed:@${B}:invalid_credential`], (fake) => fake.failLogin('B', invalidCredential())),
      refresh: 'O: a refresh logs in only when it reopens the tend connection (login reopen)',
      peers: joinCell([`peers:D@${D}:invalid_credential`], (fake) => fake.failLogin(JOINER, invalidCredential())),
      partitions: 'P: the partitions fetch runs on the open tend connection',
      'login expiry': loginExpiryCell(['login:B:invalid_credential'], invalidCredential()),
      'login reopen': loginReopenCell(['login:B:invalid_credential'], invalidCredential()),
    },
  },
  {
    name: 'token expired (expired_session on re-login)',
    cells: {
      seed: 'T: a first login proves the password; no token exists yet',
      refresh: 'O: a refresh logs in only when it reopens the tend connection (login reopen)',
      peers: 'T: a first login proves the password; no token exists yet',
      partitions: 'P: the partitions fetch runs on the open tend connection',
      'login expiry': loginExpiryCell(['login:B:expired_session'], expiredSession()),
      'login reopen': loginReopenCell(['login:B:expired_session'], expiredSession()),
    },
  },
  {
    name: 'every address refused',
    cells: {
      seed: seedCell([`seed:@${B}:connection_error`, `peers:B@${B}:connection_error`, `peers:B@${B}:connection_error`], () => undefined, { keepBDown: true }),
      refresh: refreshCell(['refresh:B:connection_error'], (fake) => fake.kill('B'), MEMBERS, (fake) => fake.revive('B')),
      peers: joinCell(
        [`peers:D@${D}:connection_error`, `peers:D@${NOWHERE.host}:${NOWHERE.port}:connection_error`],
        (fake) => {
          fake.advertise(JOINER, [{ host: '10.0.0.4', port: 3000 }, NOWHERE]);
          fake.kill(JOINER);
        },
        { clear: (fake) => fake.revive(JOINER) },
      ),
      partitions: 'P: the partitions fetch runs on the open tend connection',
      'login expiry': 'E: a re-login runs on the open tend connection; no address is dialled',
      'login reopen': 'A: a known node has one address; its refusal is the refresh cell',
    },
  },
];

const cells = FAULTS.flatMap((fault) => PHASES.map((phase) => ({ fault, phase, cell: fault.cells[phase] })));
const applicable = cells.filter((c) => typeof c.cell !== 'string');
const skipped = cells.filter((c) => typeof c.cell === 'string');

describe(`tend fault matrix (${applicable.length} cells)`, () => {
  guardProcess();
  const telemetry = new TelemetryRecorder();
  const summary = { ran: 0, held: 0 };

  beforeAll(() => {
    const reasons = new Map<string, number>();
    for (const c of skipped) reasons.set((c.cell as string).slice(0, 1), (reasons.get((c.cell as string).slice(0, 1)) ?? 0) + 1);
    const why = [...reasons].map(([code, n]) => `${code} ${n}`).join(', ');
    console.log(`\ntend fault matrix: ${PHASES.length} phases × ${FAULTS.length} faults = ${cells.length} cells: ${applicable.length} applicable, ${skipped.length} skipped (${why})`);
    telemetry.subscribe();
  });

  afterAll(() => {
    telemetry.unsubscribe();
    console.log(`tend fault matrix: ${summary.held}/${summary.ran} cells held`);
  });

  it('spreads its keys over partitions every member masters, and its secret scan finds a planted token', () => {
    const fake = new FakeCluster({ nodes: [...MEMBERS] });
    expect(Object.keys(keysByMaster(fake)).sort()).toEqual([...MEMBERS]);
    expect(KEYS.length).toBe(24);
    const planted = [`session ${Buffer.from('token-B-3').toString('hex')}`, `{ password: '${PASSWORD}' }`];
    expect(findSecrets(planted, { 'token-B-3': [Buffer.from('token-B-3').toString('hex')], password: [PASSWORD] }).sort()).toEqual(['password', 'token-B-3']);
  });

  it('a cell with no fault reads every key, reports no tend_error and leaves nothing behind', () => {
    const outcome = runCell({ truth: MEMBERS });
    expect(outcome.events.filter((e) => e.event.type === 'tend_error').map((e) => signature(e.event))).toEqual([]);
    expect(outcome.reads.filter((r) => r.outcome !== 'ok')).toEqual([]);
    expect(outcome.reads.length).toBe(KEYS.length * READ_AT_MS.length);
    expect(outcome.repair.mismatchCount).toBe(0);
    expect(outcome.openAfterClose).toEqual({ A: 0, B: 0, C: 0 });
    expect(outcome.pendingActions).toBe(0);
  });

  for (const fault of FAULTS.filter((f) => PHASES.some((phase) => typeof f.cells[phase] !== 'string'))) {
    describe(fault.name, () => {
      for (const phase of PHASES) {
        const cell = fault.cells[phase];
        if (typeof cell === 'string') continue;
        const codes = [...new Set(cell.expected.map((s) => s.slice(s.lastIndexOf(':') + 1)))].join(', ');
        it(`${phase} × ${fault.name} → ${codes}`, () => {
          summary.ran++;
          telemetry.drain();
          const outcome = runCell(cell.plan);
          const texts = [...outcome.texts, ...telemetry.drain()];
          const tendErrors = outcome.events.filter((e) => e.event.type === 'tend_error');

          expect(outcome.connectError).withContext('connect$').toBeUndefined();
          // (1) every key stays readable: each partition still has a live replica
          expect(outcome.reads.filter((r) => r.outcome !== 'ok')).withContext('failed reads').toEqual([]);
          expect(outcome.reads.length).toBe(KEYS.length * READ_AT_MS.length);
          // (2) the fault surfaces as these typed tend_errors and nothing else
          expect(tendErrors.map((e) => signature(e.event))).withContext('tend_error events').toEqual([...cell.expected]);
          for (const { event } of tendErrors) if (event.type === 'tend_error') expect(event.error).toBeInstanceOf(AerospikeError);
          // (3) nothing outlives close()
          expect(Object.values(outcome.openAfterClose).every((n) => n === 0)).withContext(`connections open after close(): ${JSON.stringify(outcome.openAfterClose)}`).toBeTrue();
          expect(outcome.repair.unheld).withContext('connections open on a node that the cluster does not hold').toEqual({});
          expect(outcome.pendingActions).withContext('scheduler actions armed after close()').toBe(0);
          expect(outcome.completed).toEqual({ events: true, nodes: true });
          // (4) the clean tends after it give back the truth
          expect(outcome.repair.names).withContext('nodes after the repair').toEqual([...cell.plan.truth]);
          expect(outcome.repair.published).withContext('nodes$ after the repair').toEqual([...cell.plan.truth]);
          expect(outcome.repair.namespaces).toEqual(['test']);
          expect(outcome.repair.mapMismatches).withContext(`${outcome.repair.mismatchCount} map slots differ from the truth`).toEqual([]);
          expect(outcome.repair.failing).withContext('nodes still failing').toEqual([]);
          // (5) no credential or token anywhere a log line could show
          expect(outcome.tokensIssued).toBeGreaterThan(0);
          expect(findSecrets(texts, outcome.secrets)).withContext('secrets in events, errors, stats, inspect or telemetry').toEqual([]);
          summary.held++;
        });
      }
    });
  }

  describe('not a fault', () => {
    it('a namespace only one node reports is added to the map and routed to that node; the others keep theirs', () => {
      let seen: unknown;
      runMarbles((run) => {
        const fake = new FakeCluster({ nodes: [...MEMBERS], sessionTtlSeconds: 600 });
        let cluster: Cluster | undefined;
        Cluster.connect$({ ...fake.clientOptions(), user: USER, password: PASSWORD }).subscribe((c) => (cluster = c));
        run.at(FAULT_AT_MS, () => {
          fake.failInfo('B', 'replicas', { value: `${replicasWithRegime(fake, 'B', 0)};ghost:0,1,${Buffer.alloc(512, 0xff).toString('base64')}` });
          fake.setReplicas('test', [0], fake.replicas('test', 0));
        });
        run.at(2500, () => {
          const map = cluster!.currentMap();
          seen = { namespaces: map.namespaceNames, ghost: map.node('ghost', 7, 0)?.name, test: map.node('test', 1, 0)?.name === fake.replicas('test', 1)[0] };
          cluster!.close();
        });
      });
      expect(seen).toEqual({ namespaces: ['test', 'ghost'], ghost: 'B', test: true });
    });
  });
});
