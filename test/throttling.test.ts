import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/yoga.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { graphql } from './generated/index.js';
import { bearer, data, demo, expectTypename, graphql as send } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;

beforeAll(async () => {
  people = await demo(database);
});

const PASSWORD = 'a long and fine password';
const loginMutation = graphql(/* GraphQL */ `
  mutation ThrottlingLogin($input: LoginInput!) {
    login(input: $input) {
      __typename
      ...MutationError
      ... on TooManyAttemptsError {
        retryAfterSeconds
      }
    }
  }
`);
const changePasswordMutation = graphql(/* GraphQL */ `
  mutation ThrottlingChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) {
      __typename
      ...MutationError
      ... on TooManyAttemptsError {
        retryAfterSeconds
      }
    }
  }
`);

// Each test signs in from addresses of its own, so that one test's failures never throttle another's.
const proxied = createApp(testConfig({ trustProxy: 1 }));

async function login(email: string, password: string, address: string) {
  const options = { app: proxied, headers: { 'x-forwarded-for': address } };
  return (await data(loginMutation, { input: { email, password } }, options)).login;
}

const outcomes = (results: { __typename: string }[]) =>
  results.reduce<Record<string, number>>(
    (counts, { __typename }) => ({ ...counts, [__typename]: (counts[__typename] ?? 0) + 1 }),
    {},
  );

async function user(email: string) {
  const created = await data(
    graphql(/* GraphQL */ `
      mutation ThrottlingCreateUser($input: CreateUserInput!) {
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
    `),
    { input: { email, name: 'Test Person', password: PASSWORD, roles: ['WORKER'] } },
    { as: people.admin },
  );
  const { user } = expectTypename(created.createUser, 'CreateUserSuccess');
  return Buffer.from(user.id, 'base64').toString().split(':')[1]!;
}

describe('sign-in throttling under concurrency', () => {
  it('checks at most 5 of 60 simultaneous wrong passwords for one account', async () => {
    await user('parallel@harbourworks.example');
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => login('parallel@harbourworks.example', `guess ${i}`, '198.51.100.1')),
    );
    expect(outcomes(results)).toEqual({ AuthenticationError: 5, TooManyAttemptsError: 55 });
    const right = await login('parallel@harbourworks.example', PASSWORD, '198.51.100.2');
    expect(expectTypename(right, 'TooManyAttemptsError').retryAfterSeconds).toBeGreaterThan(800);
  });

  it('checks at most 20 of 60 simultaneous sign-ins from one address to 60 accounts', async () => {
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => login(`sprayed${i}@harbourworks.example`, 'guess', '198.51.100.3')),
    );
    expect(outcomes(results)).toEqual({ AuthenticationError: 20, TooManyAttemptsError: 40 });
    expect((await login('esi@harbourworks.example', 'opsgraph-demo', '198.51.100.3')).__typename).toBe(
      'TooManyAttemptsError',
    );
    // The 40 refused attempts were not charged to their accounts.
    expect((await login('sprayed59@harbourworks.example', 'guess', '198.51.100.4')).__typename).toBe(
      'AuthenticationError',
    );
  });

  it('forgives an account its failures after a successful sign-in, and never charges one to the address', async () => {
    await user('forgiven@harbourworks.example');
    for (let i = 0; i < 4; i++) {
      expect((await login('forgiven@harbourworks.example', 'guess', '198.51.100.5')).__typename).toBe(
        'AuthenticationError',
      );
    }
    for (let i = 0; i < 21; i++) {
      expect((await login('forgiven@harbourworks.example', PASSWORD, '198.51.100.5')).__typename).toBe('LoginSuccess');
    }
    const again = await Promise.all(
      Array.from({ length: 6 }, () => login('forgiven@harbourworks.example', 'guess', '198.51.100.5')),
    );
    expect(outcomes(again)).toEqual({ AuthenticationError: 5, TooManyAttemptsError: 1 });
  });
});

describe('one throttle per account, however its email is spelled', () => {
  it('locks every spelling PostgreSQL matches, U+0130 (İ) and case variants alike', async () => {
    await user('iris@harbourworks.example');
    for (const spelling of [
      'IRIS@harbourworks.example',
      'İris@harbourworks.example',
      'iRiS@HARBOURWORKS.EXAMPLE',
      'İRİS@harbourworks.example',
      'Iris@Harbourworks.Example',
    ]) {
      expect((await login(spelling, 'guess', '198.51.100.6')).__typename).toBe('AuthenticationError');
    }
    for (const spelling of ['İris@harbourworks.example', 'iris@harbourworks.example', 'IRİS@harbourworks.example']) {
      expect((await login(spelling, PASSWORD, '198.51.100.7')).__typename).toBe('TooManyAttemptsError');
    }
  });

  it('folds an email no account has as PostgreSQL does', async () => {
    for (const spelling of [
      'mİssing@harbourworks.example',
      'MISSING@harbourworks.example',
      'missing@harbourworks.example',
      'Missing@harbourworks.example',
      'mİssİng@harbourworks.example',
    ]) {
      expect((await login(spelling, 'guess', '198.51.100.8')).__typename).toBe('AuthenticationError');
    }
    expect((await login('MİSSİNG@harbourworks.example', 'guess', '198.51.100.9')).__typename).toBe(
      'TooManyAttemptsError',
    );
  });
});

describe('changePassword throttling', () => {
  // An attacker's document, a string built at run time: guesses batched through aliases.
  const guesses = (count: number) =>
    Array.from(
      { length: count },
      (_, i) =>
        `g${i}: changePassword(input: { currentPassword: "guess ${i}", newPassword: "an entirely new passphrase" }) { __typename }`,
    ).join('\n');

  it('refuses the right current password after 5 wrong ones sent as aliases, and locks sign-in too', async () => {
    const id = await user('changer@harbourworks.example');
    const token = await bearer(id);
    const results: { __typename: string }[] = [];
    for (let request = 0; request < 3; request++) {
      const result = await send<Record<string, { __typename: string }>>(`mutation { ${guesses(15)} }`, {}, { token });
      expect(result.errors).toBeUndefined();
      results.push(...Object.values(result.data!));
    }
    expect(results.slice(0, 5).map((result) => result.__typename)).toEqual(Array(5).fill('AuthenticationError'));
    expect(outcomes(results.slice(5))).toEqual({ TooManyAttemptsError: 40 });
    const right = await data(
      changePasswordMutation,
      { input: { currentPassword: PASSWORD, newPassword: 'an entirely new passphrase' } },
      { token },
    );
    expect(expectTypename(right.changePassword, 'TooManyAttemptsError').retryAfterSeconds).toBeGreaterThan(800);
    expect((await login('changer@harbourworks.example', PASSWORD, '198.51.100.10')).__typename).toBe(
      'TooManyAttemptsError',
    );
  });

  it('checks at most 5 of 30 simultaneous wrong current passwords', async () => {
    const token = await bearer(await user('racer@harbourworks.example'));
    const results = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const result = await data(
          changePasswordMutation,
          { input: { currentPassword: `guess ${i}`, newPassword: 'an entirely new passphrase' } },
          { token },
        );
        return result.changePassword;
      }),
    );
    expect(outcomes(results)).toEqual({ AuthenticationError: 5, TooManyAttemptsError: 25 });
  });
});
