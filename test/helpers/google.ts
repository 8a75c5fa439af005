import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { GoogleConfig } from '../../src/config.js';

export const GOOGLE_CLIENT_ID = 'opsgraph-test.apps.googleusercontent.com';
export const GOOGLE_ISSUER = 'https://accounts.google.com';

export type SigningKey = { kid: string; privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK };

export async function signingKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  return { kid, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export type TokenOptions = {
  key?: SigningKey;
  issuer?: string;
  audience?: string;
  /** Seconds from now. */
  issuedAt?: number;
  expiresIn?: number;
  notBefore?: number;
};

/**
 * Google's side of Sign in with Google, on 127.0.0.1: a JSON Web Key Set served over HTTP (what
 * GOOGLE_JWKS_URL names) and the ID tokens its keys sign.
 */
export async function startGoogle() {
  let published = [await signingKey()];
  let fetches = 0;
  const server = createServer((_request, response) => {
    fetches += 1;
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=20000' });
    response.end(JSON.stringify({ keys: published.map((key) => key.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/v3/certs`;
  return {
    jwksUrl,
    /** How many times the key set was fetched. */
    get fetches() {
      return fetches;
    },
    get key() {
      return published[0]!;
    },
    /** The app's configuration: without a cooldown, so a token naming a new key refetches at once. */
    config(overrides: Partial<GoogleConfig> = {}): GoogleConfig {
      return {
        clientIds: ['another-client.apps.googleusercontent.com', GOOGLE_CLIENT_ID],
        jwksUrl,
        issuers: ['accounts.google.com', GOOGLE_ISSUER],
        jwksCooldownMs: 0,
        jwksTimeoutMs: 2_000,
        ...overrides,
      };
    },
    /** Publishes a new key in place of the current one, and returns both. */
    async rotate() {
      const old = published[0]!;
      const next = await signingKey();
      published = [next];
      return { old, next };
    },
    /** An ID token as Google issues one (an hour's lifetime), signed with the current key. */
    sign(claims: JWTPayload, options: TokenOptions = {}) {
      const key = options.key ?? published[0]!;
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ email_verified: true, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .setIssuer(options.issuer ?? GOOGLE_ISSUER)
        .setAudience(options.audience ?? GOOGLE_CLIENT_ID)
        .setIssuedAt(now + (options.issuedAt ?? 0))
        .setExpirationTime(now + (options.issuedAt ?? 0) + (options.expiresIn ?? 3600));
      if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
      return jwt.sign(key.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type Google = Awaited<ReturnType<typeof startGoogle>>;

/** A Google account: its subject (a number, as Google's are) and email. */
export function googleAccount(email: string) {
  return { sub: String(100_000_000_000_000_000_000n + BigInt(Math.floor(Math.random() * 1e15))), email };
}
