import { beforeAll, describe, expect, it } from 'vitest';
import { RoleName } from '../src/generated/prisma/enums.js';
import { may, permissions, type Permission } from '../src/lib/permissions.js';
import { schema } from '../src/schema.js';
import { createApp } from '../src/yoga.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { app, bearer, demo, globalId, graphql, otherOrganisation } from './helpers/graphql.js';

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
  const first = async (model: 'equipment' | 'inventoryItem' | 'supplier' | 'purchaseOrder') =>
    (await (database.db[model] as any).findFirstOrThrow({ where: { organisationId: people.organisationId } }))
      .id as string;
  real.Equipment = globalId('Equipment', await first('equipment'));
  real.InventoryItem = globalId('InventoryItem', await first('inventoryItem'));
  real.Supplier = globalId('Supplier', await first('supplier'));
  real.PurchaseOrder = globalId('PurchaseOrder', await first('purchaseOrder'));
  real.User = globalId('User', people.worker);
  real.Organisation = globalId('Organisation', people.organisationId);
  const shift = await database.db.timeEntry.findFirstOrThrow({ where: { organisationId: people.organisationId } });
  real.TimeEntry = globalId('TimeEntry', shift.id);
  const record = await database.db.maintenanceRecord.findFirstOrThrow({
    where: { equipment: { organisationId: people.organisationId } },
  });
  real.MaintenanceRecord = globalId('MaintenanceRecord', record.id);
  const { organisationId } = people;
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

type Case = { document: string; variables: (ids: (type: string) => string) => Record<string, unknown> };
const outcome = '__typename';

