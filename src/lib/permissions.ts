import { RoleName } from '../generated/prisma/enums.js';
import type { Viewer } from '../context.js';

const { ADMIN, MANAGER, EMPLOYEE, WORKER, SUPERADMIN } = RoleName;
const everyone = [ADMIN, MANAGER, EMPLOYEE, WORKER];
const office = [ADMIN, MANAGER, EMPLOYEE];
const managers = [ADMIN, MANAGER];
const admins = [ADMIN];

/**
 * Who may read what and run which mutation, by role. SUPERADMIN, the operator, may do everything
 * in every organisation; every other role only inside its own. The README's table is this one.
 */
export const permissions = {
  readOrganisation: { roles: everyone, what: 'the organisation and its summary counts' },
  readEquipment: { roles: everyone, what: 'equipment and maintenance records' },
  readInventory: { roles: everyone, what: 'inventory items, stock movements and batches' },
  readPurchasing: { roles: office, what: 'suppliers, purchase orders and batch provenance' },
  readUsers: { roles: managers, what: "lists of the organisation's users and of a role's users" },
  readPersonalDetails: { roles: managers, what: "another user's phone number and notes (one's own: anyone)" },
  readGoogleLink: { roles: admins, what: "whether another user's account is linked to Google (one's own: anyone)" },
  readAudit: { roles: admins, what: 'the audit trail' },
  readSafety: {
    roles: everyone,
    what: "checklists, inspections due, compliance, corrective actions, and one's own inspections and incident reports",
  },
  readSafetyRecords: { roles: managers, what: "everyone's inspections and incident reports (one's own: anyone)" },
  readTimesheets: {
    roles: managers,
    what: "another user's time entries, timesheet and approvals (one's own: anyone)",
  },
  readTimesheetExport: {
    roles: managers,
    what: 'the CSV export of approved timesheets (`GET /exports/timesheets.csv`)',
  },
  readWithAnyDocument: {
    roles: admins,
    what: 'and change with documents that are not trusted, where `TRUSTED_DOCUMENTS=admins` (trusted ones: anyone)',
  },
  createEquipment: { roles: managers, what: 'mutation' },
  updateEquipment: { roles: managers, what: 'mutation' },
  deleteEquipment: { roles: managers, what: 'mutation' },
  restoreEquipment: { roles: managers, what: 'mutation' },
  bulkUpdateNextMaintenance: { roles: managers, what: 'mutation' },
  addMaintenanceRecord: { roles: everyone, what: 'mutation' },
  correctMaintenanceRecord: { roles: managers, what: 'mutation (with a reason, kept in the audit trail)' },
  removeMaintenanceRecord: { roles: managers, what: 'mutation (with a reason, kept in the audit trail)' },
  createInventoryItem: { roles: managers, what: 'mutation' },
  updateInventoryItem: { roles: managers, what: 'mutation' },
  deleteInventoryItem: { roles: managers, what: 'mutation' },
  restoreInventoryItem: { roles: managers, what: 'mutation' },
  adjustStock: { roles: office, what: 'mutation' },
  createSupplier: { roles: managers, what: 'mutation' },
  updateSupplier: { roles: managers, what: 'mutation' },
  deleteSupplier: { roles: managers, what: 'mutation' },
  restoreSupplier: { roles: managers, what: 'mutation' },
  createPurchaseOrder: { roles: office, what: 'mutation' },
  updatePurchaseOrder: { roles: office, what: 'mutation' },
  submitPurchaseOrder: { roles: office, what: 'mutation' },
  approvePurchaseOrder: { roles: managers, what: 'mutation' },
  receivePurchaseOrder: { roles: office, what: 'mutation' },
  cancelPurchaseOrder: { roles: managers, what: 'mutation' },
  createChecklistTemplate: { roles: managers, what: 'mutation' },
  updateChecklistTemplate: { roles: managers, what: 'mutation (new items make a new version)' },
  startInspection: { roles: everyone, what: 'mutation' },
  submitInspection: { roles: everyone, what: "mutation (one's own inspection)" },
  reportIncident: { roles: everyone, what: 'mutation' },
  moveIncident: { roles: managers, what: 'mutation (reported → investigating → closed)' },
  createOrganisation: { roles: [], what: 'mutation (superadmin only)' },
  updateOrganisation: { roles: admins, what: 'mutation' },
  createUser: { roles: admins, what: 'mutation (granting SUPERADMIN takes a superadmin)' },
  updateUser: { roles: admins, what: 'mutation' },
  deactivateUser: { roles: admins, what: 'mutation' },
  reactivateUser: { roles: admins, what: 'mutation' },
  assignRole: { roles: admins, what: 'mutation (granting SUPERADMIN takes a superadmin)' },
  revokeRole: { roles: admins, what: 'mutation' },
  revokeUserSessions: { roles: admins, what: 'mutation' },
  unlinkGoogle: { roles: admins, what: 'mutation' },
  clockIn: { roles: everyone, what: "mutation (one's own)" },
  clockOut: { roles: everyone, what: "mutation (one's own)" },
  startBreak: { roles: everyone, what: "mutation (one's own)" },
  endBreak: { roles: everyone, what: "mutation (one's own)" },
  correctTimeEntry: { roles: managers, what: 'mutation (with a reason, kept in the audit trail)' },
  approveTimesheet: { roles: managers, what: "mutation (not one's own timesheet)" },
} satisfies Record<string, { roles: RoleName[]; what: string }>;

export type Permission = keyof typeof permissions;

export function isSuperadmin(viewer: Viewer | null): boolean {
  return viewer?.roles.includes(SUPERADMIN) ?? false;
}

export function may(viewer: Viewer | null, permission: Permission): boolean {
  if (!viewer) return false;
  if (isSuperadmin(viewer)) return true;
  const allowed: RoleName[] = permissions[permission].roles;
  return viewer.roles.some((role) => allowed.includes(role));
}

/** Whether a record's authScopes (true, or one permission) let the viewer read it. */
export function allows(viewer: Viewer | null, scopes: true | { may: Permission }): boolean {
  return scopes === true || may(viewer, scopes.may);
}
