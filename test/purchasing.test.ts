import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from './helpers/database.js';
import { data, demo, mutationErrors } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let supplierId: string;
let items: { id: string; sku: string }[];

beforeAll(async () => {
  people = await demo(database);
  const listed = await data(
    `{ suppliers(first: 1) { edges { node { id } } } inventoryItems(first: 2, orderBy: SKU_ASC) { edges { node { id sku } } } }`,
    {},
    { as: people.manager },
  );
  supplierId = listed.suppliers.edges[0].node.id;
  items = listed.inventoryItems.edges.map((edge: any) => edge.node);
});

const order = `id number status lines { quantity unitPrice item { sku } } createdBatches(first: 10) { totalCount edges { node { code quantity item { sku qty } creationEvent { sourcePurchaseOrder { number } } } } }`;

const createOrder = (input: Record<string, unknown>) =>
  data(
    `mutation($input: CreatePurchaseOrderInput!) { createPurchaseOrder(input: $input) { ${mutationErrors} ... on CreatePurchaseOrderSuccess { purchaseOrder { ${order} } } } }`,
    { input },
    { as: people.manager },
  ).then((result) => result.createPurchaseOrder);

const transition = (field: string, id: string) =>
  data(
    `mutation($id: ID!) { ${field}(id: $id) { ${mutationErrors} ... on InvalidStateError { currentState } ... on ${field[0]!.toUpperCase()}${field.slice(1)}Success { purchaseOrder { ${order} } } } }`,
    { id },
    { as: people.manager },
  ).then((result) => result[field]);

const qtyOf = async (sku: string) =>
  (await database.db.inventoryItem.findFirstOrThrow({ where: { sku, organisationId: people.organisationId } })).qty;

