import { FrameDecoder, type Frame } from '../../lib/protocol/frame-decoder';
import { encodeInfoRequest, parseInfoReply } from '../../lib/protocol/info';
import { hex, loadCapturedStreams } from './captures';

function body(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

function framesOf(bytes: Buffer): Frame[] {
  const frames: Frame[] = [];
  new FrameDecoder().push(bytes, (f) => frames.push(f));
  return frames;
}

/** Request/reply pairs of the captured info connections (the server answers in order). */
function capturedInfoExchanges(): { name: string; request: Frame; reply: Frame }[] {
  const streams = loadCapturedStreams();
  const exchanges: { name: string; request: Frame; reply: Frame }[] = [];
  for (const c2s of streams.filter((s) => s.direction === 'c2s')) {
    const s2c = streams.find((s) => s.scenario === c2s.scenario && s.conn === c2s.conn && s.direction === 's2c')!;
    const requests = framesOf(c2s.bytes);
    const replies = framesOf(s2c.bytes);
    requests.forEach((request, i) => {
      if (request.type === 1) exchanges.push({ name: `${c2s.name} #${i}`, request, reply: replies[i]! });
    });
  }
  return exchanges;
}

describe('info request', () => {
  it('encodes each name followed by a newline behind a type-1 header (V1)', () => {
    expect(encodeInfoRequest(['build']).toString('hex')).toBe(hex('02 01 00 00 00 00 00 06 62 75 69 6c 64 0a').toString('hex'));
    expect(encodeInfoRequest(['node', 'build']).toString('hex')).toBe(
      hex('02 01 00 00 00 00 00 0b 6e 6f 64 65 0a 62 75 69 6c 64 0a').toString('hex'),
    );
  });

  it('encodes an empty list as an empty body (V1)', () => {
    expect(encodeInfoRequest([]).toString('hex')).toBe('0201000000000000');
  });

  it('reproduces every captured info request byte for byte', () => {
    const exchanges = capturedInfoExchanges();
    expect(exchanges.length).toBeGreaterThan(30);
    for (const { name, request } of exchanges) {
      const names = request.body.toString('utf8').replace(/\n$/, '').split('\n');
      expect(encodeInfoRequest(names).equals(request.bytes)).withContext(name).toBeTrue();
    }
  });

  it('counts multi-byte UTF-8 names in bytes', () => {
    const frame = encodeInfoRequest(['é']);
    expect(frame.toString('hex')).toBe('0201000000000003' + 'c3a90a');
  });

  it('rejects a name containing a newline, which would inject another command', () => {
    expect(() => encodeInfoRequest(['build\nset-config:context=service;x=1'])).toThrowError(TypeError, /"build\\nset-config/);
  });

  it('rejects a name containing a tab', () => {
    expect(() => encodeInfoRequest(['a\tb'])).toThrowError(TypeError, /"a\\tb"/);
  });

  it('rejects a name with a lone surrogate, which UTF-8 would have turned into U+FFFD', () => {
    expect(() => encodeInfoRequest(['build', 'sets/\uD800'])).toThrowError(TypeError, /^info command "sets\/\\ud800": a string with a lone surrogate at index 5 cannot be sent as UTF-8$/);
  });

  it('rejects names that are not strings', () => {
    expect(() => encodeInfoRequest([42 as unknown as string])).toThrowError(TypeError, /number/);
    expect(() => encodeInfoRequest('build' as unknown as string[])).toThrowError(TypeError, /array/);
  });
});

describe('info reply', () => {
  it('parses one name and value per line (V1)', () => {
    const reply = parseInfoReply(body('node\tBB9020011AC4202\nbuild\t8.0.0.1\nfeatures\t\n'));
    expect({ ...reply }).toEqual({ node: 'BB9020011AC4202', build: '8.0.0.1', features: '' });
  });

  it('answers every name of each captured info request', () => {
    for (const { name, request, reply } of capturedInfoExchanges()) {
      const names = request.body.toString('utf8').replace(/\n$/, '').split('\n');
      const parsed = parseInfoReply(reply.body);
      expect(Object.keys(parsed).sort()).withContext(name).toEqual([...new Set(names)].sort());
    }
  });

  it('returns an object without a prototype', () => {
    expect(Object.getPrototypeOf(parseInfoReply(body('build\t8\n')))).toBeNull();
  });

  it('returns an empty object for an empty body', () => {
    const reply = parseInfoReply(new Uint8Array(0));
    expect(Object.keys(reply)).toEqual([]);
    expect(Object.getPrototypeOf(reply)).toBeNull();
  });

  it('splits each line on its first tab only', () => {
    expect(parseInfoReply(body('statistics\ta=1\tb=2\n'))['statistics']).toBe('a=1\tb=2');
  });

  it('maps a name without a tab to the empty string', () => {
    expect({ ...parseInfoReply(body('peers-clear-std\nbuild\t8\n')) }).toEqual({ 'peers-clear-std': '', build: '8' });
  });

  it('trims every trailing newline', () => {
    expect({ ...parseInfoReply(body('build\t8\n\n\n')) }).toEqual({ build: '8' });
    expect({ ...parseInfoReply(body('\n\n')) }).toEqual({});
  });

  it('keeps the last value of a duplicated name', () => {
    expect(parseInfoReply(body('build\t7\nbuild\t8\n'))['build']).toBe('8');
  });

  it('keeps __proto__ and constructor as ordinary names without touching any prototype', () => {
    const prototypeNames = Object.getOwnPropertyNames(Object.prototype);
    const reply = parseInfoReply(body('__proto__\tpolluted\nconstructor\tx\nhasOwnProperty\ty\n'));
    expect(Object.getPrototypeOf(reply)).toBeNull();
    expect(Object.keys(reply)).toEqual(['__proto__', 'constructor', 'hasOwnProperty']);
    expect(reply['__proto__']).toBe('polluted');
    expect(reply['constructor']).toBe('x');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(prototypeNames);
    expect(typeof ({} as { constructor: unknown }).constructor).toBe('function');
  });

  it('decodes values as UTF-8 and accepts a Uint8Array view', () => {
    const bytes = new Uint8Array(Buffer.from('xxname\tvalé\n'));
    expect({ ...parseInfoReply(bytes.subarray(2)) }).toEqual({ name: 'valé' });
  });
});
