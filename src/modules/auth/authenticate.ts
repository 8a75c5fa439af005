import type { IncomingMessage } from 'node:http';
import type { Context, Viewer } from '../../context.js';
import { system } from '../../db.js';
import { unauthenticated } from '../../lib/errors.js';
import { tenantOf } from '../../lib/tenancy.js';
import type { GoogleIdTokens } from './google-id-token.js';
import { InvalidTokenError, verifyAccessToken } from '../../lib/tokens.js';
import { sessionCache } from './session-cache.js';

/**
 * The viewer a bearer token speaks for, checked against the database, and when the token expires:
 * a revoked or expired session, a deactivated user, or a role or password change since the token
 * was issued end its use on every instance, at once where the change was made and as soon as the
 * others hear of it (session-cache.ts). A subscription asks again when it hears of such a change.
 */
export async function authenticate(token: string): Promise<{ viewer: Viewer; expiresAt: Date }> {
  let claims;
  try {
    claims = await verifyAccessToken(token);
  } catch (error) {
    if (error instanceof InvalidTokenError) throw unauthenticated(error.message);
    throw error;
  }
  const session = await sessionCache.check(`${claims.userId}:${claims.sessionId}`, () =>
    // On the primary: a replica may not have the session yet, or may still have a revoked one. The
    // session is found before its organisation is known: no tenant's query.
    system.session.findFirst({
      where: { id: claims.sessionId, userId: claims.userId, revokedAt: null, expiresAt: { gt: new Date() } },
      select: {
        expiresAt: true,
        user: {
          select: {
            id: true,
            organisationId: true,
            isActive: true,
            credentialsChangedAt: true,
            roles: { select: { role: { select: { name: true } } } },
          },
        },
      },
    }),
  );
  const user = session?.user;
  if (!user || !user.isActive) throw unauthenticated('The session has ended: sign in again.');
  if (user.credentialsChangedAt.getTime() !== claims.credentialsVersion) {
    throw unauthenticated('Your roles or password changed since this token was issued: refresh the session.');
  }
  return {
    viewer: {
      id: user.id,
      organisationId: user.organisationId,
      sessionId: claims.sessionId,
      roles: user.roles.map(({ role }) => role.name),
    },
    expiresAt: claims.expiresAt,
  };
}

type SignedIn = { viewer: Viewer; credential: NonNullable<Context['credential']> };
const signedIn = new WeakMap<Request, Promise<SignedIn | null>>();

/**
 * Who a request's bearer token speaks for (null without Authorization), checked once per request:
 * the trusted-documents check and the request's context share the answer.
 */
function requestSignedIn(request: Request): Promise<SignedIn | null> {
  let known = signedIn.get(request);
  if (!known) {
    const authorization = request.headers.get('authorization');
    const [scheme, token] = authorization?.split(' ') ?? [];
    known = !authorization
      ? Promise.resolve(null)
      : scheme?.toLowerCase() !== 'bearer' || !token
        ? Promise.reject(unauthenticated('Send the access token as "Authorization: Bearer <token>".'))
        : authenticate(token).then(({ viewer, expiresAt }) => ({ viewer, credential: { token, expiresAt } }));
    signedIn.set(request, known);
  }
  return known;
}

export async function requestViewer(request: Request): Promise<Viewer | null> {
  return (await requestSignedIn(request))?.viewer ?? null;
}

/**
 * Each trusted proxy appends the address it was reached from to X-Forwarded-For, and anything to
 * its left may be forged: the client is the address the outermost trusted proxy saw.
 */
function clientAddress(request: Request, req: IncomingMessage | undefined, trustedProxies: number): string {
  const forwarded =
    trustedProxies > 0
      ? request.headers
          .get('x-forwarded-for')
          ?.split(',')
          .map((entry) => entry.trim())
          .filter(Boolean)
      : undefined;
  const seen = forwarded?.at(-Math.min(trustedProxies, forwarded.length));
  return seen || req?.socket.remoteAddress || 'unknown';
}

export async function createContext(
  { request, req }: { request: Request; req?: IncomingMessage },
  { trustProxy }: { trustProxy: number },
  google: GoogleIdTokens | null,
): Promise<Context> {
  const known = await requestSignedIn(request);
  const viewer = known?.viewer ?? null;
  const credential = known?.credential ?? null;
  return {
    viewer,
    credential,
    tenant: viewer ? tenantOf(viewer) : null,
    client: { ip: clientAddress(request, req, trustProxy), userAgent: request.headers.get('user-agent') },
    google,
  };
}
