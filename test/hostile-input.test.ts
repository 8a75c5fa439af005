import { Kind, type FormattedExecutionResult } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './generated/index.js';
import type { CreateEquipmentInput, MutationErrorFragment } from './generated/graphql.js';
import { useTestDatabase } from './helpers/database.js';
import {
  data,
  demo,
  execute,
  expectTypename,
  globalId,
  otherOrganisation,
  type TypedDocumentNode,
} from './helpers/graphql.js';
import * as fixtures from './helpers/fixtures.js';

// Input an attacker (or a careless client) sends that the database cannot store or must not see:
// each is refused as input, with its field, and nothing already stored changes. The documents are
// a client's; what is hostile is in their variables.
const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let rival: Awaited<ReturnType<typeof otherOrganisation>>;

beforeAll(async () => {
  people = await demo(database);
  rival = await otherOrganisation(database);
});

const base64 = (text: string) => Buffer.from(text).toString('base64');

const createEquipment = (input: Partial<CreateEquipmentInput>, as = people.manager) =>
  execute(
    graphql(/* GraphQL */ `
      mutation HostileCreateEquipment($input: CreateEquipmentInput!) {
        result: createEquipment(input: $input) {
          __typename
          ...MutationError
        }
      }
    `),
    { input: { name: 'Pump', serialNumber: `SN-${Math.random()}`, category: 'MACHINERY', ...input } },
    { as },
  );

/** The paths of the issues of a mutation's result (answered as `result`), which must be an InputValidationError. */
const issues = (answer: FormattedExecutionResult<{ result: MutationErrorFragment | { __typename: string } }>) =>
  expectTypename(answer.data?.result, 'InputValidationError').issues.map((issue) => issue.path.join('.'));

describe('dates', () => {
  it.each(['+010000-01-01T00:00:00Z', '-010000-01-01T00:00:00Z', '1066-10-14T09:00:00Z', '2200-01-01T00:00:00Z'])(
    'refuses %s in a mutation as an InputValidationError at its field',
    async (date) => {
      expect(issues(await createEquipment({ nextMaintenanceAt: date }))).toEqual(['input.nextMaintenanceAt']);
      const equipment = await database.db.equipment.findMany({
        where: { nextMaintenanceAt: { gte: new Date('2200-01-01') } },
      });
      expect(equipment).toEqual([]);
    },
  );

  it.each(['2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-04-31T10:00:00Z', '2026-01-01T24:00:00Z'])(
    'refuses %s, a day or time that does not exist, rather than rolling it over',
    async (date) => {
      const result = await createEquipment({ nextMaintenanceAt: date });
      expect(result.errors?.[0]?.message).toMatch(/DateTime must be an ISO 8601 string .* that exist/);
    },
  );

  it('is refused by the database too, whatever code writes it', async () => {
    const equipment = await fixtures.equipment(database, people.organisationId, null);
    expect(
      await fixtures.violation(
        database.sql(`UPDATE assets.equipment SET next_maintenance_at = '10000-01-01' WHERE id = $1`, [equipment]),
      ),
    ).toEqual({ code: '23514', constraint: 'equipment_next_maintenance_at_range' });
    expect(
      await fixtures.violation(
        database.sql(
          `INSERT INTO assets.maintenance_records (equipment_id, performed_by, maintenance_date) VALUES ($1, $2, '1066-10-14')`,
          [equipment, people.worker],
        ),
      ),
    ).toEqual({ code: '23514', constraint: 'maintenance_records_dates_range' });
  });

  it('accepts a leap day and an offset', async () => {
    const result = await createEquipment({ nextMaintenanceAt: '2028-02-29T23:30:00+01:00' });
    expect(result.data?.result.__typename).toBe('CreateEquipmentSuccess');
  });

  it('refuses an absurd date in a query filter with a clear error, not an internal one', async () => {
    const result = await execute(
      graphql(/* GraphQL */ `
        query HostileAncientFilter {
          maintenanceRecords(first: 1, between: { from: "-010000-01-01T00:00:00Z" }) {
            totalCount
          }
        }
      `),
      {},
      { as: people.worker },
    );
    expect(result.errors?.[0]?.message).toMatch(/1900-01-01 and 2199-12-31/);
    expect(result.errors?.[0]?.extensions?.code).not.toBe('INTERNAL_SERVER_ERROR');
  });

  it('keeps maintenance readable: a worker cannot store a date that breaks the list', async () => {
    const equipment = await fixtures.equipment(database, people.organisationId, null);
    const result = await execute(
      graphql(/* GraphQL */ `
        mutation HostileAddRecord($input: AddMaintenanceRecordInput!) {
          addMaintenanceRecord(input: $input) {
            __typename
            ...MutationError
          }
        }
      `),
      { input: { equipmentId: globalId('Equipment', equipment), maintenanceDate: '+010000-01-01T00:00:00Z' } },
      { as: people.worker },
    );
    expect(result.data?.addMaintenanceRecord.__typename).toBe('InputValidationError');
    const list = await execute(
      graphql(/* GraphQL */ `
        query HostileRecordDates {
          maintenanceRecords(first: 100) {
            edges {
              node {
                maintenanceDate
              }
            }
          }
        }
      `),
      {},
      { as: people.worker },
    );
    expect(list.errors).toBeUndefined();
    expect(list.data?.maintenanceRecords.edges.length).toBeGreaterThan(0);
  });
});

