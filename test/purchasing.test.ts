import { beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './generated/index.js';
import type { CreatePurchaseOrderInput, UpdatePurchaseOrderInput } from './generated/graphql.js';
import { useTestDatabase } from './helpers/database.js';
import { data, demo, expectTypename, type TypedDocumentNode } from './helpers/graphql.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
let supplierId: string;
let items: { id: string; sku: string }[];

beforeAll(async () => {
  people = await demo(database);
  const listed = await data(supplierAndItems, {}, { as: people.manager });
  supplierId = listed.suppliers.edges[0]!.node.id;
  items = listed.inventoryItems.edges.map((edge) => edge.node);
});

const supplierAndItems = graphql(/* GraphQL */ `
  query PurchasingSupplierAndItems {
    suppliers(first: 1) {
      edges {
        node {
          id
        }
      }
    }
    inventoryItems(first: 2, orderBy: SKU_ASC) {
      edges {
        node {
          id
          sku
        }
      }
    }
  }
`);

graphql(/* GraphQL */ `
  fragment PurchasingOrder on PurchaseOrder {
    id
    number
    status
    lines {
      quantity
      unitPrice
      item {
        sku
      }
    }
    createdBatches(first: 10) {
      totalCount
      edges {
        node {
          code
          quantity
          item {
            sku
            qty
          }
          creationEvent {
            sourcePurchaseOrder {
              number
            }
          }
        }
      }
    }
  }
`);

const createPurchaseOrder = graphql(/* GraphQL */ `
  mutation PurchasingCreateOrder($input: CreatePurchaseOrderInput!) {
    createPurchaseOrder(input: $input) {
      __typename
      ...MutationError
      ... on CreatePurchaseOrderSuccess {
        purchaseOrder {
          ...PurchasingOrder
        }
      }
    }
  }
`);

const updatePurchaseOrder = graphql(/* GraphQL */ `
  mutation PurchasingUpdateOrder($input: UpdatePurchaseOrderInput!) {
    updatePurchaseOrder(input: $input) {
      __typename
      ...MutationError
      ... on InvalidStateError {
        currentState
      }
      ... on UpdatePurchaseOrderSuccess {
        purchaseOrder {
          ...PurchasingOrder
        }
      }
    }
  }
`);

const submit = graphql(/* GraphQL */ `
  mutation PurchasingSubmitOrder($id: ID!) {
    transition: submitPurchaseOrder(id: $id) {
      __typename
      ...MutationError
      ... on InvalidStateError {
        currentState
      }
      ... on SubmitPurchaseOrderSuccess {
        purchaseOrder {
          ...PurchasingOrder
        }
      }
    }
  }
`);

const approve = graphql(/* GraphQL */ `
  mutation PurchasingApproveOrder($id: ID!) {
    transition: approvePurchaseOrder(id: $id) {
      __typename
      ...MutationError
      ... on InvalidStateError {
        currentState
      }
      ... on ApprovePurchaseOrderSuccess {
        purchaseOrder {
          ...PurchasingOrder
        }
      }
    }
  }
`);

const receive = graphql(/* GraphQL */ `
  mutation PurchasingReceiveOrder($id: ID!) {
    transition: receivePurchaseOrder(id: $id) {
      __typename
      ...MutationError
      ... on InvalidStateError {
        currentState
      }
      ... on ReceivePurchaseOrderSuccess {
        purchaseOrder {
          ...PurchasingOrder
        }
      }
    }
  }
`);

const cancel = graphql(/* GraphQL */ `
  mutation PurchasingCancelOrder($id: ID!) {
    transition: cancelPurchaseOrder(id: $id) {
      __typename
      ...MutationError
      ... on InvalidStateError {
        currentState
      }
      ... on CancelPurchaseOrderSuccess {
        purchaseOrder {
          ...PurchasingOrder
        }
      }
    }
  }
`);

const orderTotals = graphql(/* GraphQL */ `
  query PurchasingOrderTotals($first: Int!) {
    purchaseOrders(first: $first) {
      edges {
        node {
          number
          total
          currency
          lines {
            total
          }
        }
      }
    }
  }
`);

const createSupplier = graphql(/* GraphQL */ `
  mutation PurchasingCreateSupplier {
    createSupplier(input: { name: "Acme Tools", email: "sales@acme.example" }) {
      __typename
      ...MutationError
      ... on CreateSupplierSuccess {
        supplier {
          id
          name
          email
        }
      }
    }
  }
`);

const updateSupplierEmail = graphql(/* GraphQL */ `
  mutation PurchasingUpdateSupplierEmail($id: ID!) {
    updateSupplier(input: { id: $id, email: "not an email" }) {
      __typename
      ...MutationError
    }
  }
`);

const createOrder = async (input: CreatePurchaseOrderInput) =>
  (await data(createPurchaseOrder, { input }, { as: people.manager })).createPurchaseOrder;

const newOrder = async (input: CreatePurchaseOrderInput) =>
  expectTypename(await createOrder(input), 'CreatePurchaseOrderSuccess').purchaseOrder;

/** Moves an order on by one of the documents above, whose mutation answers as `transition`. */
const transition = async <R>(document: TypedDocumentNode<{ transition: R }, { id: string }>, id: string) =>
  (await data(document, { id }, { as: people.manager })).transition;

const qtyOf = async (sku: string) =>
  (await database.db.inventoryItem.findFirstOrThrow({ where: { sku, organisationId: people.organisationId } })).qty;

describe('purchase orders', () => {
  it('goes draft → submitted → approved → received, creating batches, provenance and stock at once', async () => {
    const created = await newOrder({
      number: 'PO-T-1',
      supplierId,
      lines: [
        { itemId: items[0]!.id, quantity: 3, unitPrice: '10.50' },
        { itemId: items[1]!.id, quantity: 7, unitPrice: '2' },
      ],
    });
    expect(created).toMatchObject({
      number: 'PO-T-1',
      status: 'DRAFT',
      createdBatches: { totalCount: 0 },
    });
    const id = created.id;
    const before = await Promise.all(items.map((item) => qtyOf(item.sku)));

    expect(expectTypename(await transition(submit, id), 'SubmitPurchaseOrderSuccess').purchaseOrder.status).toBe(
      'SUBMITTED',
    );
    expect(expectTypename(await transition(approve, id), 'ApprovePurchaseOrderSuccess').purchaseOrder.status).toBe(
      'APPROVED',
    );
    const received = expectTypename(await transition(receive, id), 'ReceivePurchaseOrderSuccess').purchaseOrder;
    expect(received.status).toBe('RECEIVED');
    expect(received.createdBatches.edges.map((edge) => edge.node)).toEqual([
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
    const created = await newOrder({
      number: 'PO-T-SUM',
      supplierId,
      lines: [
        { itemId: items[0]!.id, quantity: 3, unitPrice: '1.15' },
        { itemId: items[1]!.id, quantity: 1, unitPrice: '0.10' },
        { itemId: items[0]!.id, quantity: 1, unitPrice: '0.20' },
        { itemId: items[1]!.id, quantity: 999_999, unitPrice: '9999999.99' },
      ],
    });
    const totals = (first: number) => data(orderTotals, { first }, { as: people.manager });
    const { currency } = await database.db.organisation.findUniqueOrThrow({ where: { id: people.organisationId } });
    const listed = await totals(50);
    expect(listed.purchaseOrders.edges.find((edge) => edge.node.number === 'PO-T-SUM')?.node).toEqual({
      number: 'PO-T-SUM',
      // 3 × 1.15 in binary floating point is 3.4499999999999997: these are exact decimals.
      total: '9999989990003.76',
      currency,
      lines: [{ total: '3.45' }, { total: '0.1' }, { total: '0.2' }, { total: '9999989990000.01' }],
    });
    expect(created.number).toBe('PO-T-SUM');

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
    const purchaseOrder = await newOrder({
      number: 'PO-T-2',
      supplierId,
      lines: [{ itemId: items[0]!.id, quantity: 1, unitPrice: '1' }],
    });
    expect(await transition(approve, purchaseOrder.id)).toEqual({
      __typename: 'InvalidStateError',
      message: 'Only a submitted purchase order can be approved; this one is draft.',
      currentState: 'DRAFT',
    });
    expect(await transition(receive, purchaseOrder.id)).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'DRAFT',
    });
    expect(await transition(cancel, purchaseOrder.id)).toMatchObject({ purchaseOrder: { status: 'CANCELLED' } });
    expect(await transition(submit, purchaseOrder.id)).toMatchObject({
      message: 'Only a draft purchase order can be submitted; this one is cancelled.',
    });
    expect(await database.db.batch.count({ where: { code: { startsWith: 'PO-T-2' } } })).toBe(0);
  });

  it('receives an order exactly once, even when receipts race', async () => {
    const purchaseOrder = await newOrder({
      number: 'PO-T-3',
      supplierId,
      lines: [{ itemId: items[0]!.id, quantity: 5, unitPrice: '1' }],
    });
    await transition(submit, purchaseOrder.id);
    await transition(approve, purchaseOrder.id);
    const before = await qtyOf(items[0]!.sku);
    const results = await Promise.all(Array.from({ length: 4 }, () => transition(receive, purchaseOrder.id)));
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
    const purchaseOrder = await newOrder({
      number: 'PO-T-4',
      supplierId,
      lines: [{ itemId: items[0]!.id, quantity: 1, unitPrice: '1' }],
    });
    const update = async (input: Omit<UpdatePurchaseOrderInput, 'id'>) =>
      (await data(updatePurchaseOrder, { input: { id: purchaseOrder.id, ...input } }, { as: people.manager }))
        .updatePurchaseOrder;
    const updated = await update({
      number: 'PO-T-4b',
      lines: [{ itemId: items[1]!.id, quantity: 9, unitPrice: '4.25' }],
    });
    expect(expectTypename(updated, 'UpdatePurchaseOrderSuccess').purchaseOrder).toMatchObject({
      number: 'PO-T-4b',
      lines: [{ quantity: 9, unitPrice: '4.25', item: { sku: items[1]!.sku } }],
    });
    await transition(submit, purchaseOrder.id);
    expect(await update({ number: 'PO-T-4c' })).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'SUBMITTED',
    });
  });

  it('validates orders and their lines field by field', async () => {
    const empty = await createOrder({ number: ' ', supplierId, lines: [] });
    expect(expectTypename(empty, 'InputValidationError').issues).toEqual([
      { path: ['input', 'number'], message: 'Number is required.' },
      { path: ['input', 'lines'], message: 'An order needs at least one line.' },
    ]);
    const badLine = await createOrder({
      number: 'PO-T-5',
      supplierId,
      lines: [{ itemId: items[0]!.id, quantity: 0, unitPrice: '-1' }],
    });
    expect(expectTypename(badLine, 'InputValidationError').issues).toEqual([
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
    const created = await data(createSupplier, {}, { as: people.manager });
    const { supplier } = expectTypename(created.createSupplier, 'CreateSupplierSuccess');
    expect(supplier).toMatchObject({ name: 'Acme Tools', email: 'sales@acme.example' });
    const invalid = await data(updateSupplierEmail, { id: supplier.id }, { as: people.manager });
    expect(expectTypename(invalid.updateSupplier, 'InputValidationError').issues).toEqual([
      { path: ['input', 'email'], message: 'Email must be an email address.' },
    ]);
  });
});
