import './helpers/leaky-field.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { db } from '../src/db.js';
import { EVERY_ORGANISATION, organisationTenant, withTenant, type Tenant } from '../src/lib/tenancy.js';
import { graphql } from './generated/index.js';
import type { UpdatePurchaseOrderInput } from './generated/graphql.js';
import { useTestDatabase } from './helpers/database.js';
import { data, demo, execute, globalId, otherOrganisation, type TypedDocumentNode } from './helpers/graphql.js';
import * as fixtures from './helpers/fixtures.js';

const database = useTestDatabase();

// Prisma's queries are lazy: one runs when awaited, so it is awaited inside the tenant.
const inTenant = <T>(tenant: Tenant, query: () => PromiseLike<T>) => withTenant(tenant, async () => await query());
let people: Awaited<ReturnType<typeof demo>>;
let rival: Awaited<ReturnType<typeof otherOrganisation>>;
let rivalEquipment: string;

beforeAll(async () => {
  people = await demo(database);
  rival = await otherOrganisation(database);
  rivalEquipment = await fixtures.equipment(database, rival.organisationId, rival.admin);
});

describe('the data layer is fail-closed', () => {
  it('refuses a query of an organisation’s rows made outside any tenant', async () => {
    await expect(db.equipment.findMany()).rejects.toThrow(/outside a tenant's scope/);
    await expect(db.auditEvent.count()).rejects.toThrow(/outside a tenant's scope/);
    await expect(db.maintenanceRecord.findFirst()).rejects.toThrow(/outside a tenant's scope/);
  });

  it('confines reads, counts, updates and deletes to the tenant, without a filter written', async () => {
    const rivalOnly = organisationTenant(rival.organisationId);
    const seen = await inTenant(rivalOnly, () => db.equipment.findMany({ select: { organisationId: true } }));
    expect(seen).toEqual([{ organisationId: rival.organisationId }]);
    const demoCount = await inTenant(organisationTenant(people.organisationId), () => db.equipment.count());
    expect(demoCount).toBeGreaterThan(0);
    // Another organisation's row by its id: not found, not updated, not deleted.
    const home = organisationTenant(people.organisationId);
    expect(await inTenant(home, () => db.equipment.findUnique({ where: { id: rivalEquipment } }))).toBeNull();
    const updated = await inTenant(home, () =>
      db.equipment.updateMany({ where: { id: rivalEquipment }, data: { name: 'Taken' } }),
    );
    expect(updated.count).toBe(0);
    await expect(
      inTenant(home, () => db.equipment.update({ where: { id: rivalEquipment }, data: { name: 'Taken' } })),
    ).rejects.toThrow();
    expect(await inTenant(home, () => db.equipment.deleteMany({ where: { id: rivalEquipment } }))).toEqual({
      count: 0,
    });
    // Through a parent: another organisation's maintenance records are out of reach too.
    expect(await inTenant(home, () => db.maintenanceRecord.count({ where: { equipmentId: rivalEquipment } }))).toBe(0);
    const everyone = await inTenant(EVERY_ORGANISATION, () => db.equipment.count());
    expect(everyone).toBe(demoCount + 1);
  });

  it('refuses to create a row in another organisation than the tenant’s', async () => {
    const home = organisationTenant(people.organisationId);
    await expect(
      inTenant(home, () =>
        db.supplier.create({ data: { organisationId: rival.organisationId, name: 'Planted supplier' } }),
      ),
    ).rejects.toThrow(/only in the tenant's organisation/);
    await expect(
      inTenant(home, () => db.organisation.create({ data: { name: 'Another organisation' } })),
    ).rejects.toThrow(/only in the tenant's organisation/);
  });

  it('serves a resolver that forgets its tenant filter only its viewer’s organisation', async () => {
    // A string: equipmentWithoutAFilter is in this file's schema only (helpers/leaky-field.ts).
    const leaked = await data<{ equipmentWithoutAFilter: { id: string; organisation: { id: string } }[] }>(
      '{ equipmentWithoutAFilter { id organisation { id } } }',
      {},
      { as: rival.admin },
    );
    expect(leaked.equipmentWithoutAFilter).toEqual([
      {
        id: globalId('Equipment', rivalEquipment),
        organisation: { id: globalId('Organisation', rival.organisationId) },
      },
    ]);
    const home = await data<{ equipmentWithoutAFilter: { organisation: { id: string } }[] }>(
      '{ equipmentWithoutAFilter { organisation { id } } }',
      {},
      { as: people.worker },
    );
    expect(home.equipmentWithoutAFilter.length).toBeGreaterThan(0);
    expect(new Set(home.equipmentWithoutAFilter.map((row) => row.organisation.id))).toEqual(
      new Set([globalId('Organisation', people.organisationId)]),
    );
  });
});

describe('a superadmin working in another organisation', () => {
  it('writes the audit event to the organisation of the row changed, not to their own', async () => {
    const result = await data(
      graphql(/* GraphQL */ `
        mutation TenancyRenameEquipment($input: UpdateEquipmentInput!) {
          updateEquipment(input: $input) {
            __typename
            ...MutationError
          }
        }
      `),
      { input: { id: globalId('Equipment', rivalEquipment), name: 'Renamed by the operator' } },
      { as: people.superadmin },
    );
    expect(result.updateEquipment.__typename).toBe('UpdateEquipmentSuccess');
    const events = await database.db.auditEvent.findMany({ where: { entityId: rivalEquipment } });
    expect(events.map((event) => [event.organisationId, event.action])).toEqual([[rival.organisationId, 'update']]);
    // The home organisation's admin does not see the change (nor the rival's row in its before/after).
    const auditTrail = graphql(/* GraphQL */ `
      query TenancyAuditTrail {
        auditEvents(first: 100) {
          edges {
            node {
              entityId
            }
          }
        }
      }
    `);
    const trail = await data(auditTrail, {}, { as: people.admin });
    expect(trail.auditEvents.edges.map(({ node }) => node.entityId)).not.toContain(rivalEquipment);
    const rivalTrail = await data(auditTrail, {}, { as: rival.admin });
    expect(rivalTrail.auditEvents.edges.map(({ node }) => node.entityId)).toContain(rivalEquipment);
  });

  it('cannot link another organisation’s supplier, batch or item to an order', async () => {
    const { purchaseOrderId } = await fixtures.purchaseOrder(database, rival.organisationId, rival.admin);
    const homeSupplier = await fixtures.supplier(database, people.organisationId);
    const homeItem = await fixtures.inventoryItem(database, people.organisationId);
    const update = (input: Omit<UpdatePurchaseOrderInput, 'id'>) =>
      execute(
        graphql(/* GraphQL */ `
          mutation TenancyUpdateOrder($input: UpdatePurchaseOrderInput!) {
            updatePurchaseOrder(input: $input) {
              __typename
              ...MutationError
            }
          }
        `),
        { input: { id: globalId('PurchaseOrder', purchaseOrderId), ...input } },
        { as: people.superadmin },
      );
    expect((await update({ supplierId: globalId('Supplier', homeSupplier) })).data).toEqual({
      updatePurchaseOrder: { __typename: 'NotFoundError', message: 'Supplier not found.', entity: 'Supplier' },
    });
    const lines = [{ itemId: globalId('InventoryItem', homeItem), quantity: 1, unitPrice: '1.00' }];
    expect((await update({ lines })).data?.updatePurchaseOrder).toMatchObject({ entity: 'InventoryItem' });
    const order = await database.db.purchaseOrder.findUniqueOrThrow({ where: { id: purchaseOrderId } });
    expect(order.supplierId).not.toBe(homeSupplier);
  });

  it('runs every transition of another organisation’s order, and its receipt stays in that organisation', async () => {
    const { purchaseOrderId } = await fixtures.purchaseOrder(database, rival.organisationId, rival.admin);
    const item = await fixtures.inventoryItem(database, rival.organisationId);
    await fixtures.orderLine(database, purchaseOrderId, item, 3);
    const id = globalId('PurchaseOrder', purchaseOrderId);
    const transitions: TypedDocumentNode<{ result: { __typename: string } }, { id: string }>[] = [
      graphql(/* GraphQL */ `
        mutation TenancySubmitOrder($id: ID!) {
          result: submitPurchaseOrder(id: $id) {
            __typename
            ...MutationError
          }
        }
      `),
      graphql(/* GraphQL */ `
        mutation TenancyApproveOrder($id: ID!) {
          result: approvePurchaseOrder(id: $id) {
            __typename
            ...MutationError
          }
        }
      `),
      graphql(/* GraphQL */ `
        mutation TenancyReceiveOrder($id: ID!) {
          result: receivePurchaseOrder(id: $id) {
            __typename
            ...MutationError
          }
        }
      `),
    ];
    for (const transition of transitions) {
      const { result } = await data(transition, { id }, { as: people.superadmin });
      expect(result.__typename, JSON.stringify(result)).toMatch(/Success$/);
    }
    const batches = await database.db.batch.findMany({ where: { itemId: item } });
    expect(batches.map((batch) => batch.organisationId)).toEqual([rival.organisationId]);
    const events = await database.db.auditEvent.findMany({
      where: { entityId: { in: [purchaseOrderId, batches[0]!.id] } },
    });
    expect(new Set(events.map((event) => event.organisationId))).toEqual(new Set([rival.organisationId]));
  });
});

describe('the database keeps references inside one organisation', () => {
  it('refuses a cross-organisation reference written by any code, not only by the API', async () => {
    const homeSupplier = await fixtures.supplier(database, people.organisationId);
    const homeItem = await fixtures.inventoryItem(database, people.organisationId);
    const { purchaseOrderId } = await fixtures.purchaseOrder(database, rival.organisationId, rival.admin);
    const refused = [
      database.sql('UPDATE procurement.purchase_orders SET supplier_id = $1 WHERE id = $2', [
        homeSupplier,
        purchaseOrderId,
      ]),
      fixtures.orderLine(database, purchaseOrderId, homeItem),
      database.sql(
        `INSERT INTO procurement.batches (organisation_id, item_id, code, quantity) VALUES ($1, $2, 'X-1', 1)`,
        [rival.organisationId, homeItem],
      ),
      database.sql(
        `INSERT INTO assets.maintenance_records (equipment_id, performed_by, maintenance_date) VALUES ($1, $2, now())`,
        [rivalEquipment, people.worker],
      ),
      database.sql('UPDATE inventory.inventory_items SET user_id = $1 WHERE id = $2', [rival.admin, homeItem]),
    ];
    for (const statement of refused) {
      expect(await fixtures.violation(statement)).toEqual({ code: '23503', constraint: undefined });
    }
  });
});

describe('nobody below superadmin changes a superadmin', () => {
  it('refuses an admin’s revokeRole, deactivateUser, updateUser and revokeUserSessions on a superadmin', async () => {
    const target = globalId('User', people.superadmin);
    const attempts: TypedDocumentNode<unknown, { id: string }>[] = [
      graphql(/* GraphQL */ `
        mutation TenancyRevokeSuperadmin($id: ID!) {
          revokeRole(userId: $id, role: SUPERADMIN) {
            __typename
          }
        }
      `),
      graphql(/* GraphQL */ `
        mutation TenancyRevokeAdmin($id: ID!) {
          revokeRole(userId: $id, role: ADMIN) {
            __typename
          }
        }
      `),
      graphql(/* GraphQL */ `
        mutation TenancyDeactivate($id: ID!) {
          deactivateUser(id: $id) {
            __typename
          }
        }
      `),
      graphql(/* GraphQL */ `
        mutation TenancyTakeEmail($id: ID!) {
          updateUser(input: { id: $id, email: "mine@harbourworks.example" }) {
            __typename
          }
        }
      `),
      graphql(/* GraphQL */ `
        mutation TenancyRevokeSessions($id: ID!) {
          revokeUserSessions(userId: $id) {
            __typename
          }
        }
      `),
    ];
    for (const document of attempts) {
      const result = await execute(document, { id: target }, { as: people.admin });
      expect(result.errors?.[0]?.extensions?.code, JSON.stringify(result)).toBe('FORBIDDEN');
    }
    const superadmin = await database.db.user.findUniqueOrThrow({
      where: { id: people.superadmin },
      include: { roles: { include: { role: true } } },
    });
    expect(superadmin.isActive).toBe(true);
    expect(superadmin.email).toBe('operator@opsgraph.example');
    expect(superadmin.roles.map(({ role }) => role.name)).toContain('SUPERADMIN');
  });
});
