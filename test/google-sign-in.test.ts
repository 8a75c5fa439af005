import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportSPKI, SignJWT } from 'jose';
import type { FormattedExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/yoga.js';
import { repoRoot } from './helpers/cli.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import {
  GOOGLE_CLIENT_ID,
  GOOGLE_ISSUER,
  googleAccount,
  signingKey,
  startGoogle,
  type Google,
} from './helpers/google.js';
import { graphql } from './generated/index.js';
import type { LoginWithGoogleMutation } from './generated/graphql.js';
import {
  app as unconfigured,
  data,
  demo,
  execute,
  expectTypename,
  globalId,
  otherOrganisation,
  respond,
} from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let google: Google;
let app: ReturnType<typeof createApp>;

const REFUSED = 'The email or password is incorrect.';
const loginWithGoogle = graphql(/* GraphQL */ `
  mutation GoogleSignIn($idToken: String!) {
    loginWithGoogle(idToken: $idToken) {
      __typename
      ...MutationError
      ... on TooManyAttemptsError {
        retryAfterSeconds
      }
      ... on LoginWithGoogleSuccess {
        tokens {
          accessToken
          refreshToken
        }
      }
    }
  }
`);

beforeAll(async () => {
  people = await demo(database);
  google = await startGoogle();
  app = createApp(testConfig({ trustProxy: 1, google: google.config() }));
});

afterAll(async () => {
  await google?.close();
});

// Each test signs in from addresses of its own, so that one test's failures never throttle another's.
let addresses = 0;
const newAddress = () => `198.51.100.${++addresses}`;

/** loginWithGoogle's answer (its result union), from the given client address. */
async function signIn(idToken: string, address = newAddress(), through = app) {
  const options = { app: through, headers: { 'x-forwarded-for': address } };
  return (await data(loginWithGoogle, { idToken }, options)).loginWithGoogle;
}

/** The tokens of a Google sign-in that must succeed. */
async function signedIn(idToken: string) {
  return expectTypename(await signIn(idToken), 'LoginWithGoogleSuccess').tokens;
}

async function viewer(token: string) {
  const { viewer } = await data(
    graphql(/* GraphQL */ `
      query GoogleViewer {
        viewer {
          id
          email
          googleLinked
        }
      }
    `),
    {},
    { app, token },
  );
  expect(viewer).not.toBeNull();
  return viewer!;
}

let created = 0;
/** A worker of the demo organisation, with no Google account linked unless given one. */
async function person(data: { isActive?: boolean; googleId?: string } = {}) {
  created += 1;
  const user = await database.db.user.create({
    data: {
      organisationId: people.organisationId,
      email: `google-${created}@harbourworks.example`,
      name: `Google Person ${created}`,
      passwordHash: 'x',
      ...data,
    },
  });
  return user;
}

const googleIdOf = async (id: string) =>
  (await database.db.user.findUniqueOrThrow({ where: { id }, select: { googleId: true } })).googleId;
const sessionsOf = (userId: string) => database.db.session.count({ where: { userId } });

