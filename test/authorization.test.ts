import type { FormattedExecutionResult } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { RoleName } from '../src/generated/prisma/enums.js';
import { may, permissions, type Permission } from '../src/lib/permissions.js';
import { schema } from '../src/schema.js';
import { createApp } from '../src/yoga.js';
import { graphql } from './generated/index.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { app, bearer, demo, execute, globalId, otherOrganisation, type TypedDocumentNode } from './helpers/graphql.js';

// Every mutation and every sensitive read, as every role and as another organisation's admin:
// allowed or denied exactly as src/lib/permissions.ts (the README's table) says.
const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let rival: Awaited<ReturnType<typeof otherOrganisation>>;
const real: Record<string, string> = {};

const MISSING = '00000000-0000-4000-8000-000000000000';
const missing = (type: string) => globalId(type, MISSING);

beforeAll(async () => {
  people = await demo(database);
  rival = await otherOrganisation(database);
  const { organisationId } = people;
  const { db } = database;
  real.Equipment = globalId('Equipment', (await db.equipment.findFirstOrThrow({ where: { organisationId } })).id);
  real.InventoryItem = globalId(
    'InventoryItem',
    (await db.inventoryItem.findFirstOrThrow({ where: { organisationId } })).id,
  );
  real.Supplier = globalId('Supplier', (await db.supplier.findFirstOrThrow({ where: { organisationId } })).id);
  real.PurchaseOrder = globalId(
    'PurchaseOrder',
    (await db.purchaseOrder.findFirstOrThrow({ where: { organisationId } })).id,
  );
  real.User = globalId('User', people.worker);
  real.Organisation = globalId('Organisation', organisationId);
  const shift = await db.timeEntry.findFirstOrThrow({ where: { organisationId } });
  real.TimeEntry = globalId('TimeEntry', shift.id);
  const record = await db.maintenanceRecord.findFirstOrThrow({ where: { equipment: { organisationId } } });
  real.MaintenanceRecord = globalId('MaintenanceRecord', record.id);
  real.ChecklistTemplate = globalId(
    'ChecklistTemplate',
    (await database.db.checklistTemplate.findFirstOrThrow({ where: { organisationId } })).id,
  );
  real.Inspection = globalId(
    'Inspection',
    (await database.db.inspection.findFirstOrThrow({ where: { organisationId, submittedAt: null } })).id,
  );
  real.Incident = globalId(
    'Incident',
    (await database.db.incident.findFirstOrThrow({ where: { organisationId, status: 'REPORTED' } })).id,
  );
});

/** A mutation's outcome, answered as `result`. */
type Outcome = { result: { __typename: string } };
/** A document without variables, or one of the id of a node of the type given. */
type Case =
  | { document: TypedDocumentNode<Outcome, Record<string, never>> }
  | { document: TypedDocumentNode<Outcome, { id: string }>; type: string };

