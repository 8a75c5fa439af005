import { builder } from '../../src/builder.js';
import { db } from '../../src/db.js';
import { listSize } from '../../src/lib/query-cost.js';

// A resolver written as a hurried developer might: no tenant filter at all. Imported before the
// schema is built, so that the app under test serves it.
builder.queryField('equipmentWithoutAFilter', (t) =>
  t.prismaField({
    type: ['Equipment'],
    authScopes: { signedIn: true },
    extensions: listSize(100),
    resolve: (query) => db.equipment.findMany({ ...query, orderBy: { name: 'asc' } }),
  }),
);
