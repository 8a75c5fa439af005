import { builder } from '../../builder.js';

builder.prismaNode('Organisation', {
  id: { field: 'id' },
  fields: (t) => ({
    name: t.exposeString('name'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    equipment: t.relatedConnection('equipment', {
      cursor: 'id',
      totalCount: true,
      query: () => ({ where: { deletedAt: null }, orderBy: [{ name: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});