/** A call of each mutation that changes nothing when allowed: it is invalid or names missing rows. */
const mutations: Record<Exclude<Permission, `read${string}`>, Case> = {
  createEquipment: {
    document: graphql(/* GraphQL */ `
      mutation MayCreateEquipment {
        result: createEquipment(input: { name: "", serialNumber: "", category: OTHER }) {
          __typename
        }
      }
    `),
  },
  updateEquipment: {
    document: graphql(/* GraphQL */ `
      mutation MayUpdateEquipment($id: ID!) {
        result: updateEquipment(input: { id: $id, name: "x" }) {
          __typename
        }
      }
    `),
    type: 'Equipment',
  },
  deleteEquipment: {
    document: graphql(/* GraphQL */ `
      mutation MayDeleteEquipment($id: ID!) {
        result: deleteEquipment(id: $id) {
          __typename
        }
      }
    `),
    type: 'Equipment',
  },
  restoreEquipment: {
    document: graphql(/* GraphQL */ `
      mutation MayRestoreEquipment($id: ID!) {
        result: restoreEquipment(id: $id) {
          __typename
        }
      }
    `),
    type: 'Equipment',
  },
  bulkUpdateNextMaintenance: {
    document: graphql(/* GraphQL */ `
      mutation MayBulkUpdateNextMaintenance($id: ID!) {
        result: bulkUpdateNextMaintenance(ids: [$id], nextMaintenanceAt: "2030-01-01T00:00:00Z") {
          __typename
        }
      }
    `),
    type: 'Equipment',
  },
  addMaintenanceRecord: {
    document: graphql(/* GraphQL */ `
      mutation MayAddMaintenanceRecord($id: ID!) {
        result: addMaintenanceRecord(
          input: { equipmentId: $id, maintenanceDate: "2026-01-01T00:00:00Z", nextMaintenance: "2025-01-01T00:00:00Z" }
        ) {
          __typename
        }
      }
    `),
    type: 'Equipment',
  },
  correctMaintenanceRecord: {
    document: graphql(/* GraphQL */ `
      mutation MayCorrectMaintenanceRecord($id: ID!) {
        result: correctMaintenanceRecord(input: { id: $id, notes: "x", reason: " " }) {
          __typename
        }
      }
    `),
    type: 'MaintenanceRecord',
  },
  removeMaintenanceRecord: {
    document: graphql(/* GraphQL */ `
      mutation MayRemoveMaintenanceRecord($id: ID!) {
        result: removeMaintenanceRecord(id: $id, reason: "") {
          __typename
        }
      }
    `),
    type: 'MaintenanceRecord',
  },
  createInventoryItem: {
    document: graphql(/* GraphQL */ `
      mutation MayCreateInventoryItem {
        result: createInventoryItem(input: { sku: "", name: "", location: "" }) {
          __typename
        }
      }
    `),
  },
  updateInventoryItem: {
    document: graphql(/* GraphQL */ `
      mutation MayUpdateInventoryItem($id: ID!) {
        result: updateInventoryItem(input: { id: $id, name: "x" }) {
          __typename
        }
      }
    `),
    type: 'InventoryItem',
  },
  deleteInventoryItem: {
    document: graphql(/* GraphQL */ `
      mutation MayDeleteInventoryItem($id: ID!) {
        result: deleteInventoryItem(id: $id) {
          __typename
        }
      }
    `),
    type: 'InventoryItem',
  },
  restoreInventoryItem: {
    document: graphql(/* GraphQL */ `
      mutation MayRestoreInventoryItem($id: ID!) {
        result: restoreInventoryItem(id: $id) {
          __typename
        }
      }
    `),
    type: 'InventoryItem',
  },
  adjustStock: {
    document: graphql(/* GraphQL */ `
      mutation MayAdjustStock($id: ID!) {
        result: adjustStock(input: { itemId: $id, delta: -1000000 }) {
          __typename
        }
      }
    `),
    type: 'InventoryItem',
  },
  createSupplier: {
    document: graphql(/* GraphQL */ `
      mutation MayCreateSupplier {
        result: createSupplier(input: { name: "" }) {
          __typename
        }
      }
    `),
  },
  updateSupplier: {
    document: graphql(/* GraphQL */ `
      mutation MayUpdateSupplier($id: ID!) {
        result: updateSupplier(input: { id: $id, email: "not an email" }) {
          __typename
        }
      }
    `),
    type: 'Supplier',
  },
  deleteSupplier: {
    document: graphql(/* GraphQL */ `
      mutation MayDeleteSupplier($id: ID!) {
        result: deleteSupplier(id: $id) {
          __typename
        }
      }
    `),
    type: 'Supplier',
  },
  restoreSupplier: {
    document: graphql(/* GraphQL */ `
      mutation MayRestoreSupplier($id: ID!) {
        result: restoreSupplier(id: $id) {
          __typename
        }
      }
    `),
    type: 'Supplier',
  },
  createPurchaseOrder: {
    document: graphql(/* GraphQL */ `
      mutation MayCreatePurchaseOrder($id: ID!) {
        result: createPurchaseOrder(input: { number: "", supplierId: $id, lines: [] }) {
          __typename
        }
      }
    `),
    type: 'Supplier',
  },
  updatePurchaseOrder: {
    document: graphql(/* GraphQL */ `
      mutation MayUpdatePurchaseOrder($id: ID!) {
        result: updatePurchaseOrder(input: { id: $id, number: "" }) {
          __typename
        }
      }
    `),
    type: 'PurchaseOrder',
  },
  submitPurchaseOrder: {
    document: graphql(/* GraphQL */ `
      mutation MaySubmitPurchaseOrder($id: ID!) {
        result: submitPurchaseOrder(id: $id) {
          __typename
        }
      }
    `),
    type: 'PurchaseOrder',
  },
  approvePurchaseOrder: {
    document: graphql(/* GraphQL */ `
      mutation MayApprovePurchaseOrder($id: ID!) {
        result: approvePurchaseOrder(id: $id) {
          __typename
        }
      }
    `),
    type: 'PurchaseOrder',
  },
  receivePurchaseOrder: {
    document: graphql(/* GraphQL */ `
      mutation MayReceivePurchaseOrder($id: ID!) {
        result: receivePurchaseOrder(id: $id) {
          __typename
        }
      }
    `),
    type: 'PurchaseOrder',
  },
  cancelPurchaseOrder: {
    document: graphql(/* GraphQL */ `
      mutation MayCancelPurchaseOrder($id: ID!) {
        result: cancelPurchaseOrder(id: $id) {
          __typename
        }
      }
    `),
    type: 'PurchaseOrder',
  },
  createChecklistTemplate: {
    document: graphql(/* GraphQL */ `
      mutation MayCreateChecklistTemplate {
        result: createChecklistTemplate(input: { name: "", category: OTHER, intervalDays: 0, items: [] }) {
          __typename
        }
      }
    `),
  },
  updateChecklistTemplate: {
    document: graphql(/* GraphQL */ `
      mutation MayUpdateChecklistTemplate($id: ID!) {
        result: updateChecklistTemplate(input: { id: $id, intervalDays: 0 }) {
          __typename
        }
      }
    `),
    type: 'ChecklistTemplate',
  },
  startInspection: {
    document: graphql(/* GraphQL */ `
      mutation MayStartInspection($id: ID!) {
        result: startInspection(equipmentId: $id) {
          __typename
        }
      }
    `),
    type: 'Equipment',
  },
  submitInspection: {
    document: graphql(/* GraphQL */ `
      mutation MaySubmitInspection($id: ID!) {
        result: submitInspection(input: { inspectionId: $id, answers: [] }) {
          __typename
        }
      }
    `),
    type: 'Inspection',
  },
  reportIncident: {
    document: graphql(/* GraphQL */ `
      mutation MayReportIncident {
        result: reportIncident(
          input: { kind: NEAR_MISS, severity: LOW, description: " ", occurredAt: "2026-01-01T00:00:00Z" }
        ) {
          __typename
        }
      }
    `),
  },
  moveIncident: {
    document: graphql(/* GraphQL */ `
      mutation MayMoveIncident($id: ID!) {
        result: moveIncident(input: { id: $id, status: CLOSED }) {
          __typename
        }
      }
    `),
    type: 'Incident',
  },
  createOrganisation: {
    document: graphql(/* GraphQL */ `
      mutation MayCreateOrganisation {
        result: createOrganisation(input: { name: " " }) {
          __typename
        }
      }
    `),
  },
  updateOrganisation: {
    document: graphql(/* GraphQL */ `
      mutation MayUpdateOrganisation($id: ID!) {
        result: updateOrganisation(input: { id: $id, workspaceFolderId: "x" }) {
          __typename
        }
      }
    `),
    type: 'Organisation',
  },
  createUser: {
    document: graphql(/* GraphQL */ `
      mutation MayCreateUser {
        result: createUser(input: { email: "bad", name: "", password: "short" }) {
          __typename
        }
      }
    `),
  },
  updateUser: {
    document: graphql(/* GraphQL */ `
      mutation MayUpdateUser($id: ID!) {
        result: updateUser(input: { id: $id, name: "" }) {
          __typename
        }
      }
    `),
    type: 'User',
  },
  deactivateUser: {
    document: graphql(/* GraphQL */ `
      mutation MayDeactivateUser($id: ID!) {
        result: deactivateUser(id: $id) {
          __typename
        }
      }
    `),
    type: 'User',
  },
  reactivateUser: {
    document: graphql(/* GraphQL */ `
      mutation MayReactivateUser($id: ID!) {
        result: reactivateUser(id: $id) {
          __typename
        }
      }
    `),
    type: 'User',
  },
  assignRole: {
    document: graphql(/* GraphQL */ `
      mutation MayAssignRole($id: ID!) {
        result: assignRole(userId: $id, role: MANAGER) {
          __typename
        }
      }
    `),
    type: 'User',
  },
  revokeRole: {
    document: graphql(/* GraphQL */ `
      mutation MayRevokeRole($id: ID!) {
        result: revokeRole(userId: $id, role: WORKER) {
          __typename
        }
      }
    `),
    type: 'User',
  },
  revokeUserSessions: {
    document: graphql(/* GraphQL */ `
      mutation MayRevokeUserSessions($id: ID!) {
        result: revokeUserSessions(userId: $id) {
          __typename
        }
      }
    `),
    type: 'User',
  },
  unlinkGoogle: {
    document: graphql(/* GraphQL */ `
      mutation MayUnlinkGoogle($id: ID!) {
        result: unlinkGoogle(userId: $id) {
          __typename
        }
      }
    `),
    type: 'User',
  },
  // Punches more than the late-punch window old: refused as input, whatever the viewer's state.
  clockIn: {
    document: graphql(/* GraphQL */ `
      mutation MayClockIn {
        result: clockIn(input: { source: WEB, at: "2000-01-01T00:00:00Z" }) {
          __typename
        }
      }
    `),
  },
  clockOut: {
    document: graphql(/* GraphQL */ `
      mutation MayClockOut {
        result: clockOut(input: { at: "2000-01-01T00:00:00Z" }) {
          __typename
        }
      }
    `),
  },
  startBreak: {
    document: graphql(/* GraphQL */ `
      mutation MayStartBreak {
        result: startBreak(input: { at: "2000-01-01T00:00:00Z" }) {
          __typename
        }
      }
    `),
  },
  endBreak: {
    document: graphql(/* GraphQL */ `
      mutation MayEndBreak {
        result: endBreak(input: { at: "2000-01-01T00:00:00Z" }) {
          __typename
        }
      }
    `),
  },
  correctTimeEntry: {
    document: graphql(/* GraphQL */ `
      mutation MayCorrectTimeEntry($id: ID!) {
        result: correctTimeEntry(input: { id: $id, notes: "x", reason: " " }) {
          __typename
        }
      }
    `),
    type: 'TimeEntry',
  },
  approveTimesheet: {
    document: graphql(/* GraphQL */ `
      mutation MayApproveTimesheet($id: ID!) {
        result: approveTimesheet(input: { userId: $id, from: "2026-01-10", to: "2026-01-01" }) {
          __typename
        }
      }
    `),
    type: 'User',
  },
};