describe('text', () => {
  it.each([
    ['a NUL byte', 'Pump\u0000'],
    ['another control character', 'Pump\u001b[31m'],
  ])('refuses %s in a name as an InputValidationError', async (_what, name) => {
    expect(issues(await createEquipment({ name }))).toContain('input.name');
  });

  it.each([
    ['zero-width spaces', '\u200b\u200b\u200b'],
    ['joiners and a byte-order mark', '\u200d\u2060\ufeff'],
    ['spaces of every width', '\u00a0\u2003\u3000'],
  ])('refuses a name made only of %s', async (_what, name) => {
    const result = await createEquipment({ name });
    expect(result.data?.result).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'name'], message: 'Name is required.' }],
    });
  });

  const search = graphql(/* GraphQL */ `
    query HostileSearch($s: String) {
      equipment(first: 5, filter: { search: $s }) {
        totalCount
      }
    }
  `);

  it('refuses a NUL byte in a search as bad input, not an internal error', async () => {
    const result = await execute(search, { s: 'a\u0000' }, { as: people.worker });
    expect(result.errors?.[0]?.message).toMatch(/control characters/);
  });

  it('matches % and _ in a search literally', async () => {
    const id = await fixtures.equipment(database, people.organisationId, null);
    await database.sql(`UPDATE assets.equipment SET name = 'Valve 50%_off' WHERE id = $1`, [id]);
    const count = async (s: string) => (await data(search, { s }, { as: people.worker })).equipment.totalCount;
    expect(await count('%')).toBe(1);
    expect(await count('_')).toBe(1);
    expect(await count('50%_')).toBe(1);
    expect(await count('5_%')).toBe(0);
    expect(await count('\\')).toBe(0);
  });
});

describe('numbers', () => {
  it('refuses a stock change past what the column holds as an InputValidationError, not an overflow', async () => {
    const item = await fixtures.inventoryItem(database, people.organisationId);
    const adjust = (delta: number) =>
      execute(
        graphql(/* GraphQL */ `
          mutation HostileAdjust($input: AdjustStockInput!) {
            result: adjustStock(input: $input) {
              __typename
              ...MutationError
            }
          }
        `),
        { input: { itemId: globalId('InventoryItem', item), delta } },
        { as: people.employee },
      );
    expect((await adjust(2_000_000_000)).data?.result.__typename).toBe('InputValidationError');
    expect((await adjust(1_000_000_000)).data?.result.__typename).toBe('AdjustStockSuccess');
    expect(issues(await adjust(1))).toEqual(['input.delta']);
    const [row] = await database.sql<{ qty: number }>('SELECT qty FROM inventory.inventory_items WHERE id = $1', [
      item,
    ]);
    expect(row!.qty).toBe(1_000_000_000);
  });
});

