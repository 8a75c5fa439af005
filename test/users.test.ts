import { beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../src/lib/passwords.js';
import { useTestDatabase } from './helpers/database.js';
import { data, demo, graphql, mutationErrors } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;

beforeAll(async () => {
  people = await demo(database);
});

const createUser = (input: Record<string, unknown>) =>
  data(
    `mutation($input: CreateUserInput!) { createUser(input: $input) { ${mutationErrors} ... on CreateUserSuccess { user { id email name isActive roles { name } } } } }`,
    { input },
    { as: people.admin },
  ).then((result) => result.createUser);

const roleChange = (field: 'assignRole' | 'revokeRole', userId: string, role: string) =>
  data(
    `mutation($userId: ID!, $role: RoleName!) { ${field}(userId: $userId, role: $role) { ${mutationErrors} ... on ${field === 'assignRole' ? 'AssignRoleSuccess' : 'RevokeRoleSuccess'} { user { roles { name } } } } }`,
    { userId, role },
    { as: people.admin },
  ).then((result) => result[field]);

describe('users', () => {
  it('creates a user with roles and a hashed password that never reaches the audit trail', async () => {
    const result = await createUser({
      email: 'Pat@Harbourworks.example',
      name: 'Pat Doe',
      password: 'correct horse battery',
      roles: ['EMPLOYEE'],
    });
    expect(result.user).toMatchObject({
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
    expect(result.issues).toEqual([
      { path: ['input', 'email'], message: 'Email must be an email address.' },
      { path: ['input', 'name'], message: 'Name is required.' },
      { path: ['input', 'password'], message: 'Password must be at least 12 characters.' },
    ]);
  });

  it('assigns and revokes roles idempotently, even when assignments race', async () => {
    const { user } = await createUser({
      email: 'sam@harbourworks.example',
      name: 'Sam Roe',
      password: 'a long enough password',
    });
    const results = await Promise.all(Array.from({ length: 20 }, () => roleChange('assignRole', user.id, 'MANAGER')));
    expect(results.every((result) => result.__typename === 'AssignRoleSuccess')).toBe(true);
    expect(await database.db.userRole.count({ where: { user: { email: 'sam@harbourworks.example' } } })).toBe(1);
    expect((await roleChange('revokeRole', user.id, 'MANAGER')).user.roles).toEqual([]);
    expect((await roleChange('revokeRole', user.id, 'MANAGER')).user.roles).toEqual([]);
  });

  it('updates and deactivates a user, revoking their sessions but keeping their history', async () => {
    const sessions = await database.db.session.createMany({
      data: [{ userId: people.worker, refreshTokenHash: 'hash-1', expiresAt: new Date(Date.now() + 3_600_000) }],
    });
    expect(sessions.count).toBe(1);
    const { viewer } = await data(`{ viewer { id } }`, {}, { as: people.worker });
    const updated = await data(
      `mutation($id: ID!) { updateUser(input: { id: $id, department: "Night shift", phone: null }) { ${mutationErrors} ... on UpdateUserSuccess { user { department phone } } } }`,
      { id: viewer.id },
      { as: people.admin },
    );
    expect(updated.updateUser.user).toEqual({ department: 'Night shift', phone: null });
    const deactivated = await data(
      `mutation($id: ID!) { deactivateUser(id: $id) { ${mutationErrors} ... on DeactivateUserSuccess { user { isActive maintenanceRecordsPerformed(first: 1) { totalCount } } } } }`,
      { id: viewer.id },
      { as: people.admin },
    );
    expect(deactivated.deactivateUser.user.isActive).toBe(false);
    expect(deactivated.deactivateUser.user.maintenanceRecordsPerformed.totalCount).toBeGreaterThan(0);
    expect(await database.db.session.count({ where: { userId: people.worker, revokedAt: null } })).toBe(0);
    const afterwards = await graphql(
      `
        {
          viewer {
            id
          }
        }
      `,
      {},
      { as: people.worker },
    );
    expect(afterwards.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