/** A read over HTTP rather than GraphQL: its verdict from the status it answers with. */
type HttpRead = (token?: string) => Promise<string>;

const adminsOnlyApp = createApp(
  testConfig({ env: 'production', trustedDocuments: { ...testConfig().trustedDocuments, mode: 'admins' } }),
);

const HTTP_VERDICTS: Record<number, string> = { 200: 'allowed', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN' };

const reads: Record<
  Extract<Permission, `read${string}`>,
  TypedDocumentNode<unknown, Record<string, never>> | HttpRead
> = {
  readOrganisation: graphql(/* GraphQL */ `
    query MayReadOrganisation {
      organisation {
        summary {
          equipmentCount
        }
      }
    }
  `),
  readEquipment: graphql(/* GraphQL */ `
    query MayReadEquipment {
      equipment(first: 1) {
        totalCount
      }
      maintenanceRecords(first: 1) {
        totalCount
      }
    }
  `),
  readInventory: graphql(/* GraphQL */ `
    query MayReadInventory {
      inventoryItems(first: 1) {
        totalCount
        edges {
          node {
            movements(first: 1) {
              totalCount
            }
          }
        }
      }
    }
  `),
  readPurchasing: graphql(/* GraphQL */ `
    query MayReadPurchasing {
      purchaseOrders(first: 1) {
        totalCount
      }
      suppliers(first: 1) {
        totalCount
      }
    }
  `),
  readUsers: graphql(/* GraphQL */ `
    query MayReadUsers {
      users(first: 1) {
        totalCount
      }
    }
  `),
  // The demo's equipment was created by its manager: another user's details for every other role.
  readPersonalDetails: graphql(/* GraphQL */ `
    query MayReadPersonalDetails {
      equipment(first: 1) {
        edges {
          node {
            createdBy {
              phone
              notes
            }
          }
        }
      }
    }
  `),
  // The demo's roles were all assigned by its admin: another user's Google link for every other role.
  readGoogleLink: graphql(/* GraphQL */ `
    query MayReadGoogleLink {
      equipment(first: 1) {
        edges {
          node {
            createdBy {
              roleAssignments {
                assignedBy {
                  googleLinked
                }
              }
            }
          }
        }
      }
    }
  `),
  readAudit: graphql(/* GraphQL */ `
    query MayReadAudit {
      auditEvents(first: 1) {
        totalCount
      }
    }
  `),
  readSafety: graphql(/* GraphQL */ `
    query MayReadSafety {
      checklistTemplates(first: 1) {
        totalCount
      }
      inspectionsDue(first: 1) {
        totalCount
      }
      correctiveActions(first: 1) {
        totalCount
      }
      organisation {
        inspectionCompliance {
          ratio
        }
      }
      viewer {
        inspections(first: 1) {
          totalCount
        }
        reportedIncidents(first: 1) {
          totalCount
        }
      }
    }
  `),
  readSafetyRecords: graphql(/* GraphQL */ `
    query MayReadSafetyRecords {
      inspections(first: 1) {
        totalCount
      }
      incidents(first: 1) {
        totalCount
      }
    }
  `),
  // Every user's entries: one's own are anyone's (test/timeclock.test.ts).
  readTimesheets: graphql(/* GraphQL */ `
    query MayReadTimesheets {
      timeEntries(first: 1) {
        totalCount
      }
    }
  `),
  readTimesheetExport: async (token) => {
    const response = await app.fetch('http://localhost/exports/timesheets.csv?from=2026-01-01&to=2026-01-31', {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    await response.body?.cancel();
    return HTTP_VERDICTS[response.status] ?? `HTTP ${response.status}`;
  },
  // Where production lets admins send any document: a text no client was built with.
  readWithAnyDocument: async (token) => {
    const result = await execute(
      graphql(/* GraphQL */ `
        query MayReadWithAnyDocument {
          organisation {
            id
          }
        }
      `),
      {},
      { app: adminsOnlyApp, token },
    );
    if (result.errors?.[0]?.extensions?.code !== 'TRUSTED_DOCUMENT_REQUIRED') return verdict(result);
    return token ? 'FORBIDDEN' : 'UNAUTHENTICATED';
  },
};

/** The verdict on a read, as a user (by id) or signed out. */
async function readVerdict(
  read: TypedDocumentNode<unknown, Record<string, never>> | HttpRead,
  user?: string,
): Promise<string> {
  if (typeof read === 'function') return read(user ? await bearer(user) : undefined);
  return verdict(await execute(read, {}, { as: user }));
}

/** Runs a case as a user, with the id of a node of its type where it takes one. */
function run(mutation: Case, id: (type: string) => string, as: string) {
  return 'type' in mutation
    ? execute(mutation.document, { id: id(mutation.type) }, { as })
    : execute(mutation.document, {}, { as });
}

const roleOf = () => ({
  [RoleName.SUPERADMIN]: people.superadmin,
  [RoleName.ADMIN]: people.admin,
  [RoleName.MANAGER]: people.manager,
  [RoleName.EMPLOYEE]: people.employee,
  [RoleName.WORKER]: people.worker,
});

function verdict(result: FormattedExecutionResult<unknown>): string {
  const code = result.errors?.[0]?.extensions?.code;
  if (code) return typeof code === 'string' ? code : JSON.stringify(code);
  return 'allowed';
}

let cases = 0;

describe('the permission matrix', () => {
  it('covers every mutation of the schema but sign-in and its own sessions', () => {
    const own = ['login', 'loginWithGoogle', 'refreshSession', 'logout', 'logoutEverywhere', 'changePassword'];
    const fields = Object.keys(schema.getMutationType()!.getFields()).filter((field) => !own.includes(field));
    expect(Object.keys(mutations).sort()).toEqual(fields.sort());
  });

  it.each(Object.keys(mutations) as (keyof typeof mutations)[])(
    '%s: each role allowed or denied as the matrix says',
    async (name) => {
      for (const [role, user] of Object.entries(roleOf())) {
        const result = await run(mutations[name], missing, user);
        const expected = may({ id: user, organisationId: '', sessionId: '', roles: [role as RoleName] }, name)
          ? 'allowed'
          : 'FORBIDDEN';
        expect({ role, verdict: verdict(result) }).toEqual({ role, verdict: expected });
        if (expected === 'allowed') expect(result.data?.result.__typename).toMatch(/Error$/);
        cases += 1;
      }
    },
  );

  it.each(Object.keys(mutations) as (keyof typeof mutations)[])(
    "%s: another organisation's admin finds nothing of ours",
    async (name) => {
      const result = await run(mutations[name], (type) => real[type]!, rival.admin);
      // An admin may run it in their own organisation (createOrganisation takes a superadmin).
      if (!may({ id: rival.admin, organisationId: '', sessionId: '', roles: [RoleName.ADMIN] }, name)) {
        expect(verdict(result)).toBe('FORBIDDEN');
      } else {
        expect(verdict(result)).toBe('allowed');
        expect(result.data?.result.__typename).toMatch(/^(NotFoundError|InputValidationError)$/);
      }
      cases += 1;
    },
  );

  it.each(Object.keys(reads) as (keyof typeof reads)[])(
    '%s: each role reads or is refused as the matrix says',
    async (name) => {
      for (const [role, user] of Object.entries(roleOf())) {
        const expected = may({ id: user, organisationId: '', sessionId: '', roles: [role as RoleName] }, name)
          ? 'allowed'
          : 'FORBIDDEN';
        expect({ role, verdict: await readVerdict(reads[name], user) }).toEqual({ role, verdict: expected });
        cases += 1;
      }
      expect(await readVerdict(reads[name])).toBe('UNAUTHENTICATED');
    },
  );

  it('lets only a superadmin grant SUPERADMIN, and lets a superadmin work across organisations', async () => {
    const grant = graphql(/* GraphQL */ `
      mutation MayGrantSuperadmin($id: ID!) {
        assignRole(userId: $id, role: SUPERADMIN) {
          __typename
        }
      }
    `);
    expect(verdict(await execute(grant, { id: real.User! }, { as: people.admin }))).toBe('FORBIDDEN');
    const search = graphql(/* GraphQL */ `
      query MaySearchEquipment($search: String!) {
        equipment(first: 100, filter: { search: $search }) {
          totalCount
        }
      }
    `);
    const seen = await execute(search, { search: 'Rival' }, { as: people.superadmin });
    expect(seen.errors).toBeUndefined();
    await database.db.equipment.create({
      data: { organisationId: rival.organisationId, name: 'Rival Press', category: 'MACHINERY', serialNumber: 'RP-1' },
    });
    const across = await execute(search, { search: 'Rival Press' }, { as: people.superadmin });
    expect(across.data).toEqual({ equipment: { totalCount: 1 } });
    const mine = await execute(search, { search: 'Rival Press' }, { as: people.admin });
    expect(mine.data).toEqual({ equipment: { totalCount: 0 } });
    console.log(`[authorization] ${cases + 3} role x operation cases`);
  });

  it('keeps secrets out of the schema', () => {
    const printed = Object.values(schema.getTypeMap())
      .flatMap((type) => ('getFields' in type ? Object.keys(type.getFields()) : []))
      .join(' ');
    expect(printed).not.toContain('passwordHash');
    expect(printed).not.toContain('refreshTokenHash');
    expect(printed).not.toContain('tokenHash');
    expect(Object.keys(permissions).length).toBe(Object.keys(mutations).length + Object.keys(reads).length);
  });
});