describe('loginWithGoogle', () => {
  it('signs in with a good token, and the session it starts answers queries as that user', async () => {
    const user = await person();
    const tokens = await signedIn(await google.sign(googleAccount(user.email)));
    expect(await viewer(tokens.accessToken)).toEqual({
      id: globalId('User', user.id),
      email: user.email,
      googleLinked: true,
    });
    const refreshed = await data(
      graphql(/* GraphQL */ `
        mutation GoogleRefresh($token: String!) {
          refreshSession(refreshToken: $token) {
            __typename
          }
        }
      `),
      { token: tokens.refreshToken },
      { app },
    );
    expect(refreshed.refreshSession.__typename).toBe('RefreshSessionSuccess');
  });

  it('links the Google account to the user with its email the first time (audited), then signs in by the Google account', async () => {
    const user = await person();
    const account = googleAccount(user.email);
    // Any spelling of the email that the account's citext column matches.
    const first = await signIn(await google.sign({ ...account, email: user.email.toUpperCase() }));
    expect(first.__typename).toBe('LoginWithGoogleSuccess');
    expect(await googleIdOf(user.id)).toBe(account.sub);
    const events = await database.db.auditEvent.findMany({ where: { entityId: user.id, action: 'linkGoogle' } });
    expect(events).toEqual([
      expect.objectContaining({
        organisationId: people.organisationId,
        actorId: user.id,
        entityType: 'User',
        after: { googleId: account.sub, email: user.email.toUpperCase() },
      }),
    ]);
    const logins = await database.db.auditEvent.findMany({ where: { actorId: user.id, action: 'login' } });
    expect(logins.map((event) => event.after)).toEqual([expect.objectContaining({ method: 'google' })]);

    // The Google account's email changed since: it is the Google account that signs in.
    const second = await signedIn(await google.sign({ ...account, email: 'renamed@gmail.example' }));
    expect((await viewer(second.accessToken)).id).toBe(globalId('User', user.id));
    expect(await database.db.auditEvent.count({ where: { entityId: user.id, action: 'linkGoogle' } })).toBe(1);
    expect(await sessionsOf(user.id)).toBe(2);
  });

  it('refuses tokens of the wrong audience, issuer or lifetime, saying which, and links nothing', async () => {
    const user = await person();
    const account = googleAccount(user.email);
    const refusals: [string, string][] = [
      [
        await google.sign(account, { audience: 'someone-else.apps.googleusercontent.com' }),
        'The Google ID token was issued to another application.',
      ],
      [
        await google.sign(account, { issuer: 'https://accounts.example.com' }),
        'The Google ID token was not issued by Google.',
      ],
      [
        await google.sign(account, { issuedAt: -7200, expiresIn: 3600 }),
        'The Google ID token has expired: sign in with Google again.',
      ],
      // Past its expiry by more than the clock tolerance of a minute.
      [
        await google.sign(account, { issuedAt: -3700, expiresIn: 3600 }),
        'The Google ID token has expired: sign in with Google again.',
      ],
      [
        await google.sign(account, { notBefore: 600 }),
        "The Google ID token is not valid yet: check the device's clock.",
      ],
      [
        await google.sign(account, { issuedAt: 600 }),
        "The Google ID token is not valid yet: check the device's clock.",
      ],
      [await google.sign({ sub: account.sub }), 'The Google ID token has no "email" claim.'],
    ];
    for (const [token, message] of refusals) {
      expect(await signIn(token)).toEqual({ __typename: 'AuthenticationError', message });
    }
    expect(await googleIdOf(user.id)).toBeNull();
    expect(await sessionsOf(user.id)).toBe(0);
    // Within the clock tolerance (a minute), a token just past its expiry still signs in.
    const late = await signIn(await google.sign(account, { issuedAt: -3630, expiresIn: 3600 }));
    expect(late.__typename).toBe('LoginWithGoogleSuccess');
  });

  it('refuses alg none, HS256 keyed with the public key, a foreign key under a known kid, and garbage', async () => {
    const user = await person();
    const account = googleAccount(user.email);
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      ...account,
      email_verified: true,
      iss: GOOGLE_ISSUER,
      aud: GOOGLE_CLIENT_ID,
      iat: now,
      exp: now + 3600,
    };
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const none = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: google.key.kid })
      .sign(new TextEncoder().encode(await exportSPKI(google.key.publicKey)));
    const forged = await google.sign(account, { key: { ...(await signingKey()), kid: google.key.kid } });
    const unknownKey = await google.sign(account, { key: await signingKey() });
    for (const token of [none, confused, forged, unknownKey, 'not.a.token', `${none}x`]) {
      expect(await signIn(token)).toEqual({
        __typename: 'AuthenticationError',
        message: 'The Google ID token is not valid.',
      });
    }
    expect(await googleIdOf(user.id)).toBeNull();
    expect(await sessionsOf(user.id)).toBe(0);
    const empty = await signIn('');
    expect(empty).toMatchObject({ __typename: 'InputValidationError', issues: [{ path: ['idToken'] }] });
  });

  it('requires a verified email', async () => {
    const user = await person();
    for (const verified of [false, 'true', undefined]) {
      const token = await google.sign({ ...googleAccount(user.email), email_verified: verified });
      expect(await signIn(token)).toEqual({
        __typename: 'AuthenticationError',
        message: "The Google account's email address is not verified.",
      });
    }
    expect(await googleIdOf(user.id)).toBeNull();
  });

  it('refuses a Google account no user has with the message of a wrong password, and creates nothing', async () => {
    const wrongPassword = await data(
      graphql(/* GraphQL */ `
        mutation GoogleWrongPassword {
          login(input: { email: "ada@harbourworks.example", password: "not the password" }) {
            ... on Error {
              message
            }
          }
        }
      `),
      {},
      { app, headers: { 'x-forwarded-for': newAddress() } },
    );
    expect(wrongPassword.login).toEqual({ message: REFUSED });
    const [users, sessions, events] = await Promise.all([
      database.db.user.count(),
      database.db.session.count(),
      database.db.auditEvent.count(),
    ]);
    const result = await signIn(await google.sign(googleAccount('nobody@gmail.example')));
    expect(result).toEqual({ __typename: 'AuthenticationError', message: REFUSED });
    expect(
      await Promise.all([database.db.user.count(), database.db.session.count(), database.db.auditEvent.count()]),
    ).toEqual([users, sessions, events]);
  });

  it('refuses a deactivated user, linked or not', async () => {
    const linked = googleAccount('linked-deactivated@gmail.example');
    const deactivatedLinked = await person({ isActive: false, googleId: linked.sub });
    const deactivated = await person({ isActive: false });
    expect(await signIn(await google.sign(linked))).toEqual({ __typename: 'AuthenticationError', message: REFUSED });
    expect(await signIn(await google.sign(googleAccount(deactivated.email)))).toEqual({
      __typename: 'AuthenticationError',
      message: REFUSED,
    });
    expect(await googleIdOf(deactivated.id)).toBeNull();
    expect(await sessionsOf(deactivatedLinked.id)).toBe(0);
  });

  it('refuses a Google account whose email belongs to a user linked to another Google account', async () => {
    const other = googleAccount('first@gmail.example');
    const user = await person({ googleId: other.sub });
    const result = await signIn(await google.sign(googleAccount(user.email)));
    expect(result).toEqual({ __typename: 'AuthenticationError', message: REFUSED });
    expect(await googleIdOf(user.id)).toBe(other.sub);
    expect(await sessionsOf(user.id)).toBe(0);
  });

  it('picks up a rotation of the published keys without a restart, and refuses the removed key', async () => {
    const user = await person();
    const account = googleAccount(user.email);
    expect((await signIn(await google.sign(account))).__typename).toBe('LoginWithGoogleSuccess');
    // The keys fetched are kept.
    const before = google.fetches;
    expect(before).toBeGreaterThan(0);
    expect((await signIn(await google.sign(account))).__typename).toBe('LoginWithGoogleSuccess');
    expect(google.fetches).toBe(before);

    const { old, next } = await google.rotate();
    const rotated = await signIn(await google.sign(account, { key: next }));
    expect(rotated.__typename).toBe('LoginWithGoogleSuccess');
    expect(google.fetches).toBe(before + 1);
    expect(await signIn(await google.sign(account, { key: old }))).toEqual({
      __typename: 'AuthenticationError',
      message: 'The Google ID token is not valid.',
    });
    expect((await signIn(await google.sign(account, { key: next }))).__typename).toBe('LoginWithGoogleSuccess');
  });

  it('throttles a Google account after 5 failures, and an address after 20', async () => {
    const account = googleAccount('throttled@gmail.example');
    const results = [];
    for (let attempt = 0; attempt < 6; attempt++) results.push(await signIn(await google.sign(account)));
    expect(results.map((result) => result.__typename)).toEqual([
      ...Array(5).fill('AuthenticationError'),
      'TooManyAttemptsError',
    ]);
    const throttled = expectTypename(results[5], 'TooManyAttemptsError');
    expect(throttled.message).toMatch(/^Too many failed Google sign-in attempts: try again in 15 minutes\.$/);
    expect(throttled.retryAfterSeconds).toBeGreaterThan(800);

    const address = newAddress();
    const invalid = [];
    for (let attempt = 0; attempt < 20; attempt++) invalid.push(await signIn('not.a.token', address));
    expect(new Set(invalid.map((result) => result.__typename))).toEqual(new Set(['AuthenticationError']));
    const user = await person();
    const good = await signIn(await google.sign(googleAccount(user.email)), address);
    expect(good.__typename).toBe('TooManyAttemptsError');
    expect(await googleIdOf(user.id)).toBeNull();
    expect((await signIn(await google.sign(googleAccount(user.email)))).__typename).toBe('LoginWithGoogleSuccess');
  });

  it('answers a retryable GOOGLE_KEYS_UNAVAILABLE while the keys cannot be fetched, and signs in with keys it holds', async () => {
    const user = await person();
    const down = await startGoogle();
    const through = createApp(testConfig({ trustProxy: 1, google: down.config() }));
    const account = googleAccount(user.email);
    expect((await signIn(await down.sign(account), newAddress(), through)).__typename).toBe('LoginWithGoogleSuccess');
    await down.close();
    // The keys it holds still verify; a token naming a key it does not hold needs a fetch.
    expect((await signIn(await down.sign(account), newAddress(), through)).__typename).toBe('LoginWithGoogleSuccess');
    const { next } = await down.rotate();
    const address = newAddress();
    const answer = await respond(
      loginWithGoogle,
      { idToken: await down.sign(account, { key: next }) },
      { app: through, headers: { 'x-forwarded-for': address } },
    );
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('5');
    expect(answer.result.errors).toEqual([
      expect.objectContaining({
        message: "Google's signing keys cannot be fetched right now; nothing was changed. Retry in a moment.",
        extensions: { code: 'GOOGLE_KEYS_UNAVAILABLE', retryable: true },
      }),
    ]);
    expect(await database.db.passwordThrottle.count({ where: { key: `address:${address}` } })).toBe(0);

    // An instance started while the keys cannot be fetched has none to fall back on.
    const started = createApp(testConfig({ google: down.config() }));
    const first = await execute(loginWithGoogle, { idToken: await down.sign(account) }, { app: started });
    expect(first.errors?.[0]?.extensions?.code).toBe('GOOGLE_KEYS_UNAVAILABLE');
  });

  it('answers GOOGLE_SIGN_IN_NOT_CONFIGURED where no Google client id is configured', async () => {
    const answer = await execute(
      loginWithGoogle,
      { idToken: await google.sign(googleAccount('x@gmail.example')) },
      { app: unconfigured },
    );
    expect(answer.errors).toEqual([
      expect.objectContaining({
        message: 'Sign in with Google is not configured on this server: sign in with email and password.',
        extensions: { code: 'GOOGLE_SIGN_IN_NOT_CONFIGURED' },
      }),
    ]);
  });

  it('runs the LoginWithGoogle example operation of operations/auth.graphql', async () => {
    const user = await person();
    const source = await readFile(join(repoRoot, 'operations/auth.graphql'), 'utf8');
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': newAddress() },
      body: JSON.stringify({
        query: source,
        operationName: 'LoginWithGoogle',
        variables: { idToken: await google.sign(googleAccount(user.email)) },
      }),
    });
    const answer = (await response.json()) as FormattedExecutionResult<LoginWithGoogleMutation>;
    const { tokens } = expectTypename(answer.data?.loginWithGoogle, 'LoginWithGoogleSuccess');
    expect(tokens.accessToken).toMatch(/^ey/);
  });
});

