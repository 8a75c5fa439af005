import { builder } from '../../builder.js';
import { requireViewer } from '../../lib/tenancy.js';

export const Session = builder.prismaNode('Session', {
  authScopes: { signedIn: true },
  select: { id: true },
  id: { field: 'id' },
  nullable: true,
  description: 'A signed-in device: visible only to its own user.',
  findUnique: (id, context) => ({ id, userId: requireViewer(context).id }),
  fields: (t) => ({
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    ipAddress: t.exposeString('ipAddress', { nullable: true }),
    isActive: t.boolean({
      description: 'Not revoked and not expired.',
      select: { revokedAt: true, expiresAt: true },
      resolve: (session) => session.revokedAt === null && session.expiresAt > new Date(),
    }),
  }),
});

builder.prismaObjectField('User', 'sessions', (t) =>
  t.relatedConnection('sessions', {
    cursor: 'id',
    description: "The viewer's own sessions, newest first; always empty on any other user.",
    query: (_args, context) => ({
      where: { userId: requireViewer(context).id },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    }),
  }),
);
