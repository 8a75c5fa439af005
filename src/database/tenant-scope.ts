import { Prisma } from '../generated/prisma/client.js';
import { currentTenant, TenantScopeError, type Tenant } from '../lib/tenancy.js';

type ModelName = Prisma.ModelName;
type Where = Record<string, unknown>;

/**
 * Every model that belongs to an organisation, with the filter that confines it to one: its own
 * organisation_id, or its parent's. Roles and sign-in failures belong to no organisation.
 */
const SCOPES: Partial<Record<ModelName, (organisationId: string) => Where>> = {
  Organisation: (organisationId) => ({ id: organisationId }),
  User: (organisationId) => ({ organisationId }),
  UserRole: (organisationId) => ({ user: { organisationId } }),
  Session: (organisationId) => ({ user: { organisationId } }),
  RotatedRefreshToken: (organisationId) => ({ session: { user: { organisationId } } }),
  Equipment: (organisationId) => ({ organisationId }),
  MaintenanceRecord: (organisationId) => ({ equipment: { organisationId } }),
  InventoryItem: (organisationId) => ({ organisationId }),
  StockMovement: (organisationId) => ({ item: { organisationId } }),
  Supplier: (organisationId) => ({ organisationId }),
  PurchaseOrder: (organisationId) => ({ organisationId }),
  PurchaseOrderLine: (organisationId) => ({ purchaseOrder: { organisationId } }),
  Batch: (organisationId) => ({ organisationId }),
  BatchCreationEvent: (organisationId) => ({ batch: { organisationId } }),
  AuditEvent: (organisationId) => ({ organisationId }),
  IdempotencyKey: (organisationId) => ({ organisationId }),
  ChecklistTemplate: (organisationId) => ({ organisationId }),
  ChecklistTemplateVersion: (organisationId) => ({ template: { organisationId } }),
  ChecklistItem: (organisationId) => ({ version: { template: { organisationId } } }),
  Inspection: (organisationId) => ({ organisationId }),
  InspectionAnswer: (organisationId) => ({ inspection: { organisationId } }),
  CorrectiveAction: (organisationId) => ({ organisationId }),
  Incident: (organisationId) => ({ organisationId }),
  IncidentPerson: (organisationId) => ({ incident: { organisationId } }),
  TimeEntry: (organisationId) => ({ organisationId }),
  TimeBreak: (organisationId) => ({ entry: { organisationId } }),
  TimesheetApproval: (organisationId) => ({ organisationId }),
};

/** The field naming a row's organisation, for models that have one; the others hang off a parent. */
const OWNER_FIELDS: Partial<Record<ModelName, string>> = {
  Organisation: 'id',
  User: 'organisationId',
  Equipment: 'organisationId',
  InventoryItem: 'organisationId',
  Supplier: 'organisationId',
  PurchaseOrder: 'organisationId',
  Batch: 'organisationId',
  AuditEvent: 'organisationId',
  IdempotencyKey: 'organisationId',
  ChecklistTemplate: 'organisationId',
  Inspection: 'organisationId',
  CorrectiveAction: 'organisationId',
  Incident: 'organisationId',
  TimeEntry: 'organisationId',
  TimesheetApproval: 'organisationId',
};

const CREATES = new Set(['create', 'createMany', 'createManyAndReturn', 'upsert']);

function withScope(where: Where | undefined, scope: Where): Where {
  const and = where?.AND;
  return { ...where, AND: [...(Array.isArray(and) ? (and as unknown[]) : and ? [and] : []), scope] };
}

function checkCreate(model: ModelName, data: unknown, organisationId: string) {
  const owner = OWNER_FIELDS[model];
  const rows = (Array.isArray(data) ? data : [data]) as Where[];
  if (owner && rows.some((row) => row[owner] !== organisationId)) {
    throw new TenantScopeError(`a ${model} may be created only in the tenant's organisation`);
  }
}

/**
 * Confines every query of an organisation's rows to the tenant of the code running (tenancy.ts):
 * reads, updates and deletes get the tenant's filter, and a row with its own organisation_id is
 * created only in the tenant's organisation. Without a tenant the query is refused. A row created
 * under a parent (a maintenance record, a stock movement) names a parent its mutation read through
 * this filter, and the database keeps it with its parent's organisation (migration
 * integrity_guards). Raw SQL is not seen here: its callers filter explicitly.
 */
export function tenantScope() {
  return Prisma.defineExtension((prisma) =>
    prisma.$extends({
      name: 'tenant-scope',
      query: {
        $allModels: {
          async $allOperations({ model, operation, args, query }) {
            const scope = SCOPES[model];
            if (!scope) return query(args);
            const tenant = currentTenant();
            if (tenant === undefined) {
              throw new TenantScopeError(
                `${model}.${operation} outside a tenant's scope (use withTenant, or the system client)`,
              );
            }
            if (tenant.every) return query(args);
            const scoped = args as { where?: Where; data?: unknown; create?: unknown };
            if (CREATES.has(operation)) {
              const upsert = operation === 'upsert';
              checkCreate(model, upsert ? scoped.create : scoped.data, tenant.organisationId);
              if (!upsert) return query(args);
            }
            return query({ ...scoped, where: withScope(scoped.where, scope(tenant.organisationId)) });
          },
        },
      },
    }),
  );
}

/**
 * A model's tenant filter, for the one place the data layer cannot add it: a relation read through
 * a row that belongs to no organisation (a role's users).
 */
export function tenantWhere(model: ModelName, tenant: Tenant): Where {
  return tenant.every ? {} : SCOPES[model]!(tenant.organisationId);
}
