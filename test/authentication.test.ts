import { SignJWT, base64url } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { DECOY_HASH, hashPassword, verifyPassword } from '../src/lib/passwords.js';
import { createApp } from '../src/yoga.js';
import { testConfig } from './helpers/config.js';
import { graphql } from './generated/index.js';
import type { CreateUserInput } from './generated/graphql.js';
import { useTestDatabase } from './helpers/database.js';
import { app, bearer, data, demo, execute, expectTypename } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;

beforeAll(async () => {
  people = await demo(database);
});

const PASSWORD = 'opsgraph-demo';
graphql(/* GraphQL */ `
  fragment AuthenticationTokens on SessionTokens {
    accessToken
    refreshToken
    accessTokenExpiresAt
  }
`);

const loginMutation = graphql(/* GraphQL */ `
  mutation AuthenticationLogin($input: LoginInput!) {
    login(input: $input) {
      __typename
      ...MutationError
      ... on TooManyAttemptsError {
        retryAfterSeconds
      }
      ... on LoginSuccess {
        tokens {
          ...AuthenticationTokens
        }
      }
    }
  }
`);

const refreshMutation = graphql(/* GraphQL */ `
  mutation AuthenticationRefresh($token: String!) {
    refreshSession(refreshToken: $token) {
      __typename
      ...MutationError
      ... on RefreshSessionSuccess {
        tokens {
          ...AuthenticationTokens
        }
      }
    }
  }
`);

const viewerEmail = graphql(/* GraphQL */ `
  query AuthenticationViewer {
    viewer {
      email
    }
  }
`);

const createUser = graphql(/* GraphQL */ `
  mutation AuthenticationCreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      __typename
      ...MutationError
      ... on CreateUserSuccess {
        user {
          id
        }
      }
    }
  }
`);

const login = async (email: string, password: string) =>
  (await data(loginMutation, { input: { email, password } })).login;
/** The tokens of a sign-in that must succeed. */
const tokensOf = async (email: string, password = PASSWORD) =>
  expectTypename(await login(email, password), 'LoginSuccess').tokens;
const refresh = async (token: string) => (await data(refreshMutation, { token })).refreshSession;
/** The tokens of a refresh that must succeed. */
const refreshed = async (token: string) => expectTypename(await refresh(token), 'RefreshSessionSuccess').tokens;
const viewerWith = (token: string) => execute(viewerEmail, {}, { token });
const userId = (id: string) => Buffer.from(`User:${id}`).toString('base64');

const changePassword = graphql(/* GraphQL */ `
  mutation AuthenticationChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) {
      __typename
      ...MutationError
      ... on ChangePasswordSuccess {
        tokens {
          accessToken
        }
      }
    }
  }
`);

async function freshUser(email: string) {
  const created = await data(
    createUser,
    { input: { email, name: 'Test Person', password: PASSWORD + '-long', roles: ['WORKER'] } },
    { as: people.admin },
  );
  const { user } = expectTypename(created.createUser, 'CreateUserSuccess');
  return Buffer.from(user.id, 'base64').toString().split(':')[1]!;
}

