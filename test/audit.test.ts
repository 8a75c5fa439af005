import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema.js';
import { createApp } from '../src/yoga.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { googleAccount, startGoogle, type Google } from './helpers/google.js';
import { data, demo, globalId, type As } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let google: Google;

beforeAll(async () => {
  people = await demo(database);
  google = await startGoogle();
});

afterAll(async () => {
  await google?.close();
});

const written = new Map<string, number>();

/** Runs one mutation as the admin, records how many audit events it wrote, and returns its result. */
async function mutate(
  field: string,
  args: string,
  variables: Record<string, unknown>,
  selection = '',
  as: As = { as: people.admin },
) {
  const before = await database.db.auditEvent.count();
  const declared = Object.keys(variables).length > 0;
  const result = await data(
    `mutation${declared ? '(' : ''}${Object.keys(variables)
      .map((name) => `$${name}: ${types[name]}`)
      .join(
        ', ',
      )}${declared ? ')' : ''} { ${field}${args ? `(${args})` : ''} { __typename ... on Error { message } ${selection} } }`,
    variables,
    as,
  );
  expect(result[field].__typename, JSON.stringify(result[field])).toMatch(/Success$/);
  written.set(field, (await database.db.auditEvent.count()) - before);
  return result[field];
}

const types: Record<string, string> = {
  id: 'ID!',
  ids: '[ID!]!',
  at: 'DateTime!',
  userId: 'ID!',
  equipment: 'CreateEquipmentInput!',
  update: 'UpdateEquipmentInput!',
  maintenance: 'AddMaintenanceRecordInput!',
  item: 'CreateInventoryItemInput!',
  itemUpdate: 'UpdateInventoryItemInput!',
  adjust: 'AdjustStockInput!',
  supplier: 'CreateSupplierInput!',
  supplierUpdate: 'UpdateSupplierInput!',
  order: 'CreatePurchaseOrderInput!',
  orderUpdate: 'UpdatePurchaseOrderInput!',
  user: 'CreateUserInput!',
  userUpdate: 'UpdateUserInput!',
  login: 'LoginInput!',
  refreshToken: 'String!',
  password: 'ChangePasswordInput!',
  correction: 'CorrectMaintenanceRecordInput!',
  reason: 'String!',
  organisation: 'CreateOrganisationInput!',
  organisationUpdate: 'UpdateOrganisationInput!',
  checklist: 'CreateChecklistTemplateInput!',
  checklistUpdate: 'UpdateChecklistTemplateInput!',
  submission: 'SubmitInspectionInput!',
  incident: 'ReportIncidentInput!',
  incidentMove: 'MoveIncidentInput!',
  clockIn: 'ClockInInput!',
  clockOut: 'ClockOutInput!',
  startBreak: 'StartBreakInput!',
  endBreak: 'EndBreakInput!',
  timeCorrection: 'CorrectTimeEntryInput!',
  approval: 'ApproveTimesheetInput!',
};