describe('ids and cursors', () => {
  const deleteEquipment = graphql(/* GraphQL */ `
    mutation HostileDeleteEquipment($id: ID!) {
      deleteEquipment(id: $id) {
        __typename
        ...MutationError
      }
    }
  `);
  const nodeId = graphql(/* GraphQL */ `
    query HostileNode($id: ID!) {
      node(id: $id) {
        id
      }
    }
  `);

  it.each([
    ['a malformed UUID', base64('Equipment:not-a-uuid')],
    ['a UUID with a tail', base64("Equipment:00000000-0000-0000-0000-000000000000' OR 1=1")],
  ])(
    'refuses %s inside a global id: an InputValidationError in a mutation, bad input in a query',
    async (_what, id) => {
      const mutation = await execute(
        graphql(/* GraphQL */ `
          mutation HostileUpdateEquipment($input: UpdateEquipmentInput!) {
            result: updateEquipment(input: $input) {
              __typename
              ...MutationError
            }
          }
        `),
        { input: { id, name: 'x' } },
        { as: people.manager },
      );
      expect(issues(mutation)).toEqual(['input.id']);
      const deletion = await execute(deleteEquipment, { id }, { as: people.manager });
      expect(deletion.data?.deleteEquipment.__typename, JSON.stringify(deletion)).toBe('InputValidationError');
      const query = await execute(nodeId, { id }, { as: people.manager });
      expect(query.errors?.[0]?.extensions?.code, JSON.stringify(query)).toBe('BAD_USER_INPUT');
    },
  );

  it.each([
    ['a missing type', base64(':00000000-0000-0000-0000-000000000000')],
    ['not base64 at all', '***'],
  ])('refuses %s as a global id with a clear error, before any resolver runs', async (_what, id) => {
    const documents: TypedDocumentNode<unknown, { id: string }>[] = [deleteEquipment, nodeId];
    for (const document of documents) {
      const result = await execute(document, { id }, { as: people.manager });
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message).toMatch(/Not an id this API issued/);
    }
  });

  /** Each document, sent with its cursor, is refused as bad input: no data, and why. */
  const expectRefused = async (attempts: [TypedDocumentNode<unknown, { c: string }>, string][], as = people.admin) => {
    for (const [document, c] of attempts) {
      const result = await execute(document, { c }, { as });
      const name =
        document.definitions[0]?.kind === Kind.OPERATION_DEFINITION ? document.definitions[0].name?.value : '';
      expect(result.data ?? null, JSON.stringify(result)).toBeNull();
      expect(result.errors?.[0]?.extensions?.code, name).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.message, name).toMatch(/Not a cursor of this list/);
    }
  };

  it('refuses a cursor naming another organisation’s row, in a root list and in a nested one', async () => {
    const equipment = await fixtures.equipment(database, rival.organisationId, rival.admin);
    const item = await fixtures.inventoryItem(database, rival.organisationId);
    const cursor = (id: string) => base64(`GPC:S:${id}`);
    const attempts: [TypedDocumentNode<unknown, { c: string }>, string][] = [
      [
        graphql(/* GraphQL */ `
          query HostileEquipmentAfter($c: String) {
            equipment(first: 3, after: $c) {
              edges {
                node {
                  id
                }
              }
            }
          }
        `),
        cursor(equipment),
      ],
      [
        graphql(/* GraphQL */ `
          query HostileEquipmentBefore($c: String) {
            equipment(last: 3, before: $c, orderBy: NAME_DESC) {
              edges {
                node {
                  id
                }
              }
            }
          }
        `),
        cursor(equipment),
      ],
      [
        graphql(/* GraphQL */ `
          query HostileItemsAfter($c: String) {
            inventoryItems(first: 3, after: $c, orderBy: QTY_ASC) {
              edges {
                node {
                  id
                }
              }
            }
          }
        `),
        cursor(item),
      ],
      [
        graphql(/* GraphQL */ `
          query HostileNestedAfter($c: String) {
            organisation {
              equipment(first: 3, after: $c) {
                edges {
                  node {
                    id
                  }
                }
              }
            }
          }
        `),
        cursor(equipment),
      ],
    ];
    await expectRefused(attempts);
  });

  it('refuses a cursor naming another organisation’s row in lists under a parent, and on a role', async () => {
    const equipment = await fixtures.equipment(database, rival.organisationId, rival.admin);
    const [record] = await database.sql<{ id: string }>(
      `INSERT INTO assets.maintenance_records (equipment_id, performed_by, maintenance_date)
       VALUES ($1, $2, now()) RETURNING id`,
      [equipment, rival.admin],
    );
    const cursor = (id: string) => base64(`GPC:S:${id}`);
    // A role's users page by (user, role): the viewer's own cursor there, with the rival's user in it.
    const { roles } = await data(
      graphql(/* GraphQL */ `
        query OwnRoleUserCursors {
          roles {
            users(first: 1) {
              edges {
                cursor
                node {
                  id
                }
              }
            }
          }
        }
      `),
      {},
      { as: people.admin },
    );
    const [own] = roles.flatMap((role) => role.users.edges);
    const theirs = base64(
      Buffer.from(own!.cursor, 'base64')
        .toString('utf8')
        .replace(Buffer.from(own!.node.id, 'base64').toString('utf8').split(':')[1]!, rival.admin),
    );
    expect(theirs).not.toBe(own!.cursor);
    const attempts: [TypedDocumentNode<unknown, { c: string }>, string][] = [
      [
        graphql(/* GraphQL */ `
          query HostileRecordsAfter($c: String) {
            maintenanceRecords(first: 3, after: $c) {
              edges {
                node {
                  id
                }
              }
            }
          }
        `),
        cursor(record!.id),
      ],
      [
        graphql(/* GraphQL */ `
          query HostileNestedRecordsBefore($c: String) {
            equipment(first: 2) {
              edges {
                node {
                  maintenanceRecords(last: 2, before: $c) {
                    edges {
                      node {
                        id
                      }
                    }
                  }
                }
              }
            }
          }
        `),
        cursor(record!.id),
      ],
      [
        graphql(/* GraphQL */ `
          query HostileRoleUsersAfter($c: String) {
            roles {
              users(first: 2, after: $c) {
                edges {
                  node {
                    id
                  }
                }
              }
            }
          }
        `),
        theirs,
      ],
    ];
    await expectRefused(attempts);
  });

  it('refuses a cursor of another list’s shape: a single id where a pair is paged by, and a pair where an id is', async () => {
    const equipment = await fixtures.equipment(database, people.organisationId, people.admin);
    const pair = (first: string) => base64(`GPC:T:${JSON.stringify([`S:${first}`, `S:${first}`])}`);
    const attempts: [TypedDocumentNode<unknown, { c: string }>, string][] = [
      [
        graphql(/* GraphQL */ `
          query ShapeRoleUsersAfter($c: String) {
            roles {
              users(first: 2, after: $c) {
                totalCount
                edges {
                  node {
                    id
                  }
                }
              }
            }
          }
        `),
        base64(`GPC:S:${people.admin}`),
      ],
      [
        graphql(/* GraphQL */ `
          query ShapeEquipmentAfter($c: String) {
            equipment(first: 2, after: $c) {
              edges {
                node {
                  id
                }
              }
            }
          }
        `),
        pair(equipment),
      ],
    ];
    await expectRefused(attempts);
    await expectRefused(attempts, people.superadmin);
  });

  it('pages with its own cursors in the page’s one statement, to an empty page past the end', async () => {
    const page = graphql(/* GraphQL */ `
      query OwnCursorPage($first: Int!, $after: String, $orderBy: EquipmentOrder) {
        equipment(first: $first, after: $after, orderBy: $orderBy) {
          edges {
            cursor
            node {
              id
            }
          }
          pageInfo {
            hasNextPage
          }
        }
      }
    `);
    for (const orderBy of ['NAME_ASC', 'NAME_DESC'] as const) {
      const all = (await data(page, { first: 100, orderBy }, { as: people.admin })).equipment.edges;
      expect(all.length, orderBy).toBeGreaterThan(3);
      const statements = async (after?: string) => {
        const before = database.statements.length;
        const answer = await data(page, { first: 2, after, orderBy }, { as: people.admin });
        return { answer, statements: database.statements.length - before };
      };
      const first = await statements();
      const { answer: second, statements: withCursor } = await statements(all[1]!.cursor);
      expect(withCursor, orderBy).toBe(first.statements);
      expect(second.equipment.edges.map((edge) => edge.node.id)).toEqual(all.slice(2, 4).map((edge) => edge.node.id));
      const past = await data(page, { first: 2, after: all.at(-1)!.cursor, orderBy }, { as: people.admin });
      expect(past.equipment).toEqual({ edges: [], pageInfo: { hasNextPage: false } });
    }
  });

  it('refuses a cursor that is not one, and still pages with its own', async () => {
    const page = graphql(/* GraphQL */ `
      query HostilePage($c: String) {
        equipment(first: 2, after: $c) {
          pageInfo {
            endCursor
          }
          edges {
            node {
              id
            }
          }
        }
      }
    `);
    const bad = await execute(page, { c: 'R1BDOlM6bm90LWEtdXVpZA==' }, { as: people.admin });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const first = await data(page, {}, { as: people.admin });
    const next = await data(page, { c: first.equipment.pageInfo.endCursor }, { as: people.admin });
    expect(next.equipment.edges.length).toBe(2);
    expect(next.equipment.edges[0]?.node.id).not.toBe(first.equipment.edges[0]?.node.id);
  });
});