describe("a user's Google link", () => {
  const unlink = graphql(/* GraphQL */ `
    mutation GoogleUnlink($id: ID!) {
      unlinkGoogle(userId: $id) {
        __typename
        ...MutationError
        ... on UnlinkGoogleSuccess {
          user {
            googleLinked
          }
        }
      }
    }
  `);

  it('is unlinked by an admin (audited, sessions kept); the next Google sign-in by email links again', async () => {
    const user = await person();
    const first = googleAccount(user.email);
    const tokens = await signedIn(await google.sign(first));

    const unlinked = await data(unlink, { id: globalId('User', user.id) }, { as: people.admin });
    expect(unlinked.unlinkGoogle).toEqual({ __typename: 'UnlinkGoogleSuccess', user: { googleLinked: false } });
    expect(await googleIdOf(user.id)).toBeNull();
    const events = await database.db.auditEvent.findMany({ where: { entityId: user.id, action: 'unlinkGoogle' } });
    expect(events).toEqual([
      expect.objectContaining({ actorId: people.admin, before: { googleId: first.sub }, after: { changed: true } }),
    ]);
    // Unlinking revokes nothing: the session Google started goes on.
    expect((await viewer(tokens.accessToken)).googleLinked).toBe(false);
    // The old Google account is no longer the user's; a new one with the user's email links.
    const second = googleAccount(user.email);
    expect((await signIn(await google.sign(second))).__typename).toBe('LoginWithGoogleSuccess');
    expect(await googleIdOf(user.id)).toBe(second.sub);
    // Unlinking a user with no link changes nothing.
    await data(unlink, { id: globalId('User', user.id) }, { as: people.admin });
    const again = await data(unlink, { id: globalId('User', user.id) }, { as: people.admin });
    expect(again.unlinkGoogle).toEqual({ __typename: 'UnlinkGoogleSuccess', user: { googleLinked: false } });
    expect(
      (await database.db.auditEvent.findMany({ where: { entityId: user.id, action: 'unlinkGoogle' } })).map(
        (event) => event.after,
      ),
    ).toEqual([{ changed: true }, { changed: true }, { changed: false }]);
  });

  it("cannot be unlinked by another organisation's admin, nor seen by a colleague", async () => {
    const rival = await otherOrganisation(database);
    const account = googleAccount('linked-colleague@gmail.example');
    const user = await person({ googleId: account.sub });
    const result = await data(unlink, { id: globalId('User', user.id) }, { as: rival.admin });
    expect(result.unlinkGoogle).toMatchObject({ __typename: 'NotFoundError' });
    expect(await googleIdOf(user.id)).toBe(account.sub);

    const read = graphql(/* GraphQL */ `
      query GoogleLinked($id: ID!) {
        node(id: $id) {
          ... on User {
            email
            googleLinked
          }
        }
      }
    `);
    const byManager = await execute(read, { id: globalId('User', user.id) }, { as: people.manager });
    expect(byManager.data?.node).toEqual({ email: user.email, googleLinked: null });
    expect(byManager.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    const byAdmin = await data(read, { id: globalId('User', user.id) }, { as: people.admin });
    expect(byAdmin.node).toEqual({ email: user.email, googleLinked: true });
  });
});
