import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { GoogleConfig } from '../../config.js';
import { googleKeysUnavailable } from '../../lib/errors.js';

/** Who a verified Google ID token speaks for: the Google account (subject) and its email. */
export type GoogleIdentity = { subject: string; email: string; emailVerified: boolean };

/** Checks Google ID tokens against the keys Google publishes. */
export type GoogleIdTokens = { verify(idToken: string): Promise<GoogleIdentity> };

/** The token itself is not acceptable (signature, issuer, audience, lifetime, claims). */
export class InvalidGoogleTokenError extends Error {
  override name = 'InvalidGoogleTokenError';
}

class KeysUnavailable extends Error {
  override name = 'KeysUnavailable';
}

// Google signs its ID tokens with RS256; any other algorithm (none, or HS256 keyed with a public
// key) is refused before a key is even looked up.
const ALGORITHMS = ['RS256'];
const CLOCK_TOLERANCE_SECONDS = 60;
// Google's ID tokens last an hour: this also refuses a token issued in the future.
const MAX_TOKEN_AGE = '1h';
const SUBJECT = /^[\x21-\x7e]{1,255}$/;
const EMAIL = /^[^\p{Cc}@]{1,64}@[^\p{Cc}@]{1,189}$/u;

function refusal(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return 'The Google ID token has expired: sign in with Google again.';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') return `The Google ID token has no "${error.claim}" claim.`;
    if (error.claim === 'aud') return 'The Google ID token was issued to another application.';
    if (error.claim === 'iss') return 'The Google ID token was not issued by Google.';
    if (error.claim === 'nbf' || error.claim === 'iat') {
      return "The Google ID token is not valid yet: check the device's clock.";
    }
  }
  return 'The Google ID token is not valid.';
}

/**
 * The verifier of one app: Google's keys are fetched when first needed and kept (jose's
 * createRemoteJWKSet), fetched again when they grow stale, and when a token names a key not among
 * them, at most once per cooldown: that is how a rotation of Google's keys is picked up.
 */
export function googleIdTokens(config: GoogleConfig): GoogleIdTokens {
  const keys = createRemoteJWKSet(new URL(config.jwksUrl), {
    cooldownDuration: config.jwksCooldownMs,
    timeoutDuration: config.jwksTimeoutMs,
  });
  const key: JWTVerifyGetKey = async (header, token) => {
    try {
      return await keys(header, token);
    } catch (error) {
      // A key the published set does not hold is the token's fault; anything else is the fetch's.
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
      throw new KeysUnavailable('the keys could not be fetched', { cause: error });
    }
  };
  return {
    async verify(idToken) {
      let payload;
      try {
        ({ payload } = await jwtVerify(idToken, key, {
          algorithms: ALGORITHMS,
          issuer: config.issuers,
          audience: config.clientIds,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          maxTokenAge: MAX_TOKEN_AGE,
          requiredClaims: ['sub', 'email', 'exp'],
        }));
      } catch (error) {
        if (error instanceof KeysUnavailable) throw googleKeysUnavailable();
        if (error instanceof errors.JOSEError) throw new InvalidGoogleTokenError(refusal(error));
        throw error;
      }
      const { sub, email, email_verified: emailVerified } = payload;
      if (typeof sub !== 'string' || !SUBJECT.test(sub) || typeof email !== 'string' || !EMAIL.test(email)) {
        throw new InvalidGoogleTokenError('The Google ID token is not valid.');
      }
      return { subject: sub, email, emailVerified: emailVerified === true };
    },
  };
}
