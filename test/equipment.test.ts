import { beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './generated/index.js';
import type { AddMaintenanceRecordInput, CreateEquipmentInput, UpdateEquipmentInput } from './generated/graphql.js';
import { useTestDatabase } from './helpers/database.js';
import { data, demo, execute, expectTypename, globalId, otherOrganisation } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let rival: Awaited<ReturnType<typeof otherOrganisation>>;

beforeAll(async () => {
  people = await demo(database);
  rival = await otherOrganisation(database);
});

const createEquipment = graphql(/* GraphQL */ `
  mutation EquipmentCreate($input: CreateEquipmentInput!) {
    createEquipment(input: $input) {
      __typename
      ...MutationError
      ... on CreateEquipmentSuccess {
        equipment {
          id
          name
          serialNumber
          status
          category
          nextMaintenanceAt
          createdBy {
            name
          }
        }
      }
    }
  }
`);

const create = async (input: CreateEquipmentInput, as = people.admin) =>
  (await data(createEquipment, { input }, { as })).createEquipment;

const updateEquipment = graphql(/* GraphQL */ `
  mutation EquipmentUpdate($input: UpdateEquipmentInput!) {
    updateEquipment(input: $input) {
      __typename
      ...MutationError
      ... on UpdateEquipmentSuccess {
        equipment {
          name
          status
          serialNumber
          nextMaintenanceAt
        }
      }
    }
  }
`);

const deleteEquipment = graphql(/* GraphQL */ `
  mutation EquipmentDelete($id: ID!) {
    deleteEquipment(id: $id) {
      __typename
      ...MutationError
      ... on DeleteEquipmentSuccess {
        equipment {
          deletedAt
        }
      }
    }
  }
`);

const restoreEquipment = graphql(/* GraphQL */ `
  mutation EquipmentRestore($id: ID!) {
    restoreEquipment(id: $id) {
      __typename
      ...MutationError
      ... on RestoreEquipmentSuccess {
        equipment {
          deletedAt
        }
      }
    }
  }
`);

const equipmentCount = graphql(/* GraphQL */ `
  query EquipmentCount($filter: EquipmentFilter) {
    equipment(first: 5, filter: $filter) {
      totalCount
    }
  }
`);

const firstEquipment = graphql(/* GraphQL */ `
  query EquipmentFirst($first: Int!) {
    equipment(first: $first) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

const bulkUpdateNextMaintenance = graphql(/* GraphQL */ `
  mutation EquipmentBulkUpdateNextMaintenance($ids: [ID!]!, $at: DateTime!) {
    bulkUpdateNextMaintenance(ids: $ids, nextMaintenanceAt: $at) {
      __typename
      ...MutationError
      ... on BulkUpdateNextMaintenanceSuccess {
        equipment {
          name
          nextMaintenanceAt
        }
      }
    }
  }
`);

const addMaintenanceRecord = graphql(/* GraphQL */ `
  mutation EquipmentAddMaintenanceRecord($input: AddMaintenanceRecordInput!) {
    addMaintenanceRecord(input: $input) {
      __typename
      ...MutationError
      ... on AddMaintenanceRecordSuccess {
        maintenanceRecord {
          maintenanceDate
          nextMaintenance
          notes
          performedBy {
            name
          }
          equipment {
            nextMaintenanceAt
            maintenanceCount
            lastMaintenanceAt
          }
        }
      }
    }
  }
`);

async function auditTrail(entityId: string) {
  return database.db.auditEvent.findMany({ where: { entityId }, orderBy: { createdAt: 'asc' } });
}

describe('equipment mutations', () => {
  it('creates equipment and records who did it', async () => {
    const result = await create({
      name: 'Scissor Lift SL-8',
      serialNumber: 'SL8-001',
      category: 'VEHICLE',
      nextMaintenanceAt: '2027-01-15T08:00:00Z',
    });
    expect(result).toMatchObject({
      __typename: 'CreateEquipmentSuccess',
      equipment: {
        name: 'Scissor Lift SL-8',
        status: 'ACTIVE',
        category: 'VEHICLE',
        nextMaintenanceAt: '2027-01-15T08:00:00.000Z',
        createdBy: { name: 'Ada Lindqvist' },
      },
    });
    const id = Buffer.from(expectTypename(result, 'CreateEquipmentSuccess').equipment.id, 'base64')
      .toString()
      .split(':')[1]!;
    const [event] = await auditTrail(id);
    expect(event).toMatchObject({
      action: 'create',
      entityType: 'Equipment',
      actorId: people.admin,
      organisationId: people.organisationId,
    });
    expect(event!.after).toMatchObject({ name: 'Scissor Lift SL-8', serialNumber: 'SL8-001' });
  });

  it('rejects invalid input field by field, writing nothing', async () => {
    const before = await database.db.equipment.count();
    const result = await create({ name: '  ', serialNumber: '', category: 'VEHICLE' });
    expect(expectTypename(result, 'InputValidationError').issues).toEqual(
      expect.arrayContaining([
        { path: ['input', 'name'], message: 'Name is required.' },
        { path: ['input', 'serialNumber'], message: 'Serial number is required.' },
      ]),
    );
    expect(await database.db.equipment.count()).toBe(before);
  });

  it('answers a duplicate serial number with a conflict naming the field', async () => {
    const result = await create({ name: 'Another forklift', serialNumber: 'FL20-0413', category: 'VEHICLE' });
    expect(result).toMatchObject({ __typename: 'ConflictError', field: 'serialNumber' });
    const events = await database.db.auditEvent.count({
      where: { after: { path: ['name'], equals: 'Another forklift' } },
    });
    expect(events).toBe(0);
  });

  it('updates only the given fields, and clears a date with null', async () => {
    const created = await create({
      name: 'Pump P-1',
      serialNumber: 'P1-77',
      category: 'MACHINERY',
      nextMaintenanceAt: '2027-03-01T00:00:00Z',
    });
    const { id } = expectTypename(created, 'CreateEquipmentSuccess').equipment;
    const update = async (input: Omit<UpdateEquipmentInput, 'id'>) =>
      (await data(updateEquipment, { input: { id, ...input } }, { as: people.manager })).updateEquipment;
    expect(await update({ status: 'IN_MAINTENANCE' })).toMatchObject({
      equipment: {
        name: 'Pump P-1',
        status: 'IN_MAINTENANCE',
        serialNumber: 'P1-77',
        nextMaintenanceAt: '2027-03-01T00:00:00.000Z',
      },
    });
    expect(await update({ nextMaintenanceAt: null })).toMatchObject({ equipment: { nextMaintenanceAt: null } });
    expect(await update({ name: '' })).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'name'] }],
    });
  });

  it('soft-deletes and restores, hiding deleted equipment from lists but keeping it findable', async () => {
    const created = await create({ name: 'Old Drill', serialNumber: 'OD-1', category: 'POWER_TOOL' });
    const { id } = expectTypename(created, 'CreateEquipmentSuccess').equipment;
    const remove = async () => (await data(deleteEquipment, { id }, { as: people.admin })).deleteEquipment;
    const restore = async () => (await data(restoreEquipment, { id }, { as: people.admin })).restoreEquipment;
    const listed = async (deleted?: boolean) =>
      (await data(equipmentCount, { filter: { search: 'Old Drill', deleted } }, { as: people.admin })).equipment
        .totalCount;

    expect(expectTypename(await remove(), 'DeleteEquipmentSuccess').equipment.deletedAt).not.toBeNull();
    expect(await listed()).toBe(0);
    expect(await listed(true)).toBe(1);
    expect(await remove()).toMatchObject({ __typename: 'NotFoundError', entity: 'Equipment' });
    expect(await restore()).toMatchObject({ equipment: { deletedAt: null } });
    expect(await listed()).toBe(1);
    expect(await restore()).toMatchObject({ __typename: 'NotFoundError' });
  });

  it("cannot touch another organisation's equipment", async () => {
    const foreign = await database.db.equipment.create({
      data: { organisationId: rival.organisationId, name: 'Rival Saw', category: 'POWER_TOOL', serialNumber: 'RS-1' },
    });
    const result = await data(
      updateEquipment,
      { input: { id: globalId('Equipment', foreign.id), name: 'Mine now' } },
      { as: people.admin },
    );
    expect(result.updateEquipment).toMatchObject({ __typename: 'NotFoundError', entity: 'Equipment' });
    expect((await database.db.equipment.findUniqueOrThrow({ where: { id: foreign.id } })).name).toBe('Rival Saw');
  });

  it('bulk-updates next maintenance all or nothing, returning the updated rows', async () => {
    const listed = await data(firstEquipment, { first: 3 }, { as: people.admin });
    const ids = listed.equipment.edges.map((edge) => edge.node.id);
    const bulk = async (idList: string[]) =>
      (await data(bulkUpdateNextMaintenance, { ids: idList, at: '2027-06-01T09:00:00Z' }, { as: people.manager }))
        .bulkUpdateNextMaintenance;

    const missing = globalId('Equipment', '00000000-0000-4000-8000-000000000000');
    expect(await bulk([...ids, missing])).toMatchObject({ __typename: 'NotFoundError' });
    const unchanged = await database.db.equipment.count({
      where: { nextMaintenanceAt: new Date('2027-06-01T09:00:00Z') },
    });
    expect(unchanged).toBe(0);

    const { equipment } = expectTypename(await bulk(ids), 'BulkUpdateNextMaintenanceSuccess');
    expect(equipment).toHaveLength(3);
    expect(equipment.every((row) => row.nextMaintenanceAt === '2027-06-01T09:00:00.000Z')).toBe(true);
    expect(await bulk([])).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ message: 'List at least one equipment.' }],
    });
  });
});

describe('addMaintenanceRecord', () => {
  const add = async (input: AddMaintenanceRecordInput) =>
    (await data(addMaintenanceRecord, { input }, { as: people.worker })).addMaintenanceRecord;
  const newUnit = async (name: string, serialNumber: string) =>
    expectTypename(await create({ name, serialNumber, category: 'MACHINERY' }), 'CreateEquipmentSuccess').equipment;

  it('records maintenance by the viewer and moves the equipment’s next date', async () => {
    const unit = await newUnit('Generator G-2', 'G2-1');
    const result = await add({
      equipmentId: unit.id,
      maintenanceDate: '2026-11-20T10:00:00Z',
      nextMaintenance: '2027-05-20T10:00:00Z',
      notes: 'Oil and filters changed.',
    });
    expect(expectTypename(result, 'AddMaintenanceRecordSuccess').maintenanceRecord).toEqual({
      maintenanceDate: '2026-11-20T10:00:00.000Z',
      nextMaintenance: '2027-05-20T10:00:00.000Z',
      notes: 'Oil and filters changed.',
      performedBy: { name: 'Wes Carter' },
      equipment: {
        nextMaintenanceAt: '2027-05-20T10:00:00.000Z',
        maintenanceCount: 1,
        lastMaintenanceAt: '2026-11-20T10:00:00.000Z',
      },
    });
  });

  it('rejects a next maintenance that is not after the maintenance date, on that field', async () => {
    const unit = await newUnit('Generator G-3', 'G3-1');
    const result = await add({
      equipmentId: unit.id,
      maintenanceDate: '2026-11-20T10:00:00Z',
      nextMaintenance: '2026-11-20T10:00:00Z',
    });
    expect(result).toEqual({
      __typename: 'InputValidationError',
      message: expect.any(String),
      issues: [{ path: ['input', 'nextMaintenance'], message: 'Next maintenance must be after the maintenance date.' }],
    });
    expect(await database.db.maintenanceRecord.count({ where: { equipment: { serialNumber: 'G3-1' } } })).toBe(0);
  });

  it('rejects a malformed date with a clear error', async () => {
    const unit = await newUnit('Generator G-4', 'G4-1');
    const raw = await database.db.equipment.count();
    const response = await execute(
      addMaintenanceRecord,
      { input: { equipmentId: unit.id, maintenanceDate: 'last tuesday' } },
      { as: people.worker },
    );
    expect(response.errors?.[0]?.message).toContain('DateTime must be an ISO 8601 string');
    expect(await database.db.equipment.count()).toBe(raw);
  });
});
