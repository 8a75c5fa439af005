import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import type { Db } from '../../src/db.js';

/** nodeLookup's answer, for the servers that answer from memory. */
export const fromMemory = { name: 'Pump 7', serialNumber: 'SN-1', status: 'ACTIVE' };
/** nodeLookup's row in hand-written SQL, for Prisma's `$queryRaw` and for `pg`. */
export const equipmentSql = ({ organisationId, equipmentId }: { organisationId: string; equipmentId: string }) =>
  [
    'SELECT name, serial_number AS "serialNumber", upper(status::text) AS status FROM assets.equipment WHERE id = $1::uuid AND organisation_id = $2::uuid',
    [equipmentId, organisationId],
  ] as const;

/** The part of OpsGraph's schema that nodeLookup and deepList ask for. */
const typeDefs = /* GraphQL */ `
  interface Node {
    id: ID!
  }
  type Equipment implements Node {
    id: ID!
    name: String!
    serialNumber: String!
    status: String!
    maintenanceRecords(first: Int!): MaintenanceRecordConnection!
  }
  type EquipmentConnection {
    edges: [EquipmentEdge!]!
  }
  type EquipmentEdge {
    node: Equipment!
  }
  type MaintenanceRecordConnection {
    edges: [MaintenanceRecordEdge!]!
  }
  type MaintenanceRecordEdge {
    node: MaintenanceRecord!
  }
  type MaintenanceRecord {
    maintenanceDate: String!
    performedBy: User!
  }
  type User {
    name: String!
    roles: [Role!]!
  }
  type Role {
    name: String!
  }
  type Query {
    node(id: ID!): Node
    equipment(first: Int!): EquipmentConnection!
  }
`;

/** A bare Yoga server over that schema: graphql-js resolvers, no plugins of our own. */
export function yoga(query: { node: (id: string) => unknown; equipment?: (first: number) => unknown }) {
  const schema = createSchema({
    typeDefs,
    resolvers: {
      Node: { __resolveType: () => 'Equipment' },
      Query: {
        node: (_: unknown, { id }: { id: string }) => query.node(id),
        equipment: (_: unknown, { first }: { first: number }) => query.equipment?.(first),
      },
    },
  });
  const yoga = createYoga({ schema, logging: false, landingPage: false, graphiql: false });
  return createServer((request, response) => void yoga(request, response));
}

const edges = <T, U>(nodes: T[], node: (value: T) => U) => ({ edges: nodes.map((value) => ({ node: node(value) })) });

/**
 * The floor under OpsGraph: Yoga making the Prisma calls OpsGraph's plans make (the row by id and
 * organisation; deepList's one nested findMany, its inner page size fixed at the document's 10).
 * With `raw`, the row is read by `$queryRaw`, Prisma's cheapest path.
 */
export function createYogaPrismaServer(db: Db, organisationId: string, { raw = false } = {}) {
  return yoga({
    node: async (globalId) => {
      const equipmentId = Buffer.from(globalId, 'base64').toString().split(':')[1]!;
      if (!raw)
        return db.equipment.findFirst({
          where: { id: equipmentId, organisationId },
          select: { name: true, serialNumber: true, status: true },
        });
      const [text, values] = equipmentSql({ organisationId, equipmentId });
      const [row] = await db.$queryRawUnsafe<unknown[]>(text, ...values);
      return row ?? null;
    },
    equipment: async (first) => {
      const equipment = await db.equipment.findMany({
        where: { organisationId, deletedAt: null },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
        take: first,
        select: {
          name: true,
          maintenanceRecords: {
            orderBy: [{ maintenanceDate: 'desc' }, { id: 'desc' }],
            take: 10,
            select: {
              maintenanceDate: true,
              performedBy: {
                select: {
                  name: true,
                  roles: { orderBy: { assignedAt: 'asc' }, select: { role: { select: { name: true } } } },
                },
              },
            },
          },
        },
      });
      return edges(equipment, ({ name, maintenanceRecords }) => ({
        name,
        maintenanceRecords: edges(maintenanceRecords, ({ maintenanceDate, performedBy }) => ({
          maintenanceDate: maintenanceDate.toISOString(),
          performedBy: { name: performedBy.name, roles: performedBy.roles.map(({ role }) => role) },
        })),
      }));
    },
  });
}