describe('purchase orders', () => {
  it('goes draft → submitted → approved → received, creating batches, provenance and stock at once', async () => {
    const created = await createOrder({
      number: 'PO-T-1',
      supplierId,
      lines: [
        { itemId: items[0]!.id, quantity: 3, unitPrice: '10.50' },
        { itemId: items[1]!.id, quantity: 7, unitPrice: '2' },
      ],
    });
    expect(created.purchaseOrder).toMatchObject({
      number: 'PO-T-1',
      status: 'DRAFT',
      createdBatches: { totalCount: 0 },
    });
    const id = created.purchaseOrder.id;
    const before = await Promise.all(items.map((item) => qtyOf(item.sku)));

    expect((await transition('submitPurchaseOrder', id)).purchaseOrder.status).toBe('SUBMITTED');
    expect((await transition('approvePurchaseOrder', id)).purchaseOrder.status).toBe('APPROVED');
    const received = (await transition('receivePurchaseOrder', id)).purchaseOrder;
    expect(received.status).toBe('RECEIVED');
    expect(received.createdBatches.edges.map((edge: any) => edge.node)).toEqual([
      {
        code: 'PO-T-1-1',
        quantity: 3,
        item: { sku: items[0]!.sku, qty: before[0]! + 3 },
        creationEvent: { sourcePurchaseOrder: { number: 'PO-T-1' } },
      },
      {
        code: 'PO-T-1-2',
        quantity: 7,
        item: { sku: items[1]!.sku, qty: before[1]! + 7 },
        creationEvent: { sourcePurchaseOrder: { number: 'PO-T-1' } },
      },
    ]);
    const movements = await database.db.stockMovement.findMany({ where: { purchaseOrder: { number: 'PO-T-1' } } });
    expect(movements.map((movement) => [movement.reason, movement.delta, movement.batchId !== null])).toEqual(
      expect.arrayContaining([
        ['RECEIPT', 3, true],
        ['RECEIPT', 7, true],
      ]),
    );
    const actions = await database.db.auditEvent.findMany({
      where: { entityType: 'PurchaseOrder', entityId: Buffer.from(id, 'base64').toString().split(':')[1] },
      orderBy: { createdAt: 'asc' },
    });
    expect(actions.map((event) => event.action)).toEqual(['create', 'submit', 'approve', 'receive']);
  });

  it("totals each line and the order exactly, in the organisation's currency, in the order's one statement", async () => {
    const created = await createOrder({
      number: 'PO-T-SUM',
      supplierId,
      lines: [
        { itemId: items[0]!.id, quantity: 3, unitPrice: '1.15' },
        { itemId: items[1]!.id, quantity: 1, unitPrice: '0.10' },
        { itemId: items[0]!.id, quantity: 1, unitPrice: '0.20' },
        { itemId: items[1]!.id, quantity: 999_999, unitPrice: '9999999.99' },
      ],
    });
    const totals = (first: number) =>
      data(
        `query($first: Int!) { purchaseOrders(first: $first) { edges { node { number total currency lines { total } } } } }`,
        { first },
        { as: people.manager },
      );
    const { currency } = await database.db.organisation.findUniqueOrThrow({ where: { id: people.organisationId } });
    const listed = await totals(50);
    expect(listed.purchaseOrders.edges.find((edge: any) => edge.node.number === 'PO-T-SUM').node).toEqual({
      number: 'PO-T-SUM',
      // 3 × 1.15 in binary floating point is 3.4499999999999997: these are exact decimals.
      total: '9999989990003.76',
      currency,
      lines: [{ total: '3.45' }, { total: '0.1' }, { total: '0.2' }, { total: '9999989990000.01' }],
    });
    expect(created.purchaseOrder.number).toBe('PO-T-SUM');

    const statements = async (first: number) => {
      const before = database.statements.length;
      await totals(first);
      return database.statements.length - before;
    };
    expect(await statements(1)).toBe(await statements(50));

    // The total reads the lines the lines field reads: PostgreSQL keeps an order within 200 of them.
    const stored = await database.db.purchaseOrder.findFirstOrThrow({
      where: { number: 'PO-T-SUM' },
      include: { lines: true },
    });
    const line = { purchaseOrderId: stored.id, itemId: stored.lines[0]!.itemId, quantity: 1, unitPrice: '1' };
    await expect(database.db.purchaseOrderLine.create({ data: { ...line, position: 201 } })).rejects.toThrow(
      /purchase_order_lines_position_limit/,
    );
    await database.db.purchaseOrderLine.create({ data: { ...line, position: 200 } });
  });

  it('rejects illegal transitions with the current state, changing nothing', async () => {
    const { purchaseOrder } = await createOrder({
      number: 'PO-T-2',
      supplierId,
      lines: [{ itemId: items[0]!.id, quantity: 1, unitPrice: '1' }],
    });
    expect(await transition('approvePurchaseOrder', purchaseOrder.id)).toEqual({
      __typename: 'InvalidStateError',
      message: 'Only a submitted purchase order can be approved; this one is draft.',
      currentState: 'DRAFT',
    });
    expect(await transition('receivePurchaseOrder', purchaseOrder.id)).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'DRAFT',
    });
    expect((await transition('cancelPurchaseOrder', purchaseOrder.id)).purchaseOrder.status).toBe('CANCELLED');
    expect(await transition('submitPurchaseOrder', purchaseOrder.id)).toMatchObject({
      message: 'Only a draft purchase order can be submitted; this one is cancelled.',
    });
    expect(await database.db.batch.count({ where: { code: { startsWith: 'PO-T-2' } } })).toBe(0);
  });

  it('receives an order exactly once, even when receipts race', async () => {
    const { purchaseOrder } = await createOrder({
      number: 'PO-T-3',
      supplierId,
      lines: [{ itemId: items[0]!.id, quantity: 5, unitPrice: '1' }],
    });
    await transition('submitPurchaseOrder', purchaseOrder.id);
    await transition('approvePurchaseOrder', purchaseOrder.id);
    const before = await qtyOf(items[0]!.sku);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => transition('receivePurchaseOrder', purchaseOrder.id)),
    );
    expect(results.map((result) => result.__typename).sort()).toEqual([
      'InvalidStateError',
      'InvalidStateError',
      'InvalidStateError',
      'ReceivePurchaseOrderSuccess',
    ]);
    expect(await database.db.batch.count({ where: { code: { startsWith: 'PO-T-3' } } })).toBe(1);
    expect(await qtyOf(items[0]!.sku)).toBe(before + 5);
  });

  it('edits only drafts, replacing their lines', async () => {
    const { purchaseOrder } = await createOrder({
      number: 'PO-T-4',
      supplierId,
      lines: [{ itemId: items[0]!.id, quantity: 1, unitPrice: '1' }],
    });
    const update = (input: Record<string, unknown>) =>
      data(
        `mutation($input: UpdatePurchaseOrderInput!) { updatePurchaseOrder(input: $input) { ${mutationErrors} ... on InvalidStateError { currentState } ... on UpdatePurchaseOrderSuccess { purchaseOrder { ${order} } } } }`,
        { input: { id: purchaseOrder.id, ...input } },
        { as: people.manager },
      ).then((result) => result.updatePurchaseOrder);
    const updated = await update({
      number: 'PO-T-4b',
      lines: [{ itemId: items[1]!.id, quantity: 9, unitPrice: '4.25' }],
    });
    expect(updated.purchaseOrder).toMatchObject({
      number: 'PO-T-4b',
      lines: [{ quantity: 9, unitPrice: '4.25', item: { sku: items[1]!.sku } }],
    });
    await transition('submitPurchaseOrder', purchaseOrder.id);
    expect(await update({ number: 'PO-T-4c' })).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'SUBMITTED',
    });
  });

  it('validates orders and their lines field by field', async () => {
    const empty = await createOrder({ number: ' ', supplierId, lines: [] });
    expect(empty.issues).toEqual([
      { path: ['input', 'number'], message: 'Number is required.' },
      { path: ['input', 'lines'], message: 'An order needs at least one line.' },
    ]);
    const badLine = await createOrder({
      number: 'PO-T-5',
      supplierId,
      lines: [{ itemId: items[0]!.id, quantity: 0, unitPrice: '-1' }],
    });
    expect(badLine.issues).toEqual([
      { path: ['input', 'lines', '0', 'quantity'], message: 'Quantity must be at least 1.' },
      { path: ['input', 'lines', '0', 'unitPrice'], message: 'Unit price cannot be negative.' },
    ]);
    const duplicate = await createOrder({
      number: 'PO-2026-0003',
      supplierId,
      lines: [{ itemId: items[0]!.id, quantity: 1, unitPrice: '1' }],
    });
    expect(duplicate).toMatchObject({ __typename: 'ConflictError', field: 'number' });
  });

  it('creates and updates suppliers', async () => {
    const created = await data(
      `mutation { createSupplier(input: { name: "Acme Tools", email: "sales@acme.example" }) { ${mutationErrors} ... on CreateSupplierSuccess { supplier { id name email } } } }`,
      {},
      { as: people.manager },
    );
    expect(created.createSupplier.supplier).toMatchObject({ name: 'Acme Tools', email: 'sales@acme.example' });
    const invalid = await data(
      `mutation($id: ID!) { updateSupplier(input: { id: $id, email: "not an email" }) { ${mutationErrors} } }`,
      { id: created.createSupplier.supplier.id },
      { as: people.manager },
    );
    expect(invalid.updateSupplier.issues).toEqual([
      { path: ['input', 'email'], message: 'Email must be an email address.' },
    ]);
  });
});
