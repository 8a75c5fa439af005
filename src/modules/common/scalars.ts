import { GraphQLError, Kind, type ValueNode } from 'graphql';
import { builder } from '../../builder.js';

builder.scalarType('DateTime', {
  description: 'An instant in time, as an ISO 8601 string with a UTC offset, such as 2026-01-31T09:30:00Z.',
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date =
      typeof value === 'string' && /\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(value)
        ? new Date(value)
        : undefined;
    if (!date || Number.isNaN(date.getTime())) {
      throw new GraphQLError('DateTime must be an ISO 8601 string with a UTC offset, such as 2026-01-31T09:30:00Z.');
    }
    return date;
  },
});

const DECIMAL = /^-?\d{1,10}(\.\d{1,2})?$/;

builder.scalarType('Decimal', {
  description: 'An exact decimal number with at most two decimal places, as a string such as "12.50".',
  serialize: (value) => value.toString(),
  parseValue: (value) => {
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || !DECIMAL.test(text)) {
      throw new GraphQLError('Decimal must be a number with at most two decimal places, such as "12.50".');
    }
    return text;
  },
});

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literal(field.value)]));
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.STRING:
    case Kind.BOOLEAN:
      return node.value;
    default:
      return null;
  }
}

builder.scalarType('JSON', {
  description: 'A JSON value: a record as it was before or after a change.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: literal,
});