/** A call of each mutation that changes nothing when allowed: it is invalid or names missing rows. */
const mutations: Record<Exclude<Permission, `read${string}`>, Case> = {
  createEquipment: {
    document: `mutation { createEquipment(input: { name: "", serialNumber: "", category: OTHER }) { ${outcome} } }`,
    variables: () => ({}),
  },
  updateEquipment: {
    document: `mutation($id: ID!) { updateEquipment(input: { id: $id, name: "x" }) { ${outcome} } }`,
    variables: (id) => ({ id: id('Equipment') }),
  },
  deleteEquipment: {
    document: `mutation($id: ID!) { deleteEquipment(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('Equipment') }),
  },
  restoreEquipment: {
    document: `mutation($id: ID!) { restoreEquipment(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('Equipment') }),
  },
  bulkUpdateNextMaintenance: {
    document: `mutation($id: ID!) { bulkUpdateNextMaintenance(ids: [$id], nextMaintenanceAt: "2030-01-01T00:00:00Z") { ${outcome} } }`,
    variables: (id) => ({ id: id('Equipment') }),
  },
  addMaintenanceRecord: {
    document: `mutation($id: ID!) { addMaintenanceRecord(input: { equipmentId: $id, maintenanceDate: "2026-01-01T00:00:00Z", nextMaintenance: "2025-01-01T00:00:00Z" }) { ${outcome} } }`,
    variables: (id) => ({ id: id('Equipment') }),
  },
  correctMaintenanceRecord: {
    document: `mutation($id: ID!) { correctMaintenanceRecord(input: { id: $id, notes: "x", reason: " " }) { ${outcome} } }`,
    variables: (id) => ({ id: id('MaintenanceRecord') }),
  },
  removeMaintenanceRecord: {
    document: `mutation($id: ID!) { removeMaintenanceRecord(id: $id, reason: "") { ${outcome} } }`,
    variables: (id) => ({ id: id('MaintenanceRecord') }),
  },
  createInventoryItem: {
    document: `mutation { createInventoryItem(input: { sku: "", name: "", location: "" }) { ${outcome} } }`,
    variables: () => ({}),
  },
  updateInventoryItem: {
    document: `mutation($id: ID!) { updateInventoryItem(input: { id: $id, name: "x" }) { ${outcome} } }`,
    variables: (id) => ({ id: id('InventoryItem') }),
  },
  deleteInventoryItem: {
    document: `mutation($id: ID!) { deleteInventoryItem(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('InventoryItem') }),
  },
  restoreInventoryItem: {
    document: `mutation($id: ID!) { restoreInventoryItem(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('InventoryItem') }),
  },
  adjustStock: {
    document: `mutation($id: ID!) { adjustStock(input: { itemId: $id, delta: -1000000 }) { ${outcome} } }`,
    variables: (id) => ({ id: id('InventoryItem') }),
  },
  createSupplier: {
    document: `mutation { createSupplier(input: { name: "" }) { ${outcome} } }`,
    variables: () => ({}),
  },
  updateSupplier: {
    document: `mutation($id: ID!) { updateSupplier(input: { id: $id, email: "not an email" }) { ${outcome} } }`,
    variables: (id) => ({ id: id('Supplier') }),
  },
  deleteSupplier: {
    document: `mutation($id: ID!) { deleteSupplier(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('Supplier') }),
  },
  restoreSupplier: {
    document: `mutation($id: ID!) { restoreSupplier(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('Supplier') }),
  },
  createPurchaseOrder: {
    document: `mutation($id: ID!) { createPurchaseOrder(input: { number: "", supplierId: $id, lines: [] }) { ${outcome} } }`,
    variables: (id) => ({ id: id('Supplier') }),
  },
  updatePurchaseOrder: {
    document: `mutation($id: ID!) { updatePurchaseOrder(input: { id: $id, number: "" }) { ${outcome} } }`,
    variables: (id) => ({ id: id('PurchaseOrder') }),
  },
  submitPurchaseOrder: {
    document: `mutation($id: ID!) { submitPurchaseOrder(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('PurchaseOrder') }),
  },
  approvePurchaseOrder: {
    document: `mutation($id: ID!) { approvePurchaseOrder(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('PurchaseOrder') }),
  },
  receivePurchaseOrder: {
    document: `mutation($id: ID!) { receivePurchaseOrder(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('PurchaseOrder') }),
  },
  cancelPurchaseOrder: {
    document: `mutation($id: ID!) { cancelPurchaseOrder(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('PurchaseOrder') }),
  },
  createChecklistTemplate: {
    document: `mutation { createChecklistTemplate(input: { name: "", category: OTHER, intervalDays: 0, items: [] }) { ${outcome} } }`,
    variables: () => ({}),
  },
  updateChecklistTemplate: {
    document: `mutation($id: ID!) { updateChecklistTemplate(input: { id: $id, intervalDays: 0 }) { ${outcome} } }`,
    variables: (id) => ({ id: id('ChecklistTemplate') }),
  },
  startInspection: {
    document: `mutation($id: ID!) { startInspection(equipmentId: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('Equipment') }),
  },
  submitInspection: {
    document: `mutation($id: ID!) { submitInspection(input: { inspectionId: $id, answers: [] }) { ${outcome} } }`,
    variables: (id) => ({ id: id('Inspection') }),
  },
  reportIncident: {
    document: `mutation { reportIncident(input: { kind: NEAR_MISS, severity: LOW, description: " ", occurredAt: "2026-01-01T00:00:00Z" }) { ${outcome} } }`,
    variables: () => ({}),
  },
  moveIncident: {
    document: `mutation($id: ID!) { moveIncident(input: { id: $id, status: CLOSED }) { ${outcome} } }`,
    variables: (id) => ({ id: id('Incident') }),
  },
  createOrganisation: {
    document: `mutation { createOrganisation(input: { name: " " }) { ${outcome} } }`,
    variables: () => ({}),
  },
  updateOrganisation: {
    document: `mutation($id: ID!) { updateOrganisation(input: { id: $id, workspaceFolderId: "x" }) { ${outcome} } }`,
    variables: (id) => ({ id: id('Organisation') }),
  },
  createUser: {
    document: `mutation { createUser(input: { email: "bad", name: "", password: "short" }) { ${outcome} } }`,
    variables: () => ({}),
  },
  updateUser: {
    document: `mutation($id: ID!) { updateUser(input: { id: $id, name: "" }) { ${outcome} } }`,
    variables: (id) => ({ id: id('User') }),
  },
  deactivateUser: {
    document: `mutation($id: ID!) { deactivateUser(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('User') }),
  },
  reactivateUser: {
    document: `mutation($id: ID!) { reactivateUser(id: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('User') }),
  },
  assignRole: {
    document: `mutation($id: ID!) { assignRole(userId: $id, role: MANAGER) { ${outcome} } }`,
    variables: (id) => ({ id: id('User') }),
  },
  revokeRole: {
    document: `mutation($id: ID!) { revokeRole(userId: $id, role: WORKER) { ${outcome} } }`,
    variables: (id) => ({ id: id('User') }),
  },
  revokeUserSessions: {
    document: `mutation($id: ID!) { revokeUserSessions(userId: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('User') }),
  },
  unlinkGoogle: {
    document: `mutation($id: ID!) { unlinkGoogle(userId: $id) { ${outcome} } }`,
    variables: (id) => ({ id: id('User') }),
  },
  // Punches more than the late-punch window old: refused as input, whatever the viewer's state.
  clockIn: {
    document: `mutation { clockIn(input: { source: WEB, at: "2000-01-01T00:00:00Z" }) { ${outcome} } }`,
    variables: () => ({}),
  },
  clockOut: {
    document: `mutation { clockOut(input: { at: "2000-01-01T00:00:00Z" }) { ${outcome} } }`,
    variables: () => ({}),
  },
  startBreak: {
    document: `mutation { startBreak(input: { at: "2000-01-01T00:00:00Z" }) { ${outcome} } }`,
    variables: () => ({}),
  },
  endBreak: {
    document: `mutation { endBreak(input: { at: "2000-01-01T00:00:00Z" }) { ${outcome} } }`,
    variables: () => ({}),
  },
  correctTimeEntry: {
    document: `mutation($id: ID!) { correctTimeEntry(input: { id: $id, notes: "x", reason: " " }) { ${outcome} } }`,
    variables: (id) => ({ id: id('TimeEntry') }),
  },
  approveTimesheet: {
    document: `mutation($id: ID!) { approveTimesheet(input: { userId: $id, from: "2026-01-10", to: "2026-01-01" }) { ${outcome} } }`,
    variables: (id) => ({ id: id('User') }),
  },
};

