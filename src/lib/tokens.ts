import { createHash, randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { AuthConfig } from '../config.js';
import { UUID } from './validation.js';

const ALGORITHMS = ['HS256'];

export type AccessClaims = {
  userId: string;
  sessionId: string;
  /** The user's credentialsChangedAt when the token was issued, in ms: a later change voids it. */
  credentialsVersion: number;
};

/** What a verified access token says: its claims, and when it stops being accepted. */
export type VerifiedAccess = AccessClaims & { expiresAt: Date };

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

let settings: (AuthConfig & { key: Promise<CryptoKey> }) | undefined;

/**
 * Access tokens already verified, to their claims and expiry (s). The same string always verifies
 * the same way, so a hit skips only the HMAC; expiry is still checked on every use.
 */
const verified = new Map<string, { claims: AccessClaims; exp: number }>();
const VERIFIED_CACHE_SIZE = 10_000;

/** Sets the keys and lifetimes tokens are issued and checked with, once at start. */
export function configureTokens(auth: AuthConfig): void {
  // Imported once: handing jose the raw bytes would import the key again at every request.
  const key = crypto.subtle.importKey('raw', new Uint8Array(auth.secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
  settings = { ...auth, key };
  verified.clear();
}

function auth() {
  if (!settings) throw new Error('configureTokens must run before tokens are issued or checked');
  return settings;
}

export async function signAccessToken(claims: AccessClaims): Promise<{ token: string; expiresAt: Date }> {
  const { key, issuer, audience, accessTokenTtlSeconds } = auth();
  const expiresAt = new Date(Date.now() + accessTokenTtlSeconds * 1000);
  const token = await new SignJWT({ sid: claims.sessionId, ver: claims.credentialsVersion })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
    .setSubject(claims.userId)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(await key);
  return { token, expiresAt };
}

/** Checks signature (HS256 only), issuer, audience, expiry and the claims this API needs. */
export async function verifyAccessToken(token: string): Promise<VerifiedAccess> {
  const known = verified.get(token);
  if (known && known.exp > Date.now() / 1000) return { ...known.claims, expiresAt: new Date(known.exp * 1000) };
  const { key, issuer, audience } = auth();
  try {
    const { payload, protectedHeader } = await jwtVerify(token, await key, {
      algorithms: ALGORITHMS,
      issuer,
      audience,
      typ: 'at+jwt',
      requiredClaims: ['sub', 'exp', 'iat', 'sid', 'ver'],
    });
    if (protectedHeader.alg !== 'HS256' || typeof payload.sid !== 'string' || typeof payload.ver !== 'number') {
      throw new InvalidTokenError('The access token is malformed.');
    }
    if (!UUID.test(payload.sub!) || !UUID.test(payload.sid))
      throw new InvalidTokenError('The access token is not valid.');
    const claims = { userId: payload.sub!, sessionId: payload.sid, credentialsVersion: payload.ver };
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, { claims, exp: payload.exp! });
    return { ...claims, expiresAt: new Date(payload.exp! * 1000) };
  } catch (error) {
    if (error instanceof InvalidTokenError) throw error;
    if (error instanceof errors.JWTExpired)
      throw new InvalidTokenError('The access token has expired: refresh the session.');
    throw new InvalidTokenError('The access token is not valid.');
  }
}

/** A refresh token: random and opaque. Only its hash is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export function refreshTokenExpiry(from = new Date()): Date {
  return new Date(from.getTime() + auth().refreshTokenTtlSeconds * 1000);
}
