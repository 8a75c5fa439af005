import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from './helpers/database.js';
import { data, demo, mutationErrors } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;

beforeAll(async () => {
  people = await demo(database);
});

const createItem = (input: Record<string, unknown>) =>
  data(
    `mutation($input: CreateInventoryItemInput!) { createInventoryItem(input: $input) { ${mutationErrors} ... on CreateInventoryItemSuccess { inventoryItem { id sku qty minQty isLowStock responsibleUser { name } movements(first: 5) { edges { node { delta reason performedBy { name } } } } } } } }`,
    { input },
    { as: people.manager },
  ).then((result) => result.createInventoryItem);

const adjust = (input: Record<string, unknown>, as = people.employee) =>
  data(
    `mutation($input: AdjustStockInput!) { adjustStock(input: $input) { ${mutationErrors} ... on InsufficientStockError { available requested } ... on AdjustStockSuccess { inventoryItem { qty isLowStock } } } }`,
    { input },
    { as },
  ).then((result) => result.adjustStock);

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
    expect(result.inventoryItem).toMatchObject({
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
    expect(invalid.__typename).toBe('InputValidationError');
    expect(invalid.issues.map((issue: any) => issue.path.join('.')).sort()).toEqual([
      'input.initialQty',
      'input.minQty',
      'input.name',
      'input.sku',
    ]);
    const duplicate = await createItem({ sku: 'flt-air-500'.toUpperCase(), name: 'Filter again', location: 'A1' });
    expect(duplicate).toMatchObject({ __typename: 'ConflictError', field: 'sku' });
  });

  it('adjusts stock through the ledger, and refuses to go below zero', async () => {
    const item = (
      await createItem({ sku: 'TAPE-50', name: 'Duct tape', location: 'Stores B2', minQty: 5, initialQty: 6 })
    ).inventoryItem;
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
    const item = (await createItem({ sku: 'BOLT-M8', name: 'M8 bolts', location: 'Stores C1', initialQty: 20 }))
      .inventoryItem;
    const results = await Promise.all(Array.from({ length: 30 }, () => adjust({ itemId: item.id, delta: -1 })));
    const succeeded = results.filter((result) => result.__typename === 'AdjustStockSuccess').length;
    const refused = results.filter((result) => result.__typename === 'InsufficientStockError').length;
    expect({ succeeded, refused }).toEqual({ succeeded: 20, refused: 10 });
    expect(await ledger('BOLT-M8')).toEqual({ qty: 0, sum: 0, movements: 21 });
  });

  it('updates an item but never its quantity', async () => {
    const item = (await createItem({ sku: 'GLUE', name: 'Glue', location: 'Stores D', initialQty: 2 })).inventoryItem;
    const update = (input: Record<string, unknown>) =>
      data(
        `mutation($input: UpdateInventoryItemInput!) { updateInventoryItem(input: $input) { ${mutationErrors} ... on UpdateInventoryItemSuccess { inventoryItem { name location minQty qty responsibleUser { name } } } } }`,
        { input: { id: item.id, ...input } },
        { as: people.manager },
      ).then((result) => result.updateInventoryItem);
    const { viewer } = await data(`{ viewer { id } }`, {}, { as: people.worker });
    expect(await update({ name: 'Wood glue', minQty: 4, responsibleUserId: viewer.id })).toMatchObject({
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