/** A read over HTTP rather than GraphQL: its verdict from the status it answers with. */
type HttpRead = (token?: string) => Promise<string>;

const adminsOnlyApp = createApp(
  testConfig({ env: 'production', trustedDocuments: { ...testConfig().trustedDocuments, mode: 'admins' } }),
);

const HTTP_VERDICTS: Record<number, string> = { 200: 'allowed', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN' };

const reads: Record<Extract<Permission, `read${string}`>, string | HttpRead> = {
  readOrganisation: `{ organisation { summary { equipmentCount } } }`,
  readEquipment: `{ equipment(first: 1) { totalCount } maintenanceRecords(first: 1) { totalCount } }`,
  readInventory: `{ inventoryItems(first: 1) { totalCount edges { node { movements(first: 1) { totalCount } } } } }`,
  readPurchasing: `{ purchaseOrders(first: 1) { totalCount } suppliers(first: 1) { totalCount } }`,
  readUsers: `{ users(first: 1) { totalCount } }`,
  // The demo's equipment was created by its manager: another user's details for every other role.
  readPersonalDetails: `{ equipment(first: 1) { edges { node { createdBy { phone notes } } } } }`,
  // The demo's roles were all assigned by its admin: another user's Google link for every other role.
  readGoogleLink: `{ equipment(first: 1) { edges { node { createdBy { roleAssignments { assignedBy { googleLinked } } } } } } }`,
  readAudit: `{ auditEvents(first: 1) { totalCount } }`,
  readSafety: `{ checklistTemplates(first: 1) { totalCount } inspectionsDue(first: 1) { totalCount }
    correctiveActions(first: 1) { totalCount } organisation { inspectionCompliance { ratio } }
    viewer { inspections(first: 1) { totalCount } reportedIncidents(first: 1) { totalCount } } }`,
  readSafetyRecords: `{ inspections(first: 1) { totalCount } incidents(first: 1) { totalCount } }`,
  // Every user's entries: one's own are anyone's (test/timeclock.test.ts).
  readTimesheets: `{ timeEntries(first: 1) { totalCount } }`,
  readTimesheetExport: async (token) => {
    const response = await app.fetch('http://localhost/exports/timesheets.csv?from=2026-01-01&to=2026-01-31', {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    await response.body?.cancel();
    return HTTP_VERDICTS[response.status] ?? `HTTP ${response.status}`;
  },
  // Where production lets admins send any document: a text no client was built with.
  readWithAnyDocument: async (token) => {
    const response = await adminsOnlyApp.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: '{ organisation { id } }' }),
    });
    const result = (await response.json()) as Parameters<typeof verdict>[0];
    if (result.errors?.[0]?.extensions?.code !== 'TRUSTED_DOCUMENT_REQUIRED') return verdict(result);
    return token ? 'FORBIDDEN' : 'UNAUTHENTICATED';
  },
};

