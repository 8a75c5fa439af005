import { builder } from '../../builder.js';
import { ConflictError, InsufficientStockError, InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { listSize } from '../../lib/query-cost.js';
import { InputValidationError, type Issue } from '../../lib/validation.js';

const MAX_ISSUES = 100;

export const ErrorInterface = builder.interfaceRef<Error>('Error').implement({
  description: 'An expected failure of a mutation, with a message a person can read.',
  fields: (t) => ({ message: t.exposeString('message') }),
});

const ValidationIssue = builder.objectRef<Issue>('ValidationIssue').implement({
  description: 'What is wrong with one input field.',
  fields: (t) => ({
    message: t.exposeString('message'),
    path: t.exposeStringList('path', {
      description: 'The input field, as the path from the argument, e.g. ["input", "lines", "0", "quantity"].',
    }),
  }),
});

builder.objectType(InputValidationError, {
  name: 'InputValidationError',
  description: 'The input was rejected before anything was written; issues says which fields and why.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    issues: t.field({
      type: [ValidationIssue],
      description: `Every problem found, up to ${MAX_ISSUES}.`,
      extensions: listSize(MAX_ISSUES),
      resolve: (error) => error.issues.slice(0, MAX_ISSUES),
    }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'The record does not exist, or is not visible to the viewer.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ entity: t.exposeString('entity') }),
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'A value that must be unique is already taken; field names the input field.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ field: t.exposeString('field') }),
});

builder.objectType(InvalidStateError, {
  name: 'InvalidStateError',
  description: 'The record is not in a state that allows this change (e.g. approving a draft).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ currentState: t.exposeString('currentState') }),
});

builder.objectType(InsufficientStockError, {
  name: 'InsufficientStockError',
  description: 'The change would take stock below zero.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ available: t.exposeInt('available'), requested: t.exposeInt('requested') }),
});

/** The errors every mutation can answer with. */
export const commonErrors = [InputValidationError, NotFoundError, ConflictError];
