import { Prisma } from '../../generated/prisma/client.js';
import { EquipmentStatus } from '../../generated/prisma/enums.js';

type Row = { status: EquipmentStatus; nextMaintenanceAt: Date | null; deletedAt: Date | null };

/**
 * Overdue equipment: in service (not retired), not deleted, and its next maintenance is in the
 * past. The derived field, the filter and the summary count all read it here, in the three forms
 * they need; test/rules.test.ts holds the forms to one answer.
 */
export const overdue = {
  description: 'In service, not deleted, and its next maintenance is in the past.',
  matches: (equipment: Row, now = new Date()) =>
    equipment.deletedAt === null &&
    equipment.status !== EquipmentStatus.RETIRED &&
    equipment.nextMaintenanceAt !== null &&
    equipment.nextMaintenanceAt < now,
  where: (now = new Date()): Prisma.EquipmentWhereInput => ({
    deletedAt: null,
    status: { not: EquipmentStatus.RETIRED },
    nextMaintenanceAt: { lt: now },
  }),
  whereNot: (now = new Date()): Prisma.EquipmentWhereInput => ({
    OR: [
      { deletedAt: { not: null } },
      { status: EquipmentStatus.RETIRED },
      { nextMaintenanceAt: null },
      { nextMaintenanceAt: { gte: now } },
    ],
  }),
  sql: (alias: string) => {
    const e = Prisma.raw(alias);
    return Prisma.sql`${e}.deleted_at IS NULL AND ${e}.status <> 'retired' AND ${e}.next_maintenance_at < now()`;
  },
};