describe('signing in', () => {
  it('issues an access token and a refresh token for a correct password, case-insensitively on email', async () => {
    const tokens = await tokensOf('ADA@harbourworks.example');
    expect((await viewerWith(tokens.accessToken)).data).toEqual({
      viewer: { email: 'ada@harbourworks.example' },
    });
    const stored = await database.db.session.findMany({ where: { userId: people.admin } });
    expect(JSON.stringify(stored)).not.toContain(tokens.refreshToken);
  });

  it('checks an unknown email against a decoy hash as costly as a real one', async () => {
    const parameters = (hash: string) => hash.split('$').slice(0, 4);
    expect(parameters(DECOY_HASH)).toEqual(parameters(await hashPassword('any password')));
    expect(await verifyPassword(PASSWORD, DECOY_HASH)).toBe(false);
  });

  it('answers a wrong password and an unknown email with the same error', async () => {
    const wrong = await login('marek@harbourworks.example', 'not the password');
    const unknown = await login('nobody@harbourworks.example', 'not the password');
    expect(wrong).toEqual({ __typename: 'AuthenticationError', message: 'The email or password is incorrect.' });
    expect(unknown).toEqual(wrong);
  });

  it('refuses a deactivated user with that same error', async () => {
    const id = await freshUser('leaver@harbourworks.example');
    await database.db.user.update({ where: { id }, data: { isActive: false } });
    expect((await login('leaver@harbourworks.example', PASSWORD + '-long')).__typename).toBe('AuthenticationError');
  });

  it('throttles an account after five failures, even with the right password, and says for how long', async () => {
    await freshUser('target@harbourworks.example');
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await login('target@harbourworks.example', 'guess')).__typename).toBe('AuthenticationError');
    }
    const throttled = await login('target@harbourworks.example', PASSWORD + '-long');
    expect(expectTypename(throttled, 'TooManyAttemptsError').retryAfterSeconds).toBeGreaterThan(800);
  });

  it('throttles logins batched in one document through aliases like separate requests', async () => {
    await freshUser('aliased@harbourworks.example');
    const result = await execute(
      graphql(/* GraphQL */ `
        mutation AuthenticationEightGuesses {
          a0: login(input: { email: "aliased@harbourworks.example", password: "guess 0" }) {
            __typename
          }
          a1: login(input: { email: "aliased@harbourworks.example", password: "guess 1" }) {
            __typename
          }
          a2: login(input: { email: "aliased@harbourworks.example", password: "guess 2" }) {
            __typename
          }
          a3: login(input: { email: "aliased@harbourworks.example", password: "guess 3" }) {
            __typename
          }
          a4: login(input: { email: "aliased@harbourworks.example", password: "guess 4" }) {
            __typename
          }
          a5: login(input: { email: "aliased@harbourworks.example", password: "guess 5" }) {
            __typename
          }
          a6: login(input: { email: "aliased@harbourworks.example", password: "guess 6" }) {
            __typename
          }
          a7: login(input: { email: "aliased@harbourworks.example", password: "guess 7" }) {
            __typename
          }
        }
      `),
    );
    const outcomes = Object.values(result.data ?? {}).map((value) => value.__typename);
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill('AuthenticationError'));
    expect(outcomes.slice(5)).toEqual(Array(3).fill('TooManyAttemptsError'));
  });

  it('refuses control characters in the email, a NUL byte included, as invalid input', async () => {
    for (const email of [
      'ada\u0000@harbourworks.example',
      'ada@harbourworks.example\u0007',
      'ada\u009b@harbourworks.example',
    ]) {
      expect(await login(email, PASSWORD)).toEqual({
        __typename: 'InputValidationError',
        message: 'The input is not valid: input.email: Email must not contain control characters.',
        issues: [{ path: ['input', 'email'], message: 'Email must not contain control characters.' }],
      });
    }
  });

  it('throttles a client address across accounts', async () => {
    const proxied = createApp(testConfig({ trustProxy: 1 }));
    const attempt = async (email: string) => {
      const options = { app: proxied, headers: { 'x-forwarded-for': '203.0.113.7' } };
      return (await data(loginMutation, { input: { email, password: 'guess' } }, options)).login.__typename;
    };
    const outcomes = [];
    for (let i = 0; i < 21; i++) outcomes.push(await attempt(`spray${i}@harbourworks.example`));
    expect(outcomes.slice(0, 20).every((outcome) => outcome === 'AuthenticationError')).toBe(true);
    expect(outcomes[20]).toBe('TooManyAttemptsError');
  });
});

describe('refresh tokens', () => {
  it('rotate: each works once, and the new pair works', async () => {
    const first = await tokensOf('esi@harbourworks.example');
    const second = await refreshed(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await viewerWith(second.accessToken)).data).toEqual({ viewer: { email: 'esi@harbourworks.example' } });
    expect((await refresh(second.refreshToken)).__typename).toBe('RefreshSessionSuccess');
  });

  it('exactly one of two simultaneous refreshes with one token wins', async () => {
    const tokens = await tokensOf('esi@harbourworks.example');
    const results = await Promise.all([refresh(tokens.refreshToken), refresh(tokens.refreshToken)]);
    expect(results.map((result) => result.__typename).sort()).toEqual(['AuthenticationError', 'RefreshSessionSuccess']);
    const winner = results.find((result) => result.__typename === 'RefreshSessionSuccess');
    expect((await viewerWith(expectTypename(winner, 'RefreshSessionSuccess').tokens.accessToken)).data?.viewer).toEqual(
      { email: 'esi@harbourworks.example' },
    );
  });

  it('a rotated token presented later ends the whole session (reuse detection)', async () => {
    const stolen = await tokensOf('esi@harbourworks.example');
    const legitimate = await refreshed(stolen.refreshToken);
    await database.db.rotatedRefreshToken.updateMany({ data: { rotatedAt: new Date(Date.now() - 60_000) } });
    expect((await refresh(stolen.refreshToken)).__typename).toBe('AuthenticationError');
    expect((await viewerWith(legitimate.accessToken)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await refresh(legitimate.refreshToken)).__typename).toBe('AuthenticationError');
  });

  it('are not access tokens, and access tokens are not refresh tokens', async () => {
    const tokens = await tokensOf('esi@harbourworks.example');
    expect((await viewerWith(tokens.refreshToken)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await refresh(tokens.accessToken)).__typename).toBe('AuthenticationError');
  });
});