describe('the audit trail', () => {
  it('records every mutation of the schema, with its actor, in its own transaction', async () => {
    const equipment = await mutate(
      'createEquipment',
      'input: $equipment',
      { equipment: { name: 'Audit Rig', serialNumber: 'AR-1', category: 'OTHER' } },
      '... on CreateEquipmentSuccess { equipment { id } }',
    );
    const equipmentId = equipment.equipment.id;
    await mutate('updateEquipment', 'input: $update', { update: { id: equipmentId, status: 'IN_MAINTENANCE' } });
    const record = await mutate(
      'addMaintenanceRecord',
      'input: $maintenance',
      { maintenance: { equipmentId, maintenanceDate: '2026-11-01T00:00:00Z' } },
      '... on AddMaintenanceRecordSuccess { maintenanceRecord { id } }',
    );
    const recordId = record.maintenanceRecord.id;
    await mutate('correctMaintenanceRecord', 'input: $correction', {
      correction: { id: recordId, notes: 'Oil changed', reason: 'Notes were missing' },
    });
    await mutate('removeMaintenanceRecord', 'id: $id, reason: $reason', { id: recordId, reason: 'Entered twice' });
    await mutate('bulkUpdateNextMaintenance', 'ids: $ids, nextMaintenanceAt: $at', {
      ids: [equipmentId],
      at: '2027-01-01T00:00:00Z',
    });
    await mutate('deleteEquipment', 'id: $id', { id: equipmentId });
    await mutate('restoreEquipment', 'id: $id', { id: equipmentId });

    const item = await mutate(
      'createInventoryItem',
      'input: $item',
      { item: { sku: 'AUD-1', name: 'Audit item', location: 'X' } },
      '... on CreateInventoryItemSuccess { inventoryItem { id } }',
    );
    const itemId = item.inventoryItem.id;
    await mutate('updateInventoryItem', 'input: $itemUpdate', { itemUpdate: { id: itemId, minQty: 2 } });
    await mutate('adjustStock', 'input: $adjust', { adjust: { itemId, delta: 5 } });
    await mutate('deleteInventoryItem', 'id: $id', { id: itemId });
    await mutate('restoreInventoryItem', 'id: $id', { id: itemId });

    const supplier = await mutate(
      'createSupplier',
      'input: $supplier',
      { supplier: { name: 'Audit Supplies' } },
      '... on CreateSupplierSuccess { supplier { id } }',
    );
    const supplierId = supplier.supplier.id;
    await mutate('updateSupplier', 'input: $supplierUpdate', { supplierUpdate: { id: supplierId, phone: '+44 1' } });
    await mutate('deleteSupplier', 'id: $id', { id: supplierId });
    await mutate('restoreSupplier', 'id: $id', { id: supplierId });
    const line = { itemId, quantity: 2, unitPrice: '1.00' };
    const order = await mutate(
      'createPurchaseOrder',
      'input: $order',
      { order: { number: 'AUD-PO-1', supplierId, lines: [line] } },
      '... on CreatePurchaseOrderSuccess { purchaseOrder { id } }',
    );
    const orderId = order.purchaseOrder.id;
    await mutate('updatePurchaseOrder', 'input: $orderUpdate', { orderUpdate: { id: orderId, lines: [line, line] } });
    await mutate('submitPurchaseOrder', 'id: $id', { id: orderId });
    await mutate('approvePurchaseOrder', 'id: $id', { id: orderId });
    await mutate('receivePurchaseOrder', 'id: $id', { id: orderId });
    const cancelled = await mutate(
      'createPurchaseOrder',
      'input: $order',
      { order: { number: 'AUD-PO-2', supplierId, lines: [line] } },
      '... on CreatePurchaseOrderSuccess { purchaseOrder { id } }',
    );
    await mutate('cancelPurchaseOrder', 'id: $id', { id: cancelled.purchaseOrder.id });

    const checklist = await mutate(
      'createChecklistTemplate',
      'input: $checklist',
      {
        checklist: {
          name: 'Laptop check',
          category: 'IT_HARDWARE',
          intervalDays: 30,
          items: [{ label: 'Screen intact?', kind: 'YES_NO', critical: true }],
        },
      },
      '... on CreateChecklistTemplateSuccess { checklistTemplate { id } }',
    );
    const edited = await mutate(
      'updateChecklistTemplate',
      'input: $checklistUpdate',
      {
        checklistUpdate: {
          id: checklist.checklistTemplate.id,
          items: [{ label: 'Battery health', kind: 'NUMBER', minValue: '80', unit: '%' }],
        },
      },
      '... on UpdateChecklistTemplateSuccess { checklistTemplate { currentVersion { items { id } } } }',
    );
    const laptop = await database.db.equipment.findFirstOrThrow({ where: { serialNumber: 'DL-7Q2K' } });
    const inspection = await mutate(
      'startInspection',
      'equipmentId: $id',
      { id: globalId('Equipment', laptop.id) },
      '... on StartInspectionSuccess { inspection { id } }',
    );
    await mutate('submitInspection', 'input: $submission', {
      submission: {
        inspectionId: inspection.inspection.id,
        answers: [{ itemId: edited.checklistTemplate.currentVersion.items[0].id, number: '91' }],
      },
    });
    const incident = await mutate(
      'reportIncident',
      'input: $incident',
      {
        incident: {
          kind: 'NEAR_MISS',
          severity: 'LOW',
          description: 'Cable across the walkway.',
          occurredAt: '2026-11-01T09:00:00Z',
        },
      },
      '... on ReportIncidentSuccess { incident { id } }',
    );
    await mutate('moveIncident', 'input: $incidentMove', {
      incidentMove: { id: incident.incident.id, status: 'INVESTIGATING' },
    });

    const user = await mutate(
      'createUser',
      'input: $user',
      { user: { email: 'audit@harbourworks.example', name: 'Audit Person', password: 'a sufficiently long one' } },
      '... on CreateUserSuccess { user { id } }',
    );
    const userId = user.user.id;
    await mutate('updateUser', 'input: $userUpdate', { userUpdate: { id: userId, department: 'QA' } });
    await mutate('assignRole', 'userId: $userId, role: EMPLOYEE', { userId });
    await mutate('revokeRole', 'userId: $userId, role: EMPLOYEE', { userId });
    await mutate('revokeUserSessions', 'userId: $userId', { userId });
    await mutate('deactivateUser', 'id: $id', { id: userId });
    await mutate('reactivateUser', 'id: $id', { id: userId });
    await mutate('updateOrganisation', 'input: $organisationUpdate', {
      organisationUpdate: { id: globalId('Organisation', people.organisationId), workspaceFolderId: 'audit-folder' },
    });
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    await mutate('clockIn', 'input: $clockIn', { clockIn: { source: 'WEB', at: minutesAgo(10) } });
    await mutate('startBreak', 'input: $startBreak', { startBreak: { at: minutesAgo(8) } });
    await mutate('endBreak', 'input: $endBreak', { endBreak: { at: minutesAgo(6) } });
    await mutate('clockOut', 'input: $clockOut', { clockOut: { at: minutesAgo(4) } });
    const shift = await database.db.timeEntry.findFirstOrThrow({ where: { userId: people.worker, approvalId: null } });
    await mutate('correctTimeEntry', 'input: $timeCorrection', {
      timeCorrection: { id: globalId('TimeEntry', shift.id), notes: 'Covered the gate', reason: 'Notes were missing' },
    });
    await mutate('approveTimesheet', 'input: $approval', {
      approval: { userId: globalId('User', people.worker), from: '2025-01-06', to: '2025-01-12' },
    });
    // Only a superadmin starts an organisation; its events belong to the new organisation.
    const started = await mutate(
      'createOrganisation',
      'input: $organisation',
      { organisation: { name: 'Audit Ventures' } },
      '... on CreateOrganisationSuccess { organisation { id } }',
      { as: people.superadmin },
    );
    const startedId = Buffer.from(started.organisation.id, 'base64').toString().split(':')[1];

    const tokens = '... on LoginSuccess { tokens { accessToken refreshToken } }';
    const credentials = { login: { email: 'ada@harbourworks.example', password: 'opsgraph-demo' } };
    const first = (await mutate('login', 'input: $login', credentials, tokens)).tokens;
    const second = (await mutate('login', 'input: $login', credentials, tokens)).tokens;
    const refreshed = (
      await mutate(
        'refreshSession',
        'refreshToken: $refreshToken',
        { refreshToken: first.refreshToken },
        '... on RefreshSessionSuccess { tokens { accessToken } }',
      )
    ).tokens;
    await mutate('logout', '', {}, '', { token: refreshed.accessToken });
    const changed = (
      await mutate(
        'changePassword',
        'input: $password',
        { password: { currentPassword: 'opsgraph-demo', newPassword: 'a brand new passphrase' } },
        '... on ChangePasswordSuccess { tokens { accessToken } }',
        { token: second.accessToken },
      )
    ).tokens;
    await mutate('logoutEverywhere', '', {}, '', { token: changed.accessToken });

    // Sign in with Google, through an app configured for it: the first time links the account too.
    const withGoogle = createApp(testConfig({ google: google.config() }));
    const beforeGoogle = await database.db.auditEvent.count();
    const response = await withGoogle.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query:
          'mutation($idToken: String!) { loginWithGoogle(idToken: $idToken) { __typename ... on LoginWithGoogleSuccess { tokens { accessToken } } } }',
        variables: { idToken: await google.sign(googleAccount('ada@harbourworks.example')) },
      }),
    });
    const signedIn = (await response.json()).data.loginWithGoogle;
    expect(signedIn.__typename).toBe('LoginWithGoogleSuccess');
    written.set('loginWithGoogle', (await database.db.auditEvent.count()) - beforeGoogle);
    expect(written.get('loginWithGoogle')).toBe(2);
    await mutate('unlinkGoogle', 'userId: $userId', { userId: globalId('User', people.admin) }, '', {
      token: signedIn.tokens.accessToken,
    });

    const mutations = Object.keys(schema.getMutationType()!.getFields()).sort();
    expect([...written.keys()].sort()).toEqual(mutations);
    expect(mutations.filter((field) => !(written.get(field)! >= 1))).toEqual([]);
    const events = await database.db.auditEvent.findMany({
      where: { createdAt: { gte: new Date(Date.now() - 60_000) } },
    });
    const ofStarted = events.filter((event) => event.organisationId === startedId);
    expect(ofStarted.map((event) => [event.actorId, event.action])).toEqual([[people.superadmin, 'create']]);
    expect(
      events
        .filter((event) => event.organisationId !== startedId)
        .every((event) => event.actorId === people.admin && event.organisationId === people.organisationId),
    ).toBe(true);
  });
});
