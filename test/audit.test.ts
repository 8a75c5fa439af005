import { Kind } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema.js';
import { createApp } from '../src/yoga.js';
import { testConfig } from './helpers/config.js';
import { useTestDatabase } from './helpers/database.js';
import { graphql } from './generated/index.js';
import { googleAccount, startGoogle, type Google } from './helpers/google.js';
import { data, demo, globalId, type As, type TypedDocumentNode } from './helpers/graphql.js';

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

/** One document per mutation of the schema, each answering as `result`. */
const mutations = {
  createEquipment: graphql(/* GraphQL */ `
    mutation AuditCreateEquipment($input: CreateEquipmentInput!) {
      result: createEquipment(input: $input) {
        __typename
        ...MutationError
        ... on CreateEquipmentSuccess {
          equipment {
            id
          }
        }
      }
    }
  `),
  updateEquipment: graphql(/* GraphQL */ `
    mutation AuditUpdateEquipment($input: UpdateEquipmentInput!) {
      result: updateEquipment(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  addMaintenanceRecord: graphql(/* GraphQL */ `
    mutation AuditAddMaintenanceRecord($input: AddMaintenanceRecordInput!) {
      result: addMaintenanceRecord(input: $input) {
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
  correctMaintenanceRecord: graphql(/* GraphQL */ `
    mutation AuditCorrectMaintenanceRecord($input: CorrectMaintenanceRecordInput!) {
      result: correctMaintenanceRecord(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  removeMaintenanceRecord: graphql(/* GraphQL */ `
    mutation AuditRemoveMaintenanceRecord($id: ID!, $reason: String!) {
      result: removeMaintenanceRecord(id: $id, reason: $reason) {
        __typename
        ...MutationError
      }
    }
  `),
  bulkUpdateNextMaintenance: graphql(/* GraphQL */ `
    mutation AuditBulkUpdateNextMaintenance($ids: [ID!]!, $at: DateTime!) {
      result: bulkUpdateNextMaintenance(ids: $ids, nextMaintenanceAt: $at) {
        __typename
        ...MutationError
      }
    }
  `),
  deleteEquipment: graphql(/* GraphQL */ `
    mutation AuditDeleteEquipment($id: ID!) {
      result: deleteEquipment(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  restoreEquipment: graphql(/* GraphQL */ `
    mutation AuditRestoreEquipment($id: ID!) {
      result: restoreEquipment(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  createInventoryItem: graphql(/* GraphQL */ `
    mutation AuditCreateInventoryItem($input: CreateInventoryItemInput!) {
      result: createInventoryItem(input: $input) {
        __typename
        ...MutationError
        ... on CreateInventoryItemSuccess {
          inventoryItem {
            id
          }
        }
      }
    }
  `),
  updateInventoryItem: graphql(/* GraphQL */ `
    mutation AuditUpdateInventoryItem($input: UpdateInventoryItemInput!) {
      result: updateInventoryItem(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  adjustStock: graphql(/* GraphQL */ `
    mutation AuditAdjustStock($input: AdjustStockInput!) {
      result: adjustStock(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  deleteInventoryItem: graphql(/* GraphQL */ `
    mutation AuditDeleteInventoryItem($id: ID!) {
      result: deleteInventoryItem(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  restoreInventoryItem: graphql(/* GraphQL */ `
    mutation AuditRestoreInventoryItem($id: ID!) {
      result: restoreInventoryItem(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  createSupplier: graphql(/* GraphQL */ `
    mutation AuditCreateSupplier($input: CreateSupplierInput!) {
      result: createSupplier(input: $input) {
        __typename
        ...MutationError
        ... on CreateSupplierSuccess {
          supplier {
            id
          }
        }
      }
    }
  `),
  updateSupplier: graphql(/* GraphQL */ `
    mutation AuditUpdateSupplier($input: UpdateSupplierInput!) {
      result: updateSupplier(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  deleteSupplier: graphql(/* GraphQL */ `
    mutation AuditDeleteSupplier($id: ID!) {
      result: deleteSupplier(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  restoreSupplier: graphql(/* GraphQL */ `
    mutation AuditRestoreSupplier($id: ID!) {
      result: restoreSupplier(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  createPurchaseOrder: graphql(/* GraphQL */ `
    mutation AuditCreatePurchaseOrder($input: CreatePurchaseOrderInput!) {
      result: createPurchaseOrder(input: $input) {
        __typename
        ...MutationError
        ... on CreatePurchaseOrderSuccess {
          purchaseOrder {
            id
          }
        }
      }
    }
  `),
  updatePurchaseOrder: graphql(/* GraphQL */ `
    mutation AuditUpdatePurchaseOrder($input: UpdatePurchaseOrderInput!) {
      result: updatePurchaseOrder(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  submitPurchaseOrder: graphql(/* GraphQL */ `
    mutation AuditSubmitPurchaseOrder($id: ID!) {
      result: submitPurchaseOrder(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  approvePurchaseOrder: graphql(/* GraphQL */ `
    mutation AuditApprovePurchaseOrder($id: ID!) {
      result: approvePurchaseOrder(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  receivePurchaseOrder: graphql(/* GraphQL */ `
    mutation AuditReceivePurchaseOrder($id: ID!) {
      result: receivePurchaseOrder(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  cancelPurchaseOrder: graphql(/* GraphQL */ `
    mutation AuditCancelPurchaseOrder($id: ID!) {
      result: cancelPurchaseOrder(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  createChecklistTemplate: graphql(/* GraphQL */ `
    mutation AuditCreateChecklistTemplate($input: CreateChecklistTemplateInput!) {
      result: createChecklistTemplate(input: $input) {
        __typename
        ...MutationError
        ... on CreateChecklistTemplateSuccess {
          checklistTemplate {
            id
          }
        }
      }
    }
  `),
  updateChecklistTemplate: graphql(/* GraphQL */ `
    mutation AuditUpdateChecklistTemplate($input: UpdateChecklistTemplateInput!) {
      result: updateChecklistTemplate(input: $input) {
        __typename
        ...MutationError
        ... on UpdateChecklistTemplateSuccess {
          checklistTemplate {
            currentVersion {
              items {
                id
              }
            }
          }
        }
      }
    }
  `),
  startInspection: graphql(/* GraphQL */ `
    mutation AuditStartInspection($id: ID!) {
      result: startInspection(equipmentId: $id) {
        __typename
        ...MutationError
        ... on StartInspectionSuccess {
          inspection {
            id
          }
        }
      }
    }
  `),
  submitInspection: graphql(/* GraphQL */ `
    mutation AuditSubmitInspection($input: SubmitInspectionInput!) {
      result: submitInspection(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  reportIncident: graphql(/* GraphQL */ `
    mutation AuditReportIncident($input: ReportIncidentInput!) {
      result: reportIncident(input: $input) {
        __typename
        ...MutationError
        ... on ReportIncidentSuccess {
          incident {
            id
          }
        }
      }
    }
  `),
  moveIncident: graphql(/* GraphQL */ `
    mutation AuditMoveIncident($input: MoveIncidentInput!) {
      result: moveIncident(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  createUser: graphql(/* GraphQL */ `
    mutation AuditCreateUser($input: CreateUserInput!) {
      result: createUser(input: $input) {
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
  updateUser: graphql(/* GraphQL */ `
    mutation AuditUpdateUser($input: UpdateUserInput!) {
      result: updateUser(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  assignRole: graphql(/* GraphQL */ `
    mutation AuditAssignRole($userId: ID!) {
      result: assignRole(userId: $userId, role: EMPLOYEE) {
        __typename
        ...MutationError
      }
    }
  `),
  revokeRole: graphql(/* GraphQL */ `
    mutation AuditRevokeRole($userId: ID!) {
      result: revokeRole(userId: $userId, role: EMPLOYEE) {
        __typename
        ...MutationError
      }
    }
  `),
  revokeUserSessions: graphql(/* GraphQL */ `
    mutation AuditRevokeUserSessions($userId: ID!) {
      result: revokeUserSessions(userId: $userId) {
        __typename
        ...MutationError
      }
    }
  `),
  deactivateUser: graphql(/* GraphQL */ `
    mutation AuditDeactivateUser($id: ID!) {
      result: deactivateUser(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  reactivateUser: graphql(/* GraphQL */ `
    mutation AuditReactivateUser($id: ID!) {
      result: reactivateUser(id: $id) {
        __typename
        ...MutationError
      }
    }
  `),
  updateOrganisation: graphql(/* GraphQL */ `
    mutation AuditUpdateOrganisation($input: UpdateOrganisationInput!) {
      result: updateOrganisation(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  clockIn: graphql(/* GraphQL */ `
    mutation AuditClockIn($input: ClockInInput!) {
      result: clockIn(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  startBreak: graphql(/* GraphQL */ `
    mutation AuditStartBreak($input: StartBreakInput!) {
      result: startBreak(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  endBreak: graphql(/* GraphQL */ `
    mutation AuditEndBreak($input: EndBreakInput!) {
      result: endBreak(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  clockOut: graphql(/* GraphQL */ `
    mutation AuditClockOut($input: ClockOutInput!) {
      result: clockOut(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  correctTimeEntry: graphql(/* GraphQL */ `
    mutation AuditCorrectTimeEntry($input: CorrectTimeEntryInput!) {
      result: correctTimeEntry(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  approveTimesheet: graphql(/* GraphQL */ `
    mutation AuditApproveTimesheet($input: ApproveTimesheetInput!) {
      result: approveTimesheet(input: $input) {
        __typename
        ...MutationError
      }
    }
  `),
  createOrganisation: graphql(/* GraphQL */ `
    mutation AuditCreateOrganisation($input: CreateOrganisationInput!) {
      result: createOrganisation(input: $input) {
        __typename
        ...MutationError
        ... on CreateOrganisationSuccess {
          organisation {
            id
          }
        }
      }
    }
  `),
  login: graphql(/* GraphQL */ `
    mutation AuditLogin($input: LoginInput!) {
      result: login(input: $input) {
        __typename
        ...MutationError
        ... on LoginSuccess {
          tokens {
            accessToken
            refreshToken
          }
        }
      }
    }
  `),
  refreshSession: graphql(/* GraphQL */ `
    mutation AuditRefreshSession($refreshToken: String!) {
      result: refreshSession(refreshToken: $refreshToken) {
        __typename
        ...MutationError
        ... on RefreshSessionSuccess {
          tokens {
            accessToken
          }
        }
      }
    }
  `),
  logout: graphql(/* GraphQL */ `
    mutation AuditLogout {
      result: logout {
        __typename
        ...MutationError
      }
    }
  `),
  changePassword: graphql(/* GraphQL */ `
    mutation AuditChangePassword($input: ChangePasswordInput!) {
      result: changePassword(input: $input) {
        __typename
        ...MutationError
        ... on ChangePasswordSuccess {
          tokens {
            accessToken
          }
        }
      }
    }
  `),
  logoutEverywhere: graphql(/* GraphQL */ `
    mutation AuditLogoutEverywhere {
      result: logoutEverywhere {
        __typename
        ...MutationError
      }
    }
  `),
  loginWithGoogle: graphql(/* GraphQL */ `
    mutation AuditLoginWithGoogle($idToken: String!) {
      result: loginWithGoogle(idToken: $idToken) {
        __typename
        ...MutationError
        ... on LoginWithGoogleSuccess {
          tokens {
            accessToken
          }
        }
      }
    }
  `),
  unlinkGoogle: graphql(/* GraphQL */ `
    mutation AuditUnlinkGoogle($userId: ID!) {
      result: unlinkGoogle(userId: $userId) {
        __typename
        ...MutationError
      }
    }
  `),
};

const written = new Map<string, number>();

/** The mutation a document runs: the field of its one selection. */
function fieldOf(document: TypedDocumentNode<unknown, never>): string {
  const [operation] = document.definitions;
  const [selection] = operation?.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet.selections : [];
  if (selection?.kind !== Kind.FIELD) throw new Error('a document of one mutation field');
  return selection.name.value;
}

/**
 * Runs one mutation, as the admin unless told otherwise, records how many audit events it wrote,
 * and returns its result, which must be a success.
 */
async function mutate<R extends { __typename: string }, V>(
  document: TypedDocumentNode<{ result: R }, V>,
  variables: NoInfer<V>,
  as: As = { as: people.admin },
): Promise<Extract<R, { __typename: `${string}Success` }>> {
  const before = await database.db.auditEvent.count();
  const { result } = await data(document, variables, as);
  expect(result.__typename, JSON.stringify(result)).toMatch(/Success$/);
  written.set(fieldOf(document), (await database.db.auditEvent.count()) - before);
  return result as Extract<R, { __typename: `${string}Success` }>;
}

describe('the audit trail', () => {
  it('records every mutation of the schema, with its actor, in its own transaction', async () => {
    const m = mutations;
    const equipment = await mutate(m.createEquipment, {
      input: { name: 'Audit Rig', serialNumber: 'AR-1', category: 'OTHER' },
    });
    const equipmentId = equipment.equipment.id;
    await mutate(m.updateEquipment, { input: { id: equipmentId, status: 'IN_MAINTENANCE' } });
    const record = await mutate(m.addMaintenanceRecord, {
      input: { equipmentId, maintenanceDate: '2026-11-01T00:00:00Z' },
    });
    const recordId = record.maintenanceRecord.id;
    await mutate(m.correctMaintenanceRecord, {
      input: { id: recordId, notes: 'Oil changed', reason: 'Notes were missing' },
    });
    await mutate(m.removeMaintenanceRecord, { id: recordId, reason: 'Entered twice' });
    await mutate(m.bulkUpdateNextMaintenance, { ids: [equipmentId], at: '2027-01-01T00:00:00Z' });
    await mutate(m.deleteEquipment, { id: equipmentId });
    await mutate(m.restoreEquipment, { id: equipmentId });

    const item = await mutate(m.createInventoryItem, { input: { sku: 'AUD-1', name: 'Audit item', location: 'X' } });
    const itemId = item.inventoryItem.id;
    await mutate(m.updateInventoryItem, { input: { id: itemId, minQty: 2 } });
    await mutate(m.adjustStock, { input: { itemId, delta: 5 } });
    await mutate(m.deleteInventoryItem, { id: itemId });
    await mutate(m.restoreInventoryItem, { id: itemId });

    const supplier = await mutate(m.createSupplier, { input: { name: 'Audit Supplies' } });
    const supplierId = supplier.supplier.id;
    await mutate(m.updateSupplier, { input: { id: supplierId, phone: '+44 1' } });
    await mutate(m.deleteSupplier, { id: supplierId });
    await mutate(m.restoreSupplier, { id: supplierId });
    const line = { itemId, quantity: 2, unitPrice: '1.00' };
    const order = await mutate(m.createPurchaseOrder, { input: { number: 'AUD-PO-1', supplierId, lines: [line] } });
    const orderId = order.purchaseOrder.id;
    await mutate(m.updatePurchaseOrder, { input: { id: orderId, lines: [line, line] } });
    await mutate(m.submitPurchaseOrder, { id: orderId });
    await mutate(m.approvePurchaseOrder, { id: orderId });
    await mutate(m.receivePurchaseOrder, { id: orderId });
    const cancelled = await mutate(m.createPurchaseOrder, {
      input: { number: 'AUD-PO-2', supplierId, lines: [line] },
    });
    await mutate(m.cancelPurchaseOrder, { id: cancelled.purchaseOrder.id });

    const checklist = await mutate(m.createChecklistTemplate, {
      input: {
        name: 'Laptop check',
        category: 'IT_HARDWARE',
        intervalDays: 30,
        items: [{ label: 'Screen intact?', kind: 'YES_NO', critical: true }],
      },
    });
    const edited = await mutate(m.updateChecklistTemplate, {
      input: {
        id: checklist.checklistTemplate.id,
        items: [{ label: 'Battery health', kind: 'NUMBER', minValue: '80', unit: '%' }],
      },
    });
    const laptop = await database.db.equipment.findFirstOrThrow({ where: { serialNumber: 'DL-7Q2K' } });
    const inspection = await mutate(m.startInspection, { id: globalId('Equipment', laptop.id) });
    await mutate(m.submitInspection, {
      input: {
        inspectionId: inspection.inspection.id,
        answers: [{ itemId: edited.checklistTemplate.currentVersion.items[0]!.id, number: '91' }],
      },
    });
    const incident = await mutate(m.reportIncident, {
      input: {
        kind: 'NEAR_MISS',
        severity: 'LOW',
        description: 'Cable across the walkway.',
        occurredAt: '2026-11-01T09:00:00Z',
      },
    });
    await mutate(m.moveIncident, { input: { id: incident.incident.id, status: 'INVESTIGATING' } });

    const user = await mutate(m.createUser, {
      input: { email: 'audit@harbourworks.example', name: 'Audit Person', password: 'a sufficiently long one' },
    });
    const userId = user.user.id;
    await mutate(m.updateUser, { input: { id: userId, department: 'QA' } });
    await mutate(m.assignRole, { userId });
    await mutate(m.revokeRole, { userId });
    await mutate(m.revokeUserSessions, { userId });
    await mutate(m.deactivateUser, { id: userId });
    await mutate(m.reactivateUser, { id: userId });
    await mutate(m.updateOrganisation, {
      input: { id: globalId('Organisation', people.organisationId), workspaceFolderId: 'audit-folder' },
    });
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    await mutate(m.clockIn, { input: { source: 'WEB', at: minutesAgo(10) } });
    await mutate(m.startBreak, { input: { at: minutesAgo(8) } });
    await mutate(m.endBreak, { input: { at: minutesAgo(6) } });
    await mutate(m.clockOut, { input: { at: minutesAgo(4) } });
    const shift = await database.db.timeEntry.findFirstOrThrow({ where: { userId: people.worker, approvalId: null } });
    await mutate(m.correctTimeEntry, {
      input: { id: globalId('TimeEntry', shift.id), notes: 'Covered the gate', reason: 'Notes were missing' },
    });
    await mutate(m.approveTimesheet, {
      input: { userId: globalId('User', people.worker), from: '2025-01-06', to: '2025-01-12' },
    });
    // Only a superadmin starts an organisation; its events belong to the new organisation.
    const started = await mutate(
      m.createOrganisation,
      { input: { name: 'Audit Ventures' } },
      { as: people.superadmin },
    );
    const startedId = Buffer.from(started.organisation.id, 'base64').toString().split(':')[1];

    const credentials = { input: { email: 'ada@harbourworks.example', password: 'opsgraph-demo' } };
    const first = (await mutate(m.login, credentials)).tokens;
    const second = (await mutate(m.login, credentials)).tokens;
    const refreshed = (await mutate(m.refreshSession, { refreshToken: first.refreshToken })).tokens;
    await mutate(m.logout, {}, { token: refreshed.accessToken });
    const changed = (
      await mutate(
        m.changePassword,
        { input: { currentPassword: 'opsgraph-demo', newPassword: 'a brand new passphrase' } },
        { token: second.accessToken },
      )
    ).tokens;
    await mutate(m.logoutEverywhere, {}, { token: changed.accessToken });

    // Sign in with Google, through an app configured for it: the first time links the account too.
    const withGoogle = createApp(testConfig({ google: google.config() }));
    const idToken = await google.sign(googleAccount('ada@harbourworks.example'));
    const signedIn = await mutate(m.loginWithGoogle, { idToken }, { app: withGoogle });
    expect(written.get('loginWithGoogle')).toBe(2);
    await mutate(m.unlinkGoogle, { userId: globalId('User', people.admin) }, { token: signedIn.tokens.accessToken });

    const fields = Object.keys(schema.getMutationType()!.getFields()).sort();
    expect([...written.keys()].sort()).toEqual(fields);
    expect(fields.filter((field) => !(written.get(field)! >= 1))).toEqual([]);
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
