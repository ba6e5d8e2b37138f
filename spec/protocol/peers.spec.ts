import { encodePeers, parsePeers, type PeersReply } from '../../lib/protocol/peers';
import { expectParseError } from '../helpers/expect-parse-error';
import { capturedValue, capturedValues } from './cluster-info-captures';

const PEER_KEYS = ['peers-clear-std', 'peers-clear-alt'] as const;

describe('parsePeers', () => {
  it('parses every captured peers-clear-std and -alt value', () => {
    const values = PEER_KEYS.flatMap((key) => capturedValues(key).map((c) => ({ ...c, key })));
    expect(values.length).toBeGreaterThan(50);
    for (const { name, key, value } of values) {
      const reply = parsePeers(value, key);
      expect(reply.defaultPort).withContext(`${name} ${key}`).toBe(3000);
      expect(reply.generation).withContext(`${name} ${key}`).toBe(Number(capturedValue(name, 'peers-generation')));
    }
  });

  it('lists the other nodes of a stable 3-node cluster with their service address', () => {
    expect(parsePeers(capturedValue('one-namespace/stable-3100', 'peers-clear-std'))).toEqual({
      generation: 4,
      defaultPort: 3000,
      peers: [
        { nodeName: 'A2', tlsName: undefined, addresses: [{ host: '127.0.0.1', port: 3110 }] },
        { nodeName: 'A3', tlsName: undefined, addresses: [{ host: '127.0.0.1', port: 3120 }] },
      ],
    });
  });

  it('follows a node kill and revive: the peer leaves and returns, the generation moves each time', () => {
    const at = (name: string) => parsePeers(capturedValue(`one-namespace/${name}`, 'peers-clear-std'));
    expect(['stable-3100', 'killed-2-3100', 'revived-1-3100'].map((name) => [at(name).generation, at(name).peers.map((p) => p.nodeName)])).toEqual([
      [4, ['A2', 'A3']],
      [5, ['A3']],
      [7, ['A2', 'A3']],
    ]);
  });

  it('keeps every address of a peer, in order', () => {
    const reply = parsePeers(capturedValue('two-namespaces/stable3-3500', 'peers-clear-std'));
    expect(reply.peers.map((p) => [p.nodeName, p.addresses.map((a) => `${a.host}:${a.port}`)])).toEqual([
      ['B2', ['127.0.0.1:3510', '127.0.0.2:3510']],
      ['B3', ['127.0.0.1:3520', '127.0.0.2:3520']],
    ]);
  });

  it('gives an address without a port the default port (real -alt list)', () => {
    const value = capturedValue('two-namespaces/stable3-3500', 'peers-clear-alt');
    expect(value).toBe('4,3000,[[B2,,[127.0.0.1]],[B3,,[127.0.0.1]]]');
    expect(parsePeers(value, 'peers-clear-alt').peers.map((p) => p.addresses)).toEqual([[{ host: '127.0.0.1', port: 3000 }], [{ host: '127.0.0.1', port: 3000 }]]);
  });

  it('parses a node alone as no peers', () => {
    expect(parsePeers('0,3000,[]')).toEqual({ generation: 0, defaultPort: 3000, peers: [] });
  });

  it('parses bracketed IPv6 addresses with and without a port, keeping the host without brackets', () => {
    const reply = parsePeers('7,3000,[[BB9020011AC4202,,[172.17.0.3]],[BB9030011AC4202,,[172.17.0.4:3100,[2001:db8::1],[::1]:3200]]]');
    expect(reply.peers[1]!.addresses).toEqual([
      { host: '172.17.0.4', port: 3100 },
      { host: '2001:db8::1', port: 3000 },
      { host: '::1', port: 3200 },
    ]);
    expect(reply.peers[0]!.addresses).toEqual([{ host: '172.17.0.3', port: 3000 }]);
  });

  it('maps an empty TLS name to undefined and keeps a set one', () => {
    const reply = parsePeers('10,4333,[[BB9050011AC4202,peers,[172.17.0.1]],[BB9070011AC4202,,[[2001:db8:85a3::8a2e]]]]', 'peers-tls-std');
    expect(reply.peers.map((p) => p.tlsName)).toEqual(['peers', undefined]);
    expect(reply.peers[1]!.addresses).toEqual([{ host: '2001:db8:85a3::8a2e', port: 4333 }]);
  });

  it('accepts a peer with an empty address list', () => {
    expect(parsePeers('3,3000,[[A2,,[]]]').peers).toEqual([{ nodeName: 'A2', tlsName: undefined, addresses: [] }]);
  });

  it('refuses the server ERROR answer of peers-tls-std on Community Edition, naming it', () => {
    const value = capturedValue('two-namespaces/stable3-3500', 'peers-tls-std');
    expect(value).toBe('ERROR:25:enterprise only');
    expectParseError(() => parsePeers(value, 'peers-tls-std'), 'peers-tls-std: server answered "ERROR:25:enterprise only", expected <generation>,<default port>,[<peers>]');
  });

  it('refuses every truncation of a real value', () => {
    const value = capturedValue('two-namespaces/stable3-3500', 'peers-clear-std');
    for (let length = 0; length < value.length; length++) {
      expectParseError(() => parsePeers(value.slice(0, length)), 'peers-clear-std: ');
    }
  });

  it('refuses a value not shaped <generation>,<default port>,[...]', () => {
    for (const value of ['', '4', '4,3000', '4,3000,', '4,3000,[', '4,3000,]', '4,3000,[]x', '4;3000;[]', '[]']) {
      expectParseError(() => parsePeers(value), 'peers-clear-std: expected <generation>,<default port>,[<peers>], got', JSON.stringify(value));
    }
  });

  it('refuses a generation that is not a u32 and a default port above 65535', () => {
    expectParseError(() => parsePeers('-1,3000,[]'), 'generation "-1" is not a u32');
    expectParseError(() => parsePeers('4294967296,3000,[]'), 'generation "4294967296" is not a u32');
    expectParseError(() => parsePeers('4,65536,[]'), 'default port "65536" is not 0..65535');
    expectParseError(() => parsePeers('4,,[]'), 'default port "" is not 0..65535');
  });

  it('refuses nested brackets', () => {
    expectParseError(() => parsePeers('4,3000,[[[A2,,[127.0.0.1]]]]'), 'peer 0 has node name ""');
    expectParseError(() => parsePeers('4,3000,[[A2,,[[[::1]]]]]'), 'address "[[::1]" of peer 0 ("A2") is not a bracketed IPv6 address');
    expectParseError(() => parsePeers('4,3000,[[A2,,[127.0.0.1[]]]]'), 'expected "]" closing the address list of peer 0 ("A2")');
  });

  it('refuses a peer missing its TLS name field or address list', () => {
    expectParseError(() => parsePeers('4,3000,[[A2,[127.0.0.1]]]'), 'expected "," after the TLS name of peer 0 ("A2")');
    expectParseError(() => parsePeers('4,3000,[[A2,,127.0.0.1]]'), 'expected "[" opening the address list of peer 0 ("A2")');
    expectParseError(() => parsePeers('4,3000,[[A2]]'), 'expected "," after the node name of peer 0 ("A2")');
  });

  it('refuses text between peers and after the list', () => {
    expectParseError(() => parsePeers('4,3000,[[A2,,[127.0.0.1]]x,[A3,,[127.0.0.1]]]'), 'expected "," between peers 0 and 1', 'got "x,[A3');
    expectParseError(() => parsePeers('4,3000,[[A2,,[127.0.0.1]],]'), 'expected "[" opening peer 1', 'the end of the peer list');
  });

  it('refuses malformed addresses, naming the peer', () => {
    expectParseError(() => parsePeers('4,3000,[[A2,,[127.0.0.1:0]]]'), 'address "127.0.0.1:0" of peer 0 ("A2") has port "0", expected 1..65535');
    expectParseError(() => parsePeers('4,3000,[[A2,,[127.0.0.1,]]]'), 'address "" of peer 0 ("A2") has no host');
    expectParseError(() => parsePeers('4,3000,[[A2,,[2001:db8::1]]]'), 'is an IPv6 address without brackets');
    expectParseError(() => parsePeers('4,0,[[A2,,[127.0.0.1]]]'), 'address "127.0.0.1" of peer 0 ("A2") has no port and there is no default port');
  });

  it('refuses node and TLS names with spaces or control characters', () => {
    expectParseError(() => parsePeers('4,3000,[[A 2,,[127.0.0.1]]]'), 'peer 0 has node name "A 2"');
    expectParseError(() => parsePeers('4,3000,[[A2,t\u0001,[127.0.0.1]]]'), 'peer 0 has TLS name');
  });
});

