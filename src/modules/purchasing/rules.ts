import { Prisma } from '../../generated/prisma/client.js';
import { PurchaseOrderStatus } from '../../generated/prisma/enums.js';

const OPEN: PurchaseOrderStatus[] = [
  PurchaseOrderStatus.DRAFT,
  PurchaseOrderStatus.SUBMITTED,
  PurchaseOrderStatus.APPROVED,
];

/**
 * An open purchase order: drafted, submitted or approved, not yet received or cancelled. The
 * summary count and any filter read it here; test/rules.test.ts holds the forms to one answer.
 */
export const openOrder = {
  description: 'Drafted, submitted or approved: not received or cancelled.',
  matches: (order: { status: PurchaseOrderStatus }) => OPEN.includes(order.status),
  where: (): Prisma.PurchaseOrderWhereInput => ({ status: { in: OPEN } }),
  // Statuses are stored in lower case (@map in schema.prisma).
  sql: (alias: string) =>
    Prisma.sql`${Prisma.raw(alias)}.status::text IN (${Prisma.join(OPEN.map((status) => status.toLowerCase()))})`,
};
