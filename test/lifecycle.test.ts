import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../src/database/seed.js';
import { graphql } from './generated/index.js';
import type {
  CorrectMaintenanceRecordInput,
  CreateOrganisationInput,
  UpdateOrganisationInput,
} from './generated/graphql.js';
import { useTestDatabase } from './helpers/database.js';
import { data, demo, execute, expectTypename, globalId, type TypedDocumentNode } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;

beforeAll(async () => {
  people = await demo(database);
});

const events = (entityId: string) =>
  database.db.auditEvent.findMany({ where: { entityId }, orderBy: { createdAt: 'asc' } });

describe('organisations', () => {
  it('are started by a superadmin, audited under the new organisation', async () => {
    const { createOrganisation } = await data(
      graphql(/* GraphQL */ `
        mutation LifecycleCreateBeacon {
          createOrganisation(input: { name: " Beacon Ltd ", workspaceFolderId: "folder-1" }) {
            __typename
            ...MutationError
            ... on CreateOrganisationSuccess {
              organisation {
                id
                name
                workspaceFolderId
              }
            }
          }
        }
      `),
      {},
      { as: people.superadmin },
    );
    expect(expectTypename(createOrganisation, 'CreateOrganisationSuccess').organisation).toMatchObject({
      name: 'Beacon Ltd',
      workspaceFolderId: 'folder-1',
    });
    const stored = await database.db.organisation.findFirstOrThrow({ where: { name: 'Beacon Ltd' } });
    expect(await events(stored.id)).toMatchObject([
      { organisationId: stored.id, actorId: people.superadmin, action: 'create', entityType: 'Organisation' },
    ]);
  });

  it('are started with a first admin who signs in, and refuse a taken email', async () => {
    const start = async (input: CreateOrganisationInput) =>
      (
        await data(
          graphql(/* GraphQL */ `
            mutation LifecycleStartOrganisation($input: CreateOrganisationInput!) {
              createOrganisation(input: $input) {
                __typename
                ...MutationError
                ... on CreateOrganisationSuccess {
                  organisation {
                    name
                  }
                }
              }
            }
          `),
          { input },
          { as: people.superadmin },
        )
      ).createOrganisation;
    const admin = { email: 'first@compass.example', name: 'Cora Compass', password: 'compass-rose-bearing' };
    expect(await start({ name: 'Compass Ltd', admin })).toEqual({
      __typename: 'CreateOrganisationSuccess',
      organisation: { name: 'Compass Ltd' },
    });
    const { login } = await data(
      graphql(/* GraphQL */ `
        mutation LifecycleLogin($input: LoginInput!) {
          login(input: $input) {
            __typename
            ... on LoginSuccess {
              tokens {
                accessToken
              }
            }
          }
        }
      `),
      { input: { email: admin.email, password: admin.password } },
    );
    const { viewer } = await data(
      graphql(/* GraphQL */ `
        query LifecycleViewer {
          viewer {
            roles {
              name
            }
            organisation {
              name
            }
          }
        }
      `),
      {},
      { token: expectTypename(login, 'LoginSuccess').tokens.accessToken },
    );
    expect(viewer).toEqual({ roles: [{ name: 'ADMIN' }], organisation: { name: 'Compass Ltd' } });

    const before = await database.db.organisation.count();
    expect(await start({ name: 'Copycat Ltd', admin: { ...admin, email: 'ADA@harbourworks.example' } })).toMatchObject({
      __typename: 'ConflictError',
      field: 'email',
    });
    expect(
      await start({ name: 'Weak Ltd', admin: { ...admin, email: 'x@weak.example', password: 'short' } }),
    ).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'admin', 'password'], message: 'Password must be at least 12 characters.' }],
    });
    expect(await database.db.organisation.count()).toBe(before);
  });

  it('are renamed and given a workspace folder by their admins, who reach no other', async () => {
    const update = async (input: UpdateOrganisationInput, as = people.admin) =>
      (
        await data(
          graphql(/* GraphQL */ `
            mutation LifecycleUpdateOrganisation($input: UpdateOrganisationInput!) {
              updateOrganisation(input: $input) {
                __typename
                ...MutationError
                ... on UpdateOrganisationSuccess {
                  organisation {
                    name
                    workspaceFolderId
                  }
                }
              }
            }
          `),
          { input },
          { as },
        )
      ).updateOrganisation;
    const id = globalId('Organisation', people.organisationId);
    expect(await update({ id, name: 'Harbour Works Group', workspaceFolderId: 'drive-42' })).toEqual({
      __typename: 'UpdateOrganisationSuccess',
      organisation: { name: 'Harbour Works Group', workspaceFolderId: 'drive-42' },
    });
    expect(await update({ id, workspaceFolderId: null })).toEqual({
      __typename: 'UpdateOrganisationSuccess',
      organisation: { name: 'Harbour Works Group', workspaceFolderId: null },
    });
    expect(await update({ id, name: '  ' })).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'name'], message: 'Name is required.' }],
    });
    const audit = await events(people.organisationId);
    expect(audit.filter((event) => event.action === 'update')).toHaveLength(2);
    expect(audit.at(-1)).toMatchObject({
      before: { workspaceFolderId: 'drive-42' },
      after: { workspaceFolderId: null },
    });

    const other = await database.db.organisation.create({ data: { name: 'Elsewhere Ltd' } });
    expect(await update({ id: globalId('Organisation', other.id), name: 'Mine now' })).toMatchObject({
      __typename: 'NotFoundError',
    });
  });

  it('keep a time zone and a currency, checked, the currency fixed once orders are priced in it', async () => {
    const settings = async (input: UpdateOrganisationInput, as = people.superadmin) =>
      (
        await data(
          graphql(/* GraphQL */ `
            mutation LifecycleSettings($input: UpdateOrganisationInput!) {
              updateOrganisation(input: $input) {
                __typename
                ...MutationError
                ... on InvalidStateError {
                  currentState
                }
                ... on UpdateOrganisationSuccess {
                  organisation {
                    timeZone
                    currency
                  }
                }
              }
            }
          `),
          { input },
          { as },
        )
      ).updateOrganisation;
    const { createOrganisation } = await data(
      graphql(/* GraphQL */ `
        mutation LifecycleCreateTidewater {
          createOrganisation(input: { name: "Tidewater Ltd", timeZone: "america/new_york", currency: "usd" }) {
            __typename
            ... on CreateOrganisationSuccess {
              organisation {
                id
                timeZone
                currency
              }
            }
          }
        }
      `),
      {},
      { as: people.superadmin },
    );
    const { organisation } = expectTypename(createOrganisation, 'CreateOrganisationSuccess');
    const { id } = organisation;
    expect(organisation).toMatchObject({ timeZone: 'America/New_York', currency: 'USD' });

    for (const timeZone of ['EST', '+01:00', 'Mars/Olympus_Mons', 'Europe/London; drop table x', '']) {
      expect(await settings({ id, timeZone }), timeZone).toMatchObject({
        __typename: 'InputValidationError',
        issues: [{ path: ['input', 'timeZone'], message: expect.stringContaining('IANA time zone name') }],
      });
    }
    expect(await settings({ id, currency: 'EURO' })).toMatchObject({
      issues: [{ path: ['input', 'currency'], message: 'Currency must be an ISO 4217 code, e.g. EUR, GBP or USD.' }],
    });
    expect(await settings({ id, timeZone: 'US/Pacific', currency: 'cad' })).toMatchObject({
      organisation: { timeZone: 'America/Los_Angeles', currency: 'CAD' },
    });

    // Harbour Works has purchase orders: their prices stay in the currency they were written in.
    const home = globalId('Organisation', people.organisationId);
    const { currency } = await database.db.organisation.findUniqueOrThrow({ where: { id: people.organisationId } });
    expect(await settings({ id: home, currency: currency === 'GBP' ? 'USD' : 'GBP' }, people.admin)).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: currency,
    });
    expect(await settings({ id: home, timeZone: 'Europe/London', currency }, people.admin)).toMatchObject({
      organisation: { timeZone: 'Europe/London', currency },
    });
    // PostgreSQL refuses a zone it cannot resolve, whatever writes it.
    await expect(
      database.db.organisation.update({ where: { id: people.organisationId }, data: { timeZone: 'Nowhere/Land' } }),
    ).rejects.toThrow(/time zone/);
  });
});

