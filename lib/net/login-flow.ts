// Which LOGIN / AUTHENTICATE frames to send, in which order (design §3): connect-time login with the
// expired-token fallback, and the single round trip of login$. The round trip itself is injected,
// so this module holds only the decision logic; bcrypt runs here, on subscribe, never at call time.

import { defer, Observable, of, throwError } from 'rxjs';
import { finalize, mergeMap } from 'rxjs/operators';
import { AerospikeError } from '../errors';
import type { LoginOptions, LoginReply } from '../node-transport';
import { encodeAuthenticateRequest, encodeLoginRequest } from '../protocol/login';
import { hashPassword } from '../protocol/password-hash';

/** A login reply, or the server's refusal as a value (so a fallback can run on the same socket). */
export type LoginOutcome = { readonly reply: LoginReply } | { readonly refused: AerospikeError };

export type LoginRoundTrip = (request: Buffer) => Observable<LoginOutcome>;

/**
 * Sends one LOGIN / AUTHENTICATE frame and wipes it when the round trip ends, however it ends: the
 * frame holds the bcrypt credential, an LDAP clear password or a session token. Once a reply came
 * the frame was written; an error or an unsubscribe destroys the socket, so nothing reads it later.
 */
function send(roundTrip: LoginRoundTrip, frame: Buffer): Observable<LoginOutcome> {
  return roundTrip(frame).pipe(finalize(() => frame.fill(0)));
}

function passwordLogin(opts: LoginOptions): Buffer {
  const credential = hashPassword(opts.password!);
  return encodeLoginRequest({
    user: opts.user!,
    credential,
    ...(opts.authMode === 'external' ? { clearPassword: opts.password! } : {}),
  });
}

function authenticate(opts: LoginOptions): Buffer {
  return encodeAuthenticateRequest({ ...(opts.authMode === 'pki' ? {} : { user: opts.user! }), token: opts.sessionToken! });
}

/** One LOGIN or AUTHENTICATE round trip with no fallback: token → AUTHENTICATE, PKI → empty LOGIN, else password LOGIN. */
export function singleLogin$(opts: LoginOptions, roundTrip: LoginRoundTrip): Observable<LoginOutcome> {
  return defer(() => {
    if (opts.sessionToken !== undefined) return send(roundTrip, authenticate(opts));
    if (opts.authMode === 'pki') return send(roundTrip, encodeLoginRequest({}));
    return send(roundTrip, passwordLogin(opts));
  });
}

/**
 * Connect-time login: PKI + token → AUTHENTICATE, then an empty LOGIN on expired_session; PKI →
 * empty LOGIN; user + token → AUTHENTICATE, then a password LOGIN on expired_session when a
 * password is known; user + password → LOGIN. Result 52 (security not enabled) is success.
 */
export function connectLogin$(opts: LoginOptions, roundTrip: LoginRoundTrip): Observable<LoginReply> {
  const settle = (outcome: LoginOutcome): Observable<LoginReply> =>
    'reply' in outcome ? of(outcome.reply) : throwError(() => outcome.refused);
  const fallback = (outcome: LoginOutcome, next: () => Buffer): Observable<LoginReply> =>
    'refused' in outcome && outcome.refused.code === 'expired_session'
      ? defer(() => send(roundTrip, next())).pipe(mergeMap(settle))
      : settle(outcome);

  return defer(() => {
    if (opts.sessionToken !== undefined) {
      const canFallBack = opts.authMode === 'pki' || opts.password !== undefined;
      return send(roundTrip, authenticate(opts)).pipe(
        mergeMap((outcome) =>
          canFallBack ? fallback(outcome, () => (opts.authMode === 'pki' ? encodeLoginRequest({}) : passwordLogin(opts))) : settle(outcome),
        ),
      );
    }
    if (opts.authMode === 'pki') return send(roundTrip, encodeLoginRequest({})).pipe(mergeMap(settle));
    return send(roundTrip, passwordLogin(opts)).pipe(mergeMap(settle));
  });
}
