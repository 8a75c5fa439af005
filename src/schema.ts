import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './modules/common/scalars.js';
import './modules/common/errors.type.js';
import './modules/organisation/organisation.type.js';
import './modules/user/user.type.js';
import './modules/role/role.type.js';
import './modules/equipment/equipment.type.js';
import './modules/equipment/equipment.mutations.js';
import './modules/maintenance/maintenance.type.js';

export const schema = lexicographicSortSchema(builder.toSchema());
