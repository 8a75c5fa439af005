import { db } from '../../db.js';
import { Prisma } from '../../generated/prisma/client.js';

/**
 * A low-stock item: its quantity is at or below its minimum. The derived field, the filter and the
 * summary count all read it here; test/rules.test.ts holds the forms to one answer.
 */
export const lowStock = {
  description: 'qty is at or below minQty.',
  matches: (item: { qty: number; minQty: number }) => item.qty <= item.minQty,
  where: (): Prisma.InventoryItemWhereInput => ({ qty: { lte: db.inventoryItem.fields.minQty } }),
  whereNot: (): Prisma.InventoryItemWhereInput => ({ qty: { gt: db.inventoryItem.fields.minQty } }),
  sql: (alias: string) => Prisma.sql`${Prisma.raw(alias)}.qty <= ${Prisma.raw(alias)}.min_qty`,
};