describe('encodePeers', () => {
  it('reproduces every captured peers value byte for byte', () => {
    for (const key of PEER_KEYS) {
      for (const { name, value } of capturedValues(key)) expect(encodePeers(parsePeers(value, key))).withContext(`${name} ${key}`).toBe(value);
    }
  });

  it('brackets IPv6 hosts and leaves out ports equal to the default port', () => {
    const reply: PeersReply = {
      generation: 9,
      defaultPort: 3000,
      peers: [
        { nodeName: 'A1', tlsName: 'tls1', addresses: [{ host: '::1', port: 3000 }, { host: '2001:db8::1', port: 3100 }, { host: '10.0.0.1', port: 3000 }] },
        { nodeName: 'A2', tlsName: undefined, addresses: [] },
      ],
    };
    const value = encodePeers(reply);
    expect(value).toBe('9,3000,[[A1,tls1,[[::1],[2001:db8::1]:3100,10.0.0.1]],[A2,,[]]]');
    expect(parsePeers(value)).toEqual(reply);
  });

  it('throws for names or addresses the parser would refuse, naming the argument', () => {
    const peer = { nodeName: 'A1', tlsName: undefined, addresses: [{ host: '10.0.0.1', port: 3000 }] };
    expect(() => encodePeers({ generation: -1, defaultPort: 3000, peers: [] })).toThrowError(RangeError, /generation/);
    expect(() => encodePeers({ generation: 1, defaultPort: 70000, peers: [] })).toThrowError(RangeError, /defaultPort/);
    expect(() => encodePeers({ generation: 1, defaultPort: 3000, peers: [{ ...peer, nodeName: 'A,1' }] })).toThrowError(TypeError, /peers\[0\]\.nodeName/);
    expect(() => encodePeers({ generation: 1, defaultPort: 3000, peers: [{ ...peer, tlsName: '' }] })).toThrowError(TypeError, /peers\[0\]\.tlsName/);
    expect(() => encodePeers({ generation: 1, defaultPort: 3000, peers: [{ ...peer, addresses: [{ host: '[::1]', port: 3000 }] }] })).toThrowError(TypeError, /host/);
    expect(() => encodePeers({ generation: 1, defaultPort: 3000, peers: [{ ...peer, addresses: [{ host: '::1', port: 0 }] }] })).toThrowError(RangeError, /port/);
  });
});