describe('reactivateUser', () => {
  const reactivate = graphql(/* GraphQL */ `
    mutation LifecycleReactivate($id: ID!) {
      reactivateUser(id: $id) {
        __typename
        ...MutationError
        ... on ReactivateUserSuccess {
          user {
            isActive
          }
        }
      }
    }
  `);
  const login = async (email: string) =>
    (
      await data(
        graphql(/* GraphQL */ `
          mutation LifecycleLoginOutcome($input: LoginInput!) {
            login(input: $input) {
              __typename
            }
          }
        `),
        { input: { email, password: DEMO_PASSWORD } },
      )
    ).login.__typename;

  it('lets a deactivated user sign in again, audited', async () => {
    const id = globalId('User', people.worker);
    await data(
      graphql(/* GraphQL */ `
        mutation LifecycleDeactivate($id: ID!) {
          deactivateUser(id: $id) {
            __typename
          }
        }
      `),
      { id },
      { as: people.admin },
    );
    expect(await login('wes@harbourworks.example')).toBe('AuthenticationError');
    const { reactivateUser } = await data(reactivate, { id }, { as: people.admin });
    expect(reactivateUser).toEqual({ __typename: 'ReactivateUserSuccess', user: { isActive: true } });
    expect(await login('wes@harbourworks.example')).toBe('LoginSuccess');
    expect((await events(people.worker)).map((event) => event.action)).toEqual(
      expect.arrayContaining(['deactivate', 'reactivate']),
    );
  });

  it('leaves a superadmin to superadmins', async () => {
    const result = await execute(reactivate, { id: globalId('User', people.superadmin) }, { as: people.admin });
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('soft delete and restore', () => {
  it('takes an inventory item out of the lists and brings it back', async () => {
    const item = await database.db.inventoryItem.findFirstOrThrow({ where: { organisationId: people.organisationId } });
    const id = globalId('InventoryItem', item.id);
    const remove = graphql(/* GraphQL */ `
      mutation LifecycleDeleteItem($id: ID!) {
        result: deleteInventoryItem(id: $id) {
          __typename
          ...MutationError
          ... on DeleteInventoryItemSuccess {
            inventoryItem {
              deletedAt
            }
          }
        }
      }
    `);
    const restore = graphql(/* GraphQL */ `
      mutation LifecycleRestoreItem($id: ID!) {
        result: restoreInventoryItem(id: $id) {
          __typename
          ...MutationError
          ... on RestoreInventoryItemSuccess {
            inventoryItem {
              deletedAt
            }
          }
        }
      }
    `);
    const change = async <R>(document: TypedDocumentNode<{ result: R }, { id: string }>) =>
      (await data(document, { id }, { as: people.manager })).result;
    const listed = async () =>
      (
        await data(
          graphql(/* GraphQL */ `
            query LifecycleItems {
              inventoryItems(first: 100) {
                edges {
                  node {
                    id
                  }
                }
              }
            }
          `),
          {},
          { as: people.manager },
        )
      ).inventoryItems.edges.some((edge) => edge.node.id === id);

    expect(expectTypename(await change(remove), 'DeleteInventoryItemSuccess').inventoryItem.deletedAt).not.toBeNull();
    expect(await listed()).toBe(false);
    expect(await change(remove)).toMatchObject({ __typename: 'NotFoundError' });
    expect(await change(restore)).toEqual({
      __typename: 'RestoreInventoryItemSuccess',
      inventoryItem: { deletedAt: null },
    });
    expect(await listed()).toBe(true);
    expect(await change(restore)).toMatchObject({ __typename: 'NotFoundError' });
    expect((await events(item.id)).map((event) => event.action)).toEqual(['delete', 'restore']);
  });

  it('takes a supplier out of the lists and new orders, and brings it back', async () => {
    const supplier = await database.db.supplier.findFirstOrThrow({ where: { organisationId: people.organisationId } });
    const item = await database.db.inventoryItem.findFirstOrThrow({
      where: { organisationId: people.organisationId, deletedAt: null },
    });
    const id = globalId('Supplier', supplier.id);
    const remove = graphql(/* GraphQL */ `
      mutation LifecycleDeleteSupplier($id: ID!) {
        result: deleteSupplier(id: $id) {
          __typename
          ...MutationError
          ... on DeleteSupplierSuccess {
            supplier {
              deletedAt
            }
          }
        }
      }
    `);
    const restore = graphql(/* GraphQL */ `
      mutation LifecycleRestoreSupplier($id: ID!) {
        result: restoreSupplier(id: $id) {
          __typename
          ...MutationError
          ... on RestoreSupplierSuccess {
            supplier {
              deletedAt
            }
          }
        }
      }
    `);
    const change = async <R>(document: TypedDocumentNode<{ result: R }, { id: string }>) =>
      (await data(document, { id }, { as: people.manager })).result;
    const order = async (number: string) =>
      (
        await data(
          graphql(/* GraphQL */ `
            mutation LifecycleOrder($input: CreatePurchaseOrderInput!) {
              createPurchaseOrder(input: $input) {
                __typename
                ...MutationError
              }
            }
          `),
          {
            input: {
              number,
              supplierId: id,
              lines: [{ itemId: globalId('InventoryItem', item.id), quantity: 1, unitPrice: '1.00' }],
            },
          },
          { as: people.manager },
        )
      ).createPurchaseOrder.__typename;
    const listed = async () =>
      (
        await data(
          graphql(/* GraphQL */ `
            query LifecycleSuppliers {
              suppliers(first: 100) {
                edges {
                  node {
                    id
                  }
                }
              }
            }
          `),
          {},
          { as: people.manager },
        )
      ).suppliers.edges.some((edge) => edge.node.id === id);

    expect(expectTypename(await change(remove), 'DeleteSupplierSuccess').supplier.deletedAt).not.toBeNull();
    expect(await listed()).toBe(false);
    expect(await order('PO-LIFECYCLE-1')).not.toBe('CreatePurchaseOrderSuccess');
    expect(await change(restore)).toEqual({ __typename: 'RestoreSupplierSuccess', supplier: { deletedAt: null } });
    expect(await listed()).toBe(true);
    expect(await order('PO-LIFECYCLE-2')).toBe('CreatePurchaseOrderSuccess');
    expect((await events(supplier.id)).map((event) => event.action)).toEqual(['delete', 'restore']);
  });
});

describe('maintenance records', () => {
  async function freshRecord() {
    const equipment = await database.db.equipment.create({
      data: {
        organisationId: people.organisationId,
        name: 'Pump P-9',
        category: 'MACHINERY',
        serialNumber: `P9-${Math.random()}`,
      },
    });
    const { addMaintenanceRecord } = await data(
      graphql(/* GraphQL */ `
        mutation LifecycleAddRecord($input: AddMaintenanceRecordInput!) {
          addMaintenanceRecord(input: $input) {
            __typename
            ...MutationError
            ... on AddMaintenanceRecordSuccess {
              maintenanceRecord {
                id
              }
            }
          }
        }
      `),
      {
        input: {
          equipmentId: globalId('Equipment', equipment.id),
          maintenanceDate: '2026-03-01T00:00:00.000Z',
          nextMaintenance: '2026-09-01T00:00:00.000Z',
          notes: 'Replaced the sael',
        },
      },
      { as: people.worker },
    );
    const { maintenanceRecord } = expectTypename(addMaintenanceRecord, 'AddMaintenanceRecordSuccess');
    return { equipment, recordId: maintenanceRecord.id };
  }

  const correctMaintenanceRecord = graphql(/* GraphQL */ `
    mutation LifecycleCorrectRecord($input: CorrectMaintenanceRecordInput!) {
      correctMaintenanceRecord(input: $input) {
        __typename
        ...MutationError
        ... on CorrectMaintenanceRecordSuccess {
          maintenanceRecord {
            notes
            maintenanceDate
            nextMaintenance
            equipment {
              nextMaintenanceAt
            }
          }
        }
      }
    }
  `);
  const correct = async (input: CorrectMaintenanceRecordInput, as = people.manager) =>
    (await data(correctMaintenanceRecord, { input }, { as })).correctMaintenanceRecord;

  it('are corrected with a reason kept in the audit trail, the due date following', async () => {
    const { equipment, recordId } = await freshRecord();
    const corrected = await correct({
      id: recordId,
      notes: 'Replaced the seal',
      nextMaintenance: '2026-10-01T00:00:00.000Z',
      reason: 'Typo, and the interval is seven months',
    });
    expect(expectTypename(corrected, 'CorrectMaintenanceRecordSuccess').maintenanceRecord).toEqual({
      notes: 'Replaced the seal',
      maintenanceDate: '2026-03-01T00:00:00.000Z',
      nextMaintenance: '2026-10-01T00:00:00.000Z',
      equipment: { nextMaintenanceAt: '2026-10-01T00:00:00.000Z' },
    });
    const rowId = Buffer.from(recordId, 'base64').toString().split(':')[1]!;
    expect((await events(rowId)).at(-1)).toMatchObject({
      action: 'correct',
      actorId: people.manager,
      organisationId: people.organisationId,
      before: { notes: 'Replaced the sael' },
      after: { notes: 'Replaced the seal', reason: 'Typo, and the interval is seven months' },
    });
    expect((await events(equipment.id)).at(-1)).toMatchObject({
      action: 'update',
      after: { nextMaintenanceAt: '2026-10-01T00:00:00.000Z', reason: 'Typo, and the interval is seven months' },
    });
  });

  it('are not corrected without a reason, or into dates out of order', async () => {
    const { recordId } = await freshRecord();
    expect(await correct({ id: recordId, notes: 'x', reason: ' ' })).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'reason'], message: 'Reason is required.' }],
    });
    expect(
      await correct({ id: recordId, maintenanceDate: '2026-12-01T00:00:00.000Z', reason: 'Wrong month' }),
    ).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'nextMaintenance'], message: 'Next maintenance must be after the maintenance date.' }],
    });
    const result = await execute(
      correctMaintenanceRecord,
      { input: { id: recordId, notes: 'x', reason: 'Because' } },
      { as: people.worker },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('are removed with a reason, the audit trail keeping the record', async () => {
    const { equipment, recordId } = await freshRecord();
    const remove = async (reason: string) =>
      (
        await data(
          graphql(/* GraphQL */ `
            mutation LifecycleRemoveRecord($id: ID!, $reason: String!) {
              removeMaintenanceRecord(id: $id, reason: $reason) {
                __typename
                ...MutationError
                ... on RemoveMaintenanceRecordSuccess {
                  equipment {
                    maintenanceRecords(first: 10) {
                      totalCount
                    }
                  }
                }
              }
            }
          `),
          { id: recordId, reason },
          { as: people.manager },
        )
      ).removeMaintenanceRecord;
    expect(await remove('')).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['reason'], message: 'Reason is required.' }],
    });
    expect(await remove('Entered against the wrong pump')).toEqual({
      __typename: 'RemoveMaintenanceRecordSuccess',
      equipment: { maintenanceRecords: { totalCount: 0 } },
    });
    expect(await remove('Again')).toMatchObject({ __typename: 'NotFoundError' });
    const rowId = Buffer.from(recordId, 'base64').toString().split(':')[1]!;
    expect((await events(rowId)).at(-1)).toMatchObject({
      action: 'remove',
      organisationId: equipment.organisationId,
      before: { id: rowId, notes: 'Replaced the sael' },
      after: { reason: 'Entered against the wrong pump' },
    });
  });
});
