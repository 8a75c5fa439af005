import { beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/lib/passwords.js';
import { graphql } from './generated/index.js';
import type { CreateUserInput, RoleName } from './generated/graphql.js';
import { useTestDatabase } from './helpers/database.js';
import { data, demo, execute, expectTypename } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;

beforeAll(async () => {
  people = await demo(database);
});

const createUserDocument = graphql(/* GraphQL */ `
  mutation UsersCreate($input: CreateUserInput!) {
    createUser(input: $input) {
      __typename
      ...MutationError
      ... on CreateUserSuccess {
        user {
          id
          email
          name
          isActive
          roles {
            name
          }
        }
      }
    }
  }
`);

const assignRole = graphql(/* GraphQL */ `
  mutation UsersAssignRole($userId: ID!, $role: RoleName!) {
    assignRole(userId: $userId, role: $role) {
      __typename
      ...MutationError
      ... on AssignRoleSuccess {
        user {
          roles {
            name
          }
        }
      }
    }
  }
`);

const revokeRole = graphql(/* GraphQL */ `
  mutation UsersRevokeRole($userId: ID!, $role: RoleName!) {
    revokeRole(userId: $userId, role: $role) {
      __typename
      ...MutationError
      ... on RevokeRoleSuccess {
        user {
          roles {
            name
          }
        }
      }
    }
  }
`);

const viewerId = graphql(/* GraphQL */ `
  query UsersViewer {
    viewer {
      id
    }
  }
`);

const createUser = async (input: CreateUserInput) =>
  (await data(createUserDocument, { input }, { as: people.admin })).createUser;

const assign = async (userId: string, role: RoleName) =>
  (await data(assignRole, { userId, role }, { as: people.admin })).assignRole;

const revoke = async (userId: string, role: RoleName) =>
  (await data(revokeRole, { userId, role }, { as: people.admin })).revokeRole;

describe('users', () => {
  it('creates a user with roles and a hashed password that never reaches the audit trail', async () => {
    const result = await createUser({
      email: 'Pat@Harbourworks.example',
      name: 'Pat Doe',
      password: 'correct horse battery',
      roles: ['EMPLOYEE'],
    });
    expect(expectTypename(result, 'CreateUserSuccess').user).toMatchObject({
      email: 'Pat@Harbourworks.example',
      name: 'Pat Doe',
      isActive: true,
      roles: [{ name: 'EMPLOYEE' }],
    });
    const stored = await database.db.user.findUniqueOrThrow({ where: { email: 'pat@harbourworks.example' } });
    expect(stored.passwordHash).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', stored.passwordHash)).toBe(true);
    const events = await database.db.auditEvent.findMany({ where: { entityId: stored.id } });
    expect(events.map((event) => event.action).sort()).toEqual(['assignRole', 'create']);
    expect(JSON.stringify(events)).not.toContain('scrypt$');
  });

  it('refuses an email already taken in any case, naming the field', async () => {
    const result = await createUser({
      email: 'ADA@harbourworks.example',
      name: 'Ada Again',
      password: 'another long password',
    });
    expect(result).toMatchObject({ __typename: 'ConflictError', field: 'email' });
  });

  it('validates every field at once', async () => {
    const result = await createUser({ email: 'nope', name: '', password: 'short' });
    expect(expectTypename(result, 'InputValidationError').issues).toEqual([
      { path: ['input', 'email'], message: 'Email must be an email address.' },
      { path: ['input', 'name'], message: 'Name is required.' },
      { path: ['input', 'password'], message: 'Password must be at least 12 characters.' },
    ]);
  });

  it('assigns and revokes roles idempotently, even when assignments race', async () => {
    const created = await createUser({
      email: 'sam@harbourworks.example',
      name: 'Sam Roe',
      password: 'a long enough password',
    });
    const { user } = expectTypename(created, 'CreateUserSuccess');
    const results = await Promise.all(Array.from({ length: 20 }, () => assign(user.id, 'MANAGER')));
    expect(results.every((result) => result.__typename === 'AssignRoleSuccess')).toBe(true);
    expect(await database.db.userRole.count({ where: { user: { email: 'sam@harbourworks.example' } } })).toBe(1);
    expect(await revoke(user.id, 'MANAGER')).toEqual({ __typename: 'RevokeRoleSuccess', user: { roles: [] } });
    expect(await revoke(user.id, 'MANAGER')).toEqual({ __typename: 'RevokeRoleSuccess', user: { roles: [] } });
  });

  it('updates and deactivates a user, revoking their sessions but keeping their history', async () => {
    const sessions = await database.db.session.createMany({
      data: [{ userId: people.worker, refreshTokenHash: 'hash-1', expiresAt: new Date(Date.now() + 3_600_000) }],
    });
    expect(sessions.count).toBe(1);
    const { viewer } = await data(viewerId, {}, { as: people.worker });
    const { id } = viewer!;
    const updated = await data(
      graphql(/* GraphQL */ `
        mutation UsersUpdate($id: ID!) {
          updateUser(input: { id: $id, department: "Night shift", phone: null }) {
            __typename
            ...MutationError
            ... on UpdateUserSuccess {
              user {
                department
                phone
              }
            }
          }
        }
      `),
      { id },
      { as: people.admin },
    );
    expect(updated.updateUser).toEqual({
      __typename: 'UpdateUserSuccess',
      user: { department: 'Night shift', phone: null },
    });
    const deactivated = await data(
      graphql(/* GraphQL */ `
        mutation UsersDeactivate($id: ID!) {
          deactivateUser(id: $id) {
            __typename
            ...MutationError
            ... on DeactivateUserSuccess {
              user {
                isActive
                maintenanceRecordsPerformed(first: 1) {
                  totalCount
                }
              }
            }
          }
        }
      `),
      { id },
      { as: people.admin },
    );
    const { user } = expectTypename(deactivated.deactivateUser, 'DeactivateUserSuccess');
    expect(user.isActive).toBe(false);
    expect(user.maintenanceRecordsPerformed.totalCount).toBeGreaterThan(0);
    expect(await database.db.session.count({ where: { userId: people.worker, revokedAt: null } })).toBe(0);
    const afterwards = await execute(viewerId, {}, { as: people.worker });
    expect(afterwards.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
