import { builder } from '../../builder.js';
import { db } from '../../db.js';

export const AuditEvent = builder.prismaNode('AuditEvent', {
  authScopes: { may: 'readAudit' },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  description: 'Who did what to which record, and when, with the record before and after.',
  fields: (t) => ({
    action: t.exposeString('action'),
    entityType: t.exposeString('entityType'),
    entityId: t.exposeString('entityId', { description: 'The database id of the record changed.' }),
    before: t.expose('before', { type: 'JSON', nullable: true }),
    after: t.expose('after', { type: 'JSON', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    actor: t.relation('actor', { nullable: true }),
  }),
});

builder.queryField('auditEvents', (t) =>
  t.prismaConnection({
    authScopes: { may: 'readAudit' },
    type: 'AuditEvent',
    cursor: 'id',
    description: "The organisation's audit trail, newest first.",
    args: { entityType: t.arg.string({ required: false }) },
    totalCount: (_connection, args) =>
      db.auditEvent.count({
        where: { entityType: args.entityType ?? undefined },
      }),
    resolve: (query, _root, args) =>
      db.auditEvent.findMany({
        ...query,
        where: { entityType: args.entityType ?? undefined },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
  }),
);
