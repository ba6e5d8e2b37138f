import { inflateSync } from 'node:zlib';
import { AdminField, Info3, OpType, ParticleType } from '../../lib/protocol/constants';
import { findAdminTerminal } from '../../lib/protocol/admin';
import { findAsMsgLast } from '../../lib/protocol/as-msg';
import { parseInfoReply } from '../../lib/protocol/info';
import {
  adminFrame,
  adminRecord,
  asMsgFrame,
  asMsgRecord,
  compressedFrame,
  infoReplyFrame,
  lastRecord,
  queryEndFrame,
  u32,
} from '../../lib/testing/frame-builders';

const hex = (s: string): string => s.replace(/\s+/g, '');
const zeros = (n: number): string => '00'.repeat(n);

// Pure byte builders: no observable here, so this file has no unsubscription case.
describe('frame builders (protocol.md §8 vectors)', () => {
  it('builds the V1 info reply frame, which parses back to the record', () => {
    const record = { node: 'BB9020011AC4202', build: '8.0.0.1', features: '' };
    const frame = infoReplyFrame(record);
    expect(frame.subarray(0, 8).toString('hex')).toBe('020100000000002d');
    expect(frame.subarray(8).toString('utf8')).toBe('node\tBB9020011AC4202\nbuild\t8.0.0.1\nfeatures\t\n');
    expect({ ...parseInfoReply(frame.subarray(8)) }).toEqual(record);
  });

  it('builds the V4 AS_MSG LAST frame, with the result code at frame byte 13', () => {
    expect(asMsgFrame(lastRecord()).toString('hex')).toBe(hex('02 03 00 00 00 00 00 16 16 00 00 01 00 00') + zeros(16));
    expect(asMsgFrame(lastRecord(4))[13]).toBe(4);
  });

  it('builds the V4 admin QUERY_END frame and the rc 74 admin error frame', () => {
    expect(queryEndFrame().toString('hex')).toBe(hex('02 02 00 00 00 00 00 10 00 32 00 00') + zeros(12));
    expect(adminFrame(adminRecord({ resultCode: 74, command: 16 })).toString('hex')).toBe(
      hex('02 02 00 00 00 00 00 10 00 4a 10 00') + zeros(12),
    );
  });

  it('builds the V2 "not found" and "found" single-record replies', () => {
    expect(asMsgFrame(asMsgRecord({ resultCode: 2 })).toString('hex')).toBe(hex('02 03 00 00 00 00 00 16 16 00 00 00 00 02') + zeros(16));
    const found = asMsgRecord({
      generation: 1,
      ops: [{ op: OpType.READ, particleType: ParticleType.STRING, name: 'bin1', value: 'value1' }],
    });
    expect(asMsgFrame(found).toString('hex')).toBe(
      hex(
        '02 03 00 00 00 00 00 28 16 00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 01' +
          '00 00 00 0e 01 03 00 04 62 69 6e 31 76 61 6c 75 65 31',
      ),
    );
  });

  it('encodes fields as u32 size (data + 1), type, data, as in the V2 request', () => {
    const record = asMsgRecord({ info1: 0x03, transactionTtl: 1000, fields: [{ type: 0, data: 'test' }, { type: 1, data: 'demo' }] });
    expect(record.subarray(0, 22).toString('hex')).toBe(hex('16 03 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 e8 00 02 00 00'));
    expect(record.subarray(22).toString('hex')).toBe(hex('00 00 00 05 00 74 65 73 74  00 00 00 05 01 64 65 6d 6f'));
  });

  it('defaults op particle types from the value: string, bytes, integer', () => {
    const record = asMsgRecord({ ops: [{ op: OpType.WRITE, name: 'n', value: 7 }, { op: OpType.WRITE, name: 'b', value: Buffer.from([9]) }] });
    expect(record.subarray(22).toString('hex')).toBe(hex('00 00 00 0d 02 01 00 01 6e 00 00 00 00 00 00 00 07  00 00 00 06 02 04 00 01 62 09'));
  });

  it('builds the V5 login success reply with token "tok" and TTL 86400', () => {
    const frame = adminFrame(
      adminRecord({ fields: [{ type: AdminField.SESSION_TOKEN, data: 'tok' }, { type: AdminField.SESSION_TTL, data: u32(86400) }] }),
    );
    expect(frame.toString('hex')).toBe(
      hex('02 02 00 00 00 00 00 21 00 00 00 02') + zeros(12) + hex('00 00 00 04 05 74 6f 6b 00 00 00 05 06 00 01 51 80'),
    );
  });

  it('builds frames whose terminal record the protocol walkers find, even when LAST is not first', () => {
    const body = asMsgFrame([asMsgRecord({ generation: 3 }), lastRecord(0)]).subarray(8);
    expect(findAsMsgLast(body)).toEqual({ offset: 22, resultCode: 0 });
    expect((body[3]! & Info3.LAST) === 0).toBeTrue();
    expect(findAdminTerminal(queryEndFrame().subarray(8))).toEqual({ offset: 0, resultCode: 50 });
  });

  it('wraps a whole frame as a type-4 envelope that inflates back to it (V6 layout)', () => {
    const plain = asMsgFrame(asMsgRecord({ ops: [{ op: OpType.WRITE, name: 'bin1', value: 'a'.repeat(200) }] }));
    const envelope = compressedFrame(plain);
    expect(envelope[0]).toBe(2);
    expect(envelope[1]).toBe(4);
    expect(envelope.readUIntBE(2, 6)).toBe(envelope.length - 8);
    expect(envelope.readBigUInt64BE(8)).toBe(BigInt(plain.length));
    expect(inflateSync(envelope.subarray(16)).equals(plain)).toBeTrue();
  });

  it('rejects header values that do not fit a byte, naming the field', () => {
    expect(() => asMsgRecord({ resultCode: 256 })).toThrowError(RangeError, /resultCode/);
    expect(() => adminRecord({ command: -1 })).toThrowError(RangeError, /command/);
  });
});