/** The verdict on a read, as a user (by id) or signed out. */
async function readVerdict(read: string | HttpRead, user?: string): Promise<string> {
  if (typeof read !== 'string') return read(user ? await bearer(user) : undefined);
  return verdict(await graphql(read, {}, { as: user }));
}

const roleOf = () => ({
  [RoleName.SUPERADMIN]: people.superadmin,
  [RoleName.ADMIN]: people.admin,
  [RoleName.MANAGER]: people.manager,
  [RoleName.EMPLOYEE]: people.employee,
  [RoleName.WORKER]: people.worker,
});

function verdict(result: Awaited<ReturnType<typeof graphql>>): string {
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
      const { document, variables } = mutations[name];
      for (const [role, user] of Object.entries(roleOf())) {
        const result = await graphql(document, variables(missing), { as: user });
        const expected = may({ id: user, organisationId: '', sessionId: '', roles: [role as RoleName] }, name)
          ? 'allowed'
          : 'FORBIDDEN';
        expect({ role, verdict: verdict(result) }).toEqual({ role, verdict: expected });
        if (expected === 'allowed') expect(result.data?.[Object.keys(result.data)[0]!]?.__typename).toMatch(/Error$/);
        cases += 1;
      }
    },
  );

  it.each(Object.keys(mutations) as (keyof typeof mutations)[])(
    "%s: another organisation's admin finds nothing of ours",
    async (name) => {
      const { document, variables } = mutations[name];
      const result = await graphql(
        document,
        variables((type) => real[type]!),
        { as: rival.admin },
      );
      // An admin may run it in their own organisation (createOrganisation takes a superadmin).
      if (!may({ id: rival.admin, organisationId: '', sessionId: '', roles: [RoleName.ADMIN] }, name)) {
        expect(verdict(result)).toBe('FORBIDDEN');
      } else {
        expect(verdict(result)).toBe('allowed');
        expect(result.data?.[Object.keys(result.data)[0]!]?.__typename).toMatch(
          /^(NotFoundError|InputValidationError)$/,
        );
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
    const grant = `mutation($id: ID!) { assignRole(userId: $id, role: SUPERADMIN) { __typename } }`;
    expect(verdict(await graphql(grant, { id: real.User }, { as: people.admin }))).toBe('FORBIDDEN');
    const seen = await graphql(
      `
        {
          equipment(first: 100, filter: { search: "Rival" }) {
            totalCount
          }
        }
      `,
      {},
      { as: people.superadmin },
    );
    expect(seen.errors).toBeUndefined();
    await database.db.equipment.create({
      data: { organisationId: rival.organisationId, name: 'Rival Press', category: 'MACHINERY', serialNumber: 'RP-1' },
    });
    const across = await graphql(
      `
        {
          equipment(first: 100, filter: { search: "Rival Press" }) {
            totalCount
          }
        }
      `,
      {},
      { as: people.superadmin },
    );
    expect(across.data).toEqual({ equipment: { totalCount: 1 } });
    const mine = await graphql(
      `
        {
          equipment(first: 100, filter: { search: "Rival Press" }) {
            totalCount
          }
        }
      `,
      {},
      { as: people.admin },
    );
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
