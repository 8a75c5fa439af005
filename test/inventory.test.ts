import { beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './generated/index.js';
import type { AdjustStockInput, CreateInventoryItemInput, UpdateInventoryItemInput } from './generated/graphql.js';
import { useTestDatabase } from './helpers/database.js';
import { data, demo, expectTypename } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;

beforeAll(async () => {
  people = await demo(database);
});

const createInventoryItem = graphql(/* GraphQL */ `
  mutation InventoryCreateItem($input: CreateInventoryItemInput!) {
    createInventoryItem(input: $input) {
      __typename
      ...MutationError
      ... on CreateInventoryItemSuccess {
        inventoryItem {
          id
          sku
          qty
          minQty
          isLowStock
          responsibleUser {
            name
          }
          movements(first: 5) {
            edges {
              node {
                delta
                reason
                performedBy {
                  name
                }
              }
            }
          }
        }
      }
    }
  }
`);

const adjustStock = graphql(/* GraphQL */ `
  mutation InventoryAdjustStock($input: AdjustStockInput!) {
    adjustStock(input: $input) {
      __typename
      ...MutationError
      ... on InsufficientStockError {
        available
        requested
      }
      ... on AdjustStockSuccess {
        inventoryItem {
          qty
          isLowStock
        }
      }
    }
  }
`);

const updateInventoryItem = graphql(/* GraphQL */ `
  mutation InventoryUpdateItem($input: UpdateInventoryItemInput!) {
    updateInventoryItem(input: $input) {
      __typename
      ...MutationError
      ... on UpdateInventoryItemSuccess {
        inventoryItem {
          name
          location
          minQty
          qty
          responsibleUser {
            name
          }
        }
      }
    }
  }
`);

const viewerId = graphql(/* GraphQL */ `
  query InventoryViewerId {
    viewer {
      id
    }
  }
`);

const createItem = async (input: CreateInventoryItemInput) =>
  (await data(createInventoryItem, { input }, { as: people.manager })).createInventoryItem;

const newItem = async (input: CreateInventoryItemInput) =>
  expectTypename(await createItem(input), 'CreateInventoryItemSuccess').inventoryItem;

const adjust = async (input: AdjustStockInput, as = people.employee) =>
  (await data(adjustStock, { input }, { as })).adjustStock;

async function ledger(sku: string) {
  const item = await database.db.inventoryItem.findFirstOrThrow({
    where: { sku, organisationId: people.organisationId },
    include: { movements: true },
  });
  return {
    qty: item.qty,
    sum: item.movements.reduce((total, movement) => total + movement.delta, 0),
    movements: item.movements.length,
  };
}

describe('inventory', () => {
  it('creates an item whose opening stock is an INITIAL movement', async () => {
    const result = await createItem({
      sku: 'CBL-10M',
      name: 'Extension cable 10 m',
      location: 'Stores B1',
      minQty: 3,
      initialQty: 12,
    });
    expect(expectTypename(result, 'CreateInventoryItemSuccess').inventoryItem).toMatchObject({
      sku: 'CBL-10M',
      qty: 12,
      minQty: 3,
      isLowStock: false,
      responsibleUser: null,
      movements: { edges: [{ node: { delta: 12, reason: 'INITIAL', performedBy: { name: 'Marek Nowak' } } }] },
    });
    expect(await ledger('CBL-10M')).toEqual({ qty: 12, sum: 12, movements: 1 });
  });

  it('reports every invalid field at once and a duplicate SKU as a conflict', async () => {
    const invalid = await createItem({ sku: '', name: ' ', location: 'Stores', minQty: -1, initialQty: -5 });
    const { issues } = expectTypename(invalid, 'InputValidationError');
    expect(issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'input.initialQty',
      'input.minQty',
      'input.name',
      'input.sku',
    ]);
    const duplicate = await createItem({ sku: 'flt-air-500'.toUpperCase(), name: 'Filter again', location: 'A1' });
    expect(duplicate).toMatchObject({ __typename: 'ConflictError', field: 'sku' });
  });

  it('adjusts stock through the ledger, and refuses to go below zero', async () => {
    const item = await newItem({ sku: 'TAPE-50', name: 'Duct tape', location: 'Stores B2', minQty: 5, initialQty: 6 });
    expect(await adjust({ itemId: item.id, delta: -2, reason: 'ISSUE', note: 'Workshop' })).toMatchObject({
      inventoryItem: { qty: 4, isLowStock: true },
    });
    expect(await adjust({ itemId: item.id, delta: -5 })).toMatchObject({
      __typename: 'InsufficientStockError',
      available: 4,
      requested: 5,
      message: 'Only 4 in stock; cannot remove 5.',
    });
    expect(await adjust({ itemId: item.id, delta: 0, reason: 'RECEIPT' })).toMatchObject({
      __typename: 'InputValidationError',
      issues: [
        { path: ['input', 'delta'], message: 'The change cannot be zero.' },
        { path: ['input', 'reason'], message: 'Reason must be ADJUSTMENT, ISSUE or CORRECTION.' },
      ],
    });
    expect(await ledger('TAPE-50')).toEqual({ qty: 4, sum: 4, movements: 2 });
    const movements = await database.db.stockMovement.findMany({
      where: { item: { sku: 'TAPE-50', organisationId: people.organisationId } },
      orderBy: { createdAt: 'asc' },
      select: { reason: true, note: true, delta: true, performedById: true },
    });
    expect(movements).toEqual([
      expect.objectContaining({ reason: 'INITIAL', delta: 6 }),
      { reason: 'ISSUE', note: 'Workshop', delta: -2, performedById: people.employee },
    ]);
    const audit = await database.db.auditEvent.findMany({ where: { action: 'adjustStock', actorId: people.employee } });
    expect(audit.map((event) => event.after)).toEqual([expect.objectContaining({ qty: 4 })]);
  });

  it('never loses an update or goes below zero under concurrent adjustments', async () => {
    const item = await newItem({ sku: 'BOLT-M8', name: 'M8 bolts', location: 'Stores C1', initialQty: 20 });
    const results = await Promise.all(Array.from({ length: 30 }, () => adjust({ itemId: item.id, delta: -1 })));
    const succeeded = results.filter((result) => result.__typename === 'AdjustStockSuccess').length;
    const refused = results.filter((result) => result.__typename === 'InsufficientStockError').length;
    expect({ succeeded, refused }).toEqual({ succeeded: 20, refused: 10 });
    expect(await ledger('BOLT-M8')).toEqual({ qty: 0, sum: 0, movements: 21 });
  });

  it('updates an item but never its quantity', async () => {
    const item = await newItem({ sku: 'GLUE', name: 'Glue', location: 'Stores D', initialQty: 2 });
    const update = async (input: Omit<UpdateInventoryItemInput, 'id'>) =>
      (await data(updateInventoryItem, { input: { id: item.id, ...input } }, { as: people.manager }))
        .updateInventoryItem;
    const { viewer } = await data(viewerId, {}, { as: people.worker });
    expect(await update({ name: 'Wood glue', minQty: 4, responsibleUserId: viewer!.id })).toMatchObject({
      inventoryItem: {
        name: 'Wood glue',
        location: 'Stores D',
        minQty: 4,
        qty: 2,
        responsibleUser: { name: 'Wes Carter' },
      },
    });
    expect(await update({ responsibleUserId: null, name: null })).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'name'], message: 'Name is required.' }],
    });
    expect(await update({ responsibleUserId: null })).toMatchObject({ inventoryItem: { responsibleUser: null } });
  });
});
