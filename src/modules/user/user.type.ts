import { builder } from '../../builder.js';
import { db } from '../../db.js';

builder.prismaNode('User', {
  id: { field: 'id' },
  fields: (t) => ({
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    department: t.exposeString('department', { nullable: true }),
    isActive: t.exposeBoolean('isActive'),
    organisation: t.relation('organisation'),
  }),
});

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: 'User',
    nullable: true,
    description: 'The signed-in user, or null without a session.',
    resolve: (query, _root, _args, { viewer }) => {
      // Spread before branching: the plugin rejects a resolver that leaves its planned query unread.
      const planned = { ...query };
      return viewer ? db.user.findUnique({ ...planned, where: { id: viewer.id } }) : null;
    },
  }),
);
