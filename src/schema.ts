import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './modules/organisation/organisation.type.js';
import './modules/user/user.type.js';
import './modules/equipment/equipment.type.js';

export const schema = lexicographicSortSchema(builder.toSchema());
