// The LOGIN / AUTHENTICATE frames hold a bcrypt credential, an LDAP clear password or a session token:
// login-flow wipes each one when its round trip ends, whether a reply came, the server refused, the
// read failed or the caller left.
import { firstValueFrom, of, Subject, throwError, type Observable } from 'rxjs';
import { AerospikeError } from '../../lib/errors';
import { connectLogin$, singleLogin$, type LoginOutcome, type LoginRoundTrip } from '../../lib/net/login-flow';
import type { LoginOptions } from '../../lib/node-transport';
import { hashPassword } from '../../lib/protocol/password-hash';

const PASSWORD = 'pa55-login-flow';
const CREDENTIAL = Buffer.from(hashPassword(PASSWORD));
const TOKEN = Buffer.from('token-7f3a-login-flow');
const OK: LoginOutcome = { reply: { kind: 'ok_no_token' } };
const EXPIRED: LoginOutcome = { refused: AerospikeError.fromResultCode(66, 'authenticate') };

/** A round trip that records each frame it is given (and a copy of its bytes as sent), then answers with `answers`. */
function recording(...answers: (() => Observable<LoginOutcome>)[]): { roundTrip: LoginRoundTrip; sent: Buffer[]; asSent: Buffer[] } {
  const sent: Buffer[] = [];
  const asSent: Buffer[] = [];
  const roundTrip: LoginRoundTrip = (frame) => {
    sent.push(frame);
    asSent.push(Buffer.from(frame));
    return answers[sent.length - 1]!();
  };
  return { roundTrip, sent, asSent };
}

const wiped = (frame: Buffer): boolean => frame.every((b) => b === 0);

describe('login flow', () => {
  it('wipes the password LOGIN frame, which carried the credential, once the reply came', async () => {
    const r = recording(() => of(OK));
    await firstValueFrom(connectLogin$({ user: 'ada', password: PASSWORD }, r.roundTrip));
    expect(r.asSent[0]!.includes(CREDENTIAL)).toBeTrue();
    expect(wiped(r.sent[0]!)).toBeTrue();
  });

  it('wipes the external LOGIN frame, which carried the clear password, once the reply came', async () => {
    const r = recording(() => of(OK));
    await firstValueFrom(singleLogin$({ user: 'ada', password: PASSWORD, authMode: 'external' } as LoginOptions, r.roundTrip));
    expect(r.asSent[0]!.includes(Buffer.from(PASSWORD))).toBeTrue();
    expect(wiped(r.sent[0]!)).toBeTrue();
  });

  it('wipes the AUTHENTICATE frame, which carried the token, and the fallback LOGIN after an expired session', async () => {
    const r = recording(() => of(EXPIRED), () => of(OK));
    await firstValueFrom(connectLogin$({ user: 'ada', password: PASSWORD, sessionToken: TOKEN }, r.roundTrip));
    expect(r.sent.length).toBe(2);
    expect(r.asSent[0]!.includes(TOKEN)).toBeTrue();
    expect(r.asSent[1]!.includes(CREDENTIAL)).toBeTrue();
    expect(r.sent.every(wiped)).toBeTrue();
  });

  it('wipes the frame when the round trip fails', async () => {
    const r = recording(() => throwError(() => new AerospikeError('timeout', 'login timed out')));
    await expectAsync(firstValueFrom(singleLogin$({ user: 'ada', sessionToken: TOKEN }, r.roundTrip))).toBeRejectedWith(jasmine.objectContaining({ code: 'timeout' }));
    expect(r.asSent[0]!.includes(TOKEN)).toBeTrue();
    expect(wiped(r.sent[0]!)).toBeTrue();
  });

  it('keeps the frame intact while its round trip runs, and wipes it when the caller leaves', () => {
    const reply = new Subject<LoginOutcome>();
    const r = recording(() => reply);
    const sub = connectLogin$({ user: 'ada', password: PASSWORD }, r.roundTrip).subscribe();
    expect(r.sent[0]!.equals(r.asSent[0]!)).toBeTrue();
    sub.unsubscribe();
    expect(wiped(r.sent[0]!)).toBeTrue();
  });
});
