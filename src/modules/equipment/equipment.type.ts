import { builder } from '../../builder.js';
import { EquipmentCategory, EquipmentStatus } from '../../generated/prisma/enums.js';

builder.enumType(EquipmentCategory, { name: 'EquipmentCategory' });
builder.enumType(EquipmentStatus, { name: 'EquipmentStatus' });

builder.prismaNode('Equipment', {
  id: { field: 'id' },
  fields: (t) => ({
    name: t.exposeString('name'),
    serialNumber: t.exposeString('serialNumber'),
    category: t.expose('category', { type: EquipmentCategory }),
    status: t.expose('status', { type: EquipmentStatus }),
    nextMaintenanceAt: t.expose('nextMaintenanceAt', { type: 'DateTime', nullable: true }),
    createdBy: t.relation('createdBy', { nullable: true }),
  }),
});