describe('ending sessions', () => {
  it('logout ends the current session only; logoutEverywhere ends them all', async () => {
    const a = await tokensOf('marek@harbourworks.example');
    const b = await tokensOf('marek@harbourworks.example');
    const { logout } = await data(
      graphql(/* GraphQL */ `
        mutation AuthenticationLogout {
          logout {
            __typename
            ...MutationError
            ... on LogoutSuccess {
              sessions {
                count
              }
            }
          }
        }
      `),
      {},
      { token: a.accessToken },
    );
    expect(logout).toEqual({ __typename: 'LogoutSuccess', sessions: { count: 1 } });
    expect((await viewerWith(a.accessToken)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await refresh(a.refreshToken)).__typename).toBe('AuthenticationError');
    expect((await viewerWith(b.accessToken)).data?.viewer).toEqual({ email: 'marek@harbourworks.example' });
    await data(
      graphql(/* GraphQL */ `
        mutation AuthenticationLogoutEverywhere {
          logoutEverywhere {
            __typename
          }
        }
      `),
      {},
      { token: b.accessToken },
    );
    expect((await viewerWith(b.accessToken)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("an admin's revocation ends a user's sessions, and lists show only the viewer's own", async () => {
    const id = await freshUser('revoked@harbourworks.example');
    const tokens = await tokensOf('revoked@harbourworks.example', PASSWORD + '-long');
    const own = await data(
      graphql(/* GraphQL */ `
        query AuthenticationOwnSessions {
          viewer {
            sessions(first: 5) {
              edges {
                node {
                  isActive
                }
              }
            }
          }
        }
      `),
      {},
      { token: tokens.accessToken },
    );
    expect(own.viewer?.sessions.edges).toEqual([{ node: { isActive: true } }]);
    const seen = await data(
      graphql(/* GraphQL */ `
        query AuthenticationTheirSessions($id: ID!) {
          node(id: $id) {
            ... on User {
              sessions(first: 5) {
                edges {
                  node {
                    id
                  }
                }
              }
            }
          }
        }
      `),
      { id: userId(id) },
      { as: people.admin },
    );
    expect(seen.node).toEqual({ sessions: { edges: [] } });
    await data(
      graphql(/* GraphQL */ `
        mutation AuthenticationRevokeSessions($id: ID!) {
          revokeUserSessions(userId: $id) {
            __typename
          }
        }
      `),
      { id: userId(id) },
      { as: people.admin },
    );
    expect((await viewerWith(tokens.accessToken)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('tokens issued before a role change or a password change stop working', async () => {
    const id = await freshUser('changing@harbourworks.example');
    const before = await tokensOf('changing@harbourworks.example', PASSWORD + '-long');
    await data(
      graphql(/* GraphQL */ `
        mutation AuthenticationAssignRole($id: ID!) {
          assignRole(userId: $id, role: EMPLOYEE) {
            __typename
          }
        }
      `),
      { id: userId(id) },
      { as: people.admin },
    );
    const stale = await viewerWith(before.accessToken);
    expect(stale.errors?.[0]?.message).toContain('roles or password changed');
    const renewed = await refreshed(before.refreshToken);
    expect((await viewerWith(renewed.accessToken)).data?.viewer).toEqual({ email: 'changing@harbourworks.example' });

    const other = await tokensOf('changing@harbourworks.example', PASSWORD + '-long');
    const changed = await data(
      changePassword,
      { input: { currentPassword: PASSWORD + '-long', newPassword: 'an entirely new passphrase' } },
      { token: renewed.accessToken },
    );
    const { tokens } = expectTypename(changed.changePassword, 'ChangePasswordSuccess');
    expect((await viewerWith(tokens.accessToken)).data?.viewer).toBeTruthy();
    expect((await viewerWith(other.accessToken)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await login('changing@harbourworks.example', PASSWORD + '-long')).__typename).toBe('AuthenticationError');
  });

  it("a deactivated user's still-unexpired token stops working", async () => {
    const id = await freshUser('deactivated@harbourworks.example');
    const token = await bearer(id);
    expect((await viewerWith(token)).data?.viewer).toBeTruthy();
    await data(
      graphql(/* GraphQL */ `
        mutation AuthenticationDeactivate($id: ID!) {
          deactivateUser(id: $id) {
            __typename
          }
        }
      `),
      { id: userId(id) },
      { as: people.admin },
    );
    expect((await viewerWith(token)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('forged access tokens', () => {
  const claims = async () => {
    const session = await database.db.session.create({
      data: {
        userId: people.admin,
        refreshTokenHash: `forged-${Math.random()}`,
        expiresAt: new Date(Date.now() + 3_600_000),
      },
    });
    const user = await database.db.user.findUniqueOrThrow({ where: { id: people.admin } });
    return { sid: session.id, ver: user.credentialsChangedAt.getTime() };
  };
  const sign = async (options: {
    key?: Uint8Array;
    issuer?: string;
    audience?: string;
    expiresIn?: number;
    alg?: string;
  }) => {
    const { sid, ver } = await claims();
    const config = loadConfig();
    return new SignJWT({ sid, ver })
      .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'at+jwt' })
      .setSubject(people.admin)
      .setIssuer(options.issuer ?? config.auth.issuer)
      .setAudience(options.audience ?? config.auth.audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresIn ?? 600))
      .sign(options.key ?? new TextEncoder().encode('x'.repeat(32)));
  };
  const refused = async (token: string) => {
    const result = await viewerWith(token);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  };

  it('refuses a token signed with another key, or re-signed after editing its claims', async () => {
    await refused(await sign({}));
    const genuine = await bearer(people.worker);
    const [header, payload] = genuine.split('.');
    const edited = JSON.parse(new TextDecoder().decode(base64url.decode(payload!))) as Record<string, unknown>;
    edited.sub = people.admin;
    await refused(`${header}.${base64url.encode(JSON.stringify(edited))}.${genuine.split('.')[2]}`);
  });

  it('refuses a token signed with the real key whose subject or session is not a UUID', async () => {
    const { sid, ver } = await claims();
    const config = loadConfig();
    const signed = (subject: string, session: string) =>
      new SignJWT({ sid: session, ver })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .setSubject(subject)
        .setIssuer(config.auth.issuer)
        .setAudience(config.auth.audience)
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
        .sign(config.auth.secret);
    for (const token of [
      await signed('not-a-uuid', sid),
      await signed(people.admin, 'not-a-uuid'),
      await signed(`${people.admin}' OR '1'='1`, sid),
    ]) {
      const result = await viewerWith(token);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(result.errors?.[0]?.message).toBe('The access token is not valid.');
    }
  });

  it('refuses alg none, a wrong audience or issuer, an expired token and garbage', async () => {
    const { sid, ver } = await claims();
    const unsigned = [
      base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' })),
      base64url.encode(
        JSON.stringify({
          sub: people.admin,
          sid,
          ver,
          iss: 'opsgraph',
          aud: 'opsgraph-api',
          iat: 1,
          exp: 9_999_999_999,
        }),
      ),
      '',
    ].join('.');
    await refused(unsigned);
    const response = await app.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Basic YWRhOm9wc2dyYXBoLWRlbW8=' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(response.status).toBe(401);
    await refused('not.a.token');
    const key = loadConfig().auth.secret;
    expect((await viewerWith(await sign({ key }))).data?.viewer).toEqual({ email: 'ada@harbourworks.example' });
    await refused(await sign({ key, audience: 'someone-else' }));
    await refused(await sign({ key, issuer: 'evil' }));
    await refused(await sign({ key, alg: 'HS512' }));
    const expired = await viewerWith(await sign({ key, expiresIn: -10 }));
    expect(expired.errors?.[0]?.message).toContain('expired');
  });

  it('refuses a token once it expires, though it was accepted (and its signature remembered) before', async () => {
    const token = await sign({ key: loadConfig().auth.secret, expiresIn: 1 });
    expect((await viewerWith(token)).data?.viewer).toEqual({ email: 'ada@harbourworks.example' });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const expired = await viewerWith(token);
    expect(expired.errors?.[0]?.message).toContain('expired');
  });
});

describe('new passwords', () => {
  const tooFew = 'Password must use at least 5 different characters.';

  it('refuse one character repeated, or too few different ones, in createUser', async () => {
    for (const password of ['aaaaaaaaaaaa', 'abababababababab', '1234123412341234']) {
      const input: CreateUserInput = {
        email: 'repeat@harbourworks.example',
        name: 'Repeat Person',
        password,
        roles: ['WORKER'],
      };
      const result = await data(createUser, { input }, { as: people.admin });
      expect(result.createUser).toMatchObject({ issues: [{ path: ['input', 'password'], message: tooFew }] });
    }
  });

  it('refuse them in changePassword, before the current password is checked', async () => {
    const id = await freshUser('repeater@harbourworks.example');
    const result = await data(
      changePassword,
      { input: { currentPassword: PASSWORD + '-long', newPassword: '111111111111' } },
      { as: id },
    );
    expect(expectTypename(result.changePassword, 'InputValidationError').issues).toEqual([
      { path: ['input', 'newPassword'], message: tooFew },
    ]);
  });
});
