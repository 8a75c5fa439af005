import { Prisma } from '../generated/prisma/client.js';
import { getDatamodel } from '../generated/pothos-types.js';
import { currentTenant, TenantScopeError, type Tenant } from '../lib/tenancy.js';
import { notACursor } from '../lib/validation.js';

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

/** The model each relation field leads to, per model: where a nested read's cursor pages. */
const RELATIONS = Object.fromEntries(
  Object.entries(getDatamodel().datamodel.models).map(([model, { fields }]) => [
    model,
    Object.fromEntries(fields.filter((field) => field.kind === 'object').map((field) => [field.name, field.type])),
  ]),
) as Record<ModelName, Record<string, ModelName>>;

/** The relation reads nested in a query's select or include, each with the model it reads. */
function nestedReads(model: ModelName, args: Where): [key: 'select' | 'include', field: string, ModelName, Where][] {
  const reads: [key: 'select' | 'include', field: string, ModelName, Where][] = [];
  for (const key of ['select', 'include'] as const) {
    for (const [field, value] of Object.entries((args[key] as Where | undefined) ?? {})) {
      const target = RELATIONS[model]?.[field];
      if (target && typeof value === 'object' && value !== null) reads.push([key, field, target, value as Where]);
    }
  }
  return reads;
}

const holdsList = (value: unknown): boolean =>
  Array.isArray(value) ||
  (typeof value === 'object' && value !== null && !(value instanceof Date) && Object.values(value).some(holdsList));

/** A cursor whose page came from this query: checked to name a row of the tenant if its page is empty. */
type Cursor = { model: ModelName; where: Where };

type Client = Record<string, { findUnique(args: { where: Where }): Promise<unknown> }>;

const delegateName = (model: ModelName) => model.charAt(0).toLowerCase() + model.slice(1);

/**
 * The query's arguments with every cursor in them, its own and its nested relations', confined to
 * the tenant. A page is read from its cursor row's sort values, by a subquery the where filter does
 * not reach: another organisation's row would place the page by values the viewer must not learn
 * (a name, a quantity). A model with its own organisation column gets the column in the cursor,
 * in the same statement (a foreign row then matches nothing: `paged` lists these, for an empty
 * page to be told from a forged cursor); a model under a parent cannot carry a relation filter in
 * a cursor, and its cursor is looked up first (`lookUps`). Every cursor is refused if it is another
 * list's (a list of values where one is paged by); without an organisation (a superadmin's request)
 * that is all.
 */
function scopeCursors(
  model: ModelName,
  args: Where,
  organisationId: string | undefined,
  paged: Cursor[],
  lookUps: Cursor[],
): Where {
  let scoped = args;
  const cursor = args.cursor as Where | undefined;
  // A list's cursor names its row by scalar values: a list inside is another list's cursor.
  if (cursor && Object.values(cursor).some(holdsList)) throw notACursor();
  if (cursor && organisationId !== undefined && SCOPES[model]) {
    const owner = OWNER_FIELDS[model];
    if (owner) {
      scoped = { ...scoped, cursor: { ...cursor, [owner]: organisationId } };
      paged.push({ model, where: scoped.cursor as Where });
    } else {
      lookUps.push({ model, where: { ...cursor, AND: [SCOPES[model](organisationId)] } });
    }
  }
  for (const [key, field, target, read] of nestedReads(model, args)) {
    const confined = scopeCursors(target, read, organisationId, paged, lookUps);
    if (confined !== read) scoped = { ...scoped, [key]: { ...(scoped[key] as Where), [field]: confined } };
  }
  return scoped;
}

/** Whether a page read with one of the cursors came back empty, anywhere in a result. */
function emptyPage(model: ModelName, args: Where, result: unknown, top: boolean): boolean {
  if (Array.isArray(result)) {
    if (top && args.cursor && result.length === 0) return true;
    return result.some((row) => emptyPage(model, args, row, false));
  }
  if (typeof result !== 'object' || result === null) return false;
  return nestedReads(model, args).some(([, field, target, read]) =>
    emptyPage(target, read, (result as Where)[field], true),
  );
}

/** Refuses the query unless every cursor names a row of the tenant (one look-up per cursor). */
async function requireCursorRows(client: Client, cursors: Cursor[]) {
  for (const { model, where } of cursors) {
    if ((await client[delegateName(model)]!.findUnique({ where })) === null) throw notACursor();
  }
}

/**
 * Confines every query of an organisation's rows to the tenant of the code running (tenancy.ts):
 * reads, updates and deletes get the tenant's filter, and a row with its own organisation_id is
 * created only in the tenant's organisation. Without a tenant the query is refused. A row created
 * under a parent (a maintenance record, a stock movement) names a parent its mutation read through
 * this filter, and the database keeps it with its parent's organisation (migration
 * integrity_guards). Every page cursor, in the query or in its nested reads, is confined too
 * (`scopeCursors`). Raw SQL is not seen here: its callers filter explicitly.
 */
export function tenantScope() {
  return Prisma.defineExtension((prisma) =>
    prisma.$extends({
      name: 'tenant-scope',
      query: {
        $allModels: {
          async $allOperations({ model, operation, args, query }) {
            const scope = SCOPES[model];
            const tenant = currentTenant();
            if (tenant === undefined) {
              if (!scope) return query(args);
              throw new TenantScopeError(
                `${model}.${operation} outside a tenant's scope (use withTenant, or the system client)`,
              );
            }
            if (tenant.every) {
              scopeCursors(model, args, undefined, [], []);
              return query(args);
            }
            const scoped = args as { where?: Where; data?: unknown; create?: unknown };
            if (CREATES.has(operation)) {
              const upsert = operation === 'upsert';
              checkCreate(model, upsert ? scoped.create : scoped.data, tenant.organisationId);
              if (!upsert) return query(args);
            }
            const paged: Cursor[] = [];
            const lookUps: Cursor[] = [];
            const cursored = scopeCursors(model, scoped, tenant.organisationId, paged, lookUps);
            await requireCursorRows(prisma as unknown as Client, lookUps);
            const confined = scope
              ? { ...cursored, where: withScope(scoped.where, scope(tenant.organisationId)) }
              : cursored;
            const result = await query(confined);
            if (paged.length > 0 && emptyPage(model, confined, result, true)) {
              await requireCursorRows(prisma as unknown as Client, paged);
            }
            return result;
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
