import type { PrismaPg } from '@prisma/adapter-pg';

type Query = { sql: string };
type Queryable = { queryRaw(query: Query): Promise<unknown> };

const JSONB_CALL = /\bJSONB_(BUILD_OBJECT|AGG)\(/g;
// json has no equality operator: a statement that compares or groups rows keeps jsonb.
const COMPARES_ROWS = /\b(DISTINCT|UNION|INTERSECT|EXCEPT|GROUP BY)\b/i;

/**
 * A statement of Prisma's relation joins with each row's related rows built as json instead of
 * jsonb. Prisma nests them with JSONB_BUILD_OBJECT and JSONB_AGG (marked `__prisma_data__`), and
 * PostgreSQL then builds every object twice, as jsonb and as the text the driver reads; json is
 * that text already. The driver reads both alike, and the nested rows carry the same keys and
 * values (every key is distinct and read by name, so jsonb's ordering of keys changes nothing).
 * Statements written here, and any that compares rows, are left as they are.
 */
export function relationsAsJson(sql: string): string {
  if (!sql.includes('"__prisma_data__"') || COMPARES_ROWS.test(sql)) return sql;
  return sql.replace(JSONB_CALL, 'JSON_$1(');
}

/** `object`'s own property, its methods bound to it (a proxy's default, for what it does not change). */
function forwarded(object: object, property: string | symbol): unknown {
  const value: unknown = Reflect.get(object, property, object);
  return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(object) : value;
}

/** `target` with its queries rewritten, and the transactions it starts too. */
function rewriting<T extends Queryable>(target: T): T {
  return new Proxy(target, {
    get(object, property) {
      if (property === 'queryRaw') {
        return (query: Query) => object.queryRaw({ ...query, sql: relationsAsJson(query.sql) });
      }
      if (property === 'startTransaction') {
        return async (...args: unknown[]) =>
          rewriting(
            await (object as unknown as { startTransaction(...a: unknown[]): Promise<Queryable> }).startTransaction(
              ...args,
            ),
          );
      }
      return forwarded(object, property);
    },
  });
}

/** The pg adapter, its connections reading relation joins as json (`relationsAsJson`). */
export function jsonRelations(factory: PrismaPg): PrismaPg {
  return new Proxy(factory, {
    get(object, property) {
      if (property === 'connect') return async () => rewriting(await object.connect());
      return forwarded(object, property);
    },
  });
}
