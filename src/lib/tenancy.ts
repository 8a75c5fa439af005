import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Viewer } from '../context.js';
import { Prisma } from '../generated/prisma/client.js';
import { unauthenticated } from './errors.js';
import { isSuperadmin } from './permissions.js';

/**
 * The organisations a request may read and change: one organisation, or, for a superadmin, every
 * organisation. Built once per request from the session; never "no filter" by accident.
 */
export type Tenant = { readonly every: false; readonly organisationId: string } | { readonly every: true };

export const EVERY_ORGANISATION: Tenant = Object.freeze({ every: true });

export function organisationTenant(organisationId: string): Tenant {
  return Object.freeze({ every: false, organisationId });
}

export function tenantOf(viewer: Viewer): Tenant {
  return isSuperadmin(viewer) ? EVERY_ORGANISATION : organisationTenant(viewer.organisationId);
}

export function requireViewer({ viewer }: Context): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

export function requireTenant(context: Context): Tenant {
  requireViewer(context);
  return context.tenant!;
}

/**
 * The tenant the code running now acts for. The data layer (database/tenant-scope.ts) reads it for
 * every query of an organisation's rows and refuses the query when there is none: a resolver that
 * forgets its filter cannot reach another organisation, and code outside a request must use the
 * unscoped `system` client (db.ts) to work across organisations, instead of silently doing so.
 */
const current = new AsyncLocalStorage<Tenant>();

export function withTenant<T>(tenant: Tenant, run: () => T): T {
  return current.run(tenant, run);
}

export function currentTenant(): Tenant | undefined {
  return current.getStore();
}

export class TenantScopeError extends Error {
  override name = 'TenantScopeError';
}

/** The tenant's filter for raw SQL on a table with an organisation_id column. */
export function tenantSql(tenant: Tenant, column = 'organisation_id'): Prisma.Sql {
  return tenant.every ? Prisma.sql`TRUE` : Prisma.sql`${Prisma.raw(column)} = ${tenant.organisationId}::uuid`;
}