describe('people', () => {
  it('shows a worker their own phone and notes but not a colleague’s', async () => {
    const details = `UPDATE auth.users SET phone = $2, notes = $3 WHERE id = $1`;
    await database.sql(details, [people.manager, '+44 1', 'HR: on notice']);
    await database.sql(details, [people.worker, '+44 2', 'Forklift licence']);
    const mine = await data(
      graphql(/* GraphQL */ `
        query HostileOwnDetails {
          viewer {
            phone
            notes
          }
        }
      `),
      {},
      { as: people.worker },
    );
    expect(mine.viewer).toEqual({ phone: '+44 2', notes: 'Forklift licence' });
    const creator = graphql(/* GraphQL */ `
      query HostileCreatorDetails {
        equipment(first: 1) {
          edges {
            node {
              createdBy {
                name
                phone
                notes
              }
            }
          }
        }
      }
    `);
    const colleague = await execute(creator, {}, { as: people.worker });
    expect(JSON.stringify(colleague.data)).not.toContain('on notice');
    expect(colleague.errors?.map((error) => error.extensions?.code)).toContain('FORBIDDEN');
    const manager = await data(creator, {}, { as: people.admin });
    expect(manager.equipment.edges[0]?.node.createdBy?.notes).toBe('HR: on notice');
  });

  it('answers an email taken in another organisation exactly as one taken in its own', async () => {
    const create = async (email: string) =>
      (
        await execute(
          graphql(/* GraphQL */ `
            mutation HostileCreateUser($input: CreateUserInput!) {
              createUser(input: $input) {
                __typename
                ...MutationError
              }
            }
          `),
          { input: { email, name: 'New Hire', password: 'correct horse battery' } },
          { as: people.admin },
        )
      ).data?.createUser;
    const rivalEmail = (await database.db.user.findUniqueOrThrow({ where: { id: rival.admin } })).email;
    const ownEmail = (await database.db.user.findUniqueOrThrow({ where: { id: people.worker } })).email;
    const elsewhere = await create(rivalEmail);
    expect(elsewhere).toEqual(await create(ownEmail));
    expect(elsewhere).toEqual({
      __typename: 'ConflictError',
      field: 'email',
      message: 'This email address cannot be used for an account here: choose another.',
    });
    expect(JSON.stringify(elsewhere)).not.toMatch(/Rival|organisation/i);
  });
});
