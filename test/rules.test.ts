import { beforeAll, describe, expect, it } from 'vitest';
import { openOrder } from '../src/modules/purchasing/rules.js';
import { inService, inspectionDue } from '../src/modules/safety/rules.js';
import { graphql } from './generated/index.js';
import { useTestDatabase } from './helpers/database.js';
import { data, demo } from './helpers/graphql.js';
import * as fixtures from './helpers/fixtures.js';

const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;

beforeAll(async () => {
  people = await demo(database);
  // Rows at each edge of each rule: retired, deleted, undated, due later; at, below and above a minimum.
  const past = new Date(Date.now() - 86_400_000);
  const future = new Date(Date.now() + 86_400_000);
  for (const [status, next, deleted] of [
    ['retired', past, null],
    ['active', past, new Date()],
    ['in_maintenance', past, null],
    ['active', null, null],
    ['active', future, null],
  ] as const) {
    const id = await fixtures.equipment(database, people.organisationId, null);
    await database.sql(
      'UPDATE assets.equipment SET status = $2::assets.equipment_status, next_maintenance_at = $3, deleted_at = $4 WHERE id = $1',
      [id, status, next, deleted],
    );
  }
  // Power tools passed inside their 30-day interval, just outside it, and within a week of its end.
  const [version] = await database.sql<{ id: string; items: string[] }>(
    `SELECT v.id, array_agg(i.id ORDER BY i.position) AS items
     FROM safety.checklist_template_versions v JOIN safety.checklist_templates t ON t.id = v.template_id
     JOIN safety.checklist_items i ON i.version_id = v.id
     WHERE t.organisation_id = $1 AND t.category = 'power_tool' GROUP BY v.id`,
    [people.organisationId],
  );
  for (const daysAgo of [2, 29, 31]) {
    const id = await fixtures.equipment(database, people.organisationId, null);
    const [inspection] = await database.sql<{ id: string }>(
      `INSERT INTO safety.inspections (organisation_id, equipment_id, version_id, inspector_id, started_at)
       VALUES ($1, $2, $3, $4, now() - $5 * interval '1 day') RETURNING id`,
      [people.organisationId, id, version!.id, people.worker, daysAgo],
    );
    await database.sql(
      `INSERT INTO safety.inspection_answers (inspection_id, item_id, yes_value, number_value, failed)
       VALUES ($1, $2, true, NULL, false), ($1, $3, NULL, 5, false)`,
      [inspection!.id, ...version!.items],
    );
    await database.sql(`UPDATE safety.inspections SET submitted_at = started_at, result = 'pass' WHERE id = $1`, [
      inspection!.id,
    ]);
  }
  for (const qty of [1, 2, 3]) {
    const item = await fixtures.inventoryItem(database, people.organisationId);
    await database.sql(`INSERT INTO inventory.stock_movements (item_id, delta, reason) VALUES ($1, $2, 'initial')`, [
      item,
      qty,
    ]);
  }
});

describe('each domain rule has one answer, whichever form reads it', () => {
  it('overdue: the filter, the derived field and the summary count agree', async () => {
    const overdue = graphql(/* GraphQL */ `
      query RulesOverdue($overdue: Boolean) {
        equipment(first: 100, filter: { overdue: $overdue }) {
          totalCount
          edges {
            node {
              isOverdue
            }
          }
        }
        organisation {
          summary {
            overdueEquipmentCount
          }
        }
      }
    `);
    const all = await data(overdue, {}, { as: people.admin });
    const filtered = await data(overdue, { overdue: true }, { as: people.admin });
    const rest = await data(overdue, { overdue: false }, { as: people.admin });
    const derived = all.equipment.edges.filter(({ node }) => node.isOverdue).length;
    expect(derived).toBeGreaterThan(0);
    expect(filtered.equipment.totalCount).toBe(derived);
    expect(filtered.equipment.edges.every(({ node }) => node.isOverdue)).toBe(true);
    expect(rest.equipment.edges.some(({ node }) => node.isOverdue)).toBe(false);
    expect(filtered.equipment.totalCount + rest.equipment.totalCount).toBe(all.equipment.totalCount);
    expect(all.organisation.summary.overdueEquipmentCount).toBe(derived);
  });

  it('low stock: the filter, the derived field and the summary count agree', async () => {
    const lowStock = graphql(/* GraphQL */ `
      query RulesLowStock($lowStock: Boolean) {
        inventoryItems(first: 100, filter: { lowStock: $lowStock }) {
          totalCount
          edges {
            node {
              isLowStock
            }
          }
        }
        organisation {
          summary {
            lowStockItemCount
          }
        }
      }
    `);
    const all = await data(lowStock, {}, { as: people.admin });
    const filtered = await data(lowStock, { lowStock: true }, { as: people.admin });
    const derived = all.inventoryItems.edges.filter(({ node }) => node.isLowStock);
    expect(derived.length).toBeGreaterThan(0);
    expect(filtered.inventoryItems.totalCount).toBe(derived.length);
    expect(all.organisation.summary.lowStockItemCount).toBe(derived.length);
  });

  it('open order: the summary count is the orders the rule matches', async () => {
    const orders = await data(
      graphql(/* GraphQL */ `
        query RulesOpenOrders {
          purchaseOrders(first: 100) {
            totalCount
            edges {
              node {
                status
              }
            }
          }
          organisation {
            summary {
              openPurchaseOrderCount
            }
          }
        }
      `),
      {},
      { as: people.admin },
    );
    const open = orders.purchaseOrders.edges.filter(({ node }) => openOrder.matches(node));
    expect(open.length).toBeGreaterThan(0);
    expect(open.length).toBeLessThan(orders.purchaseOrders.totalCount);
    expect(orders.organisation.summary.openPurchaseOrderCount).toBe(open.length);
  });
});

describe('the safety rules have one answer each too', () => {
  it('inspection due: the due list, each equipment’s state, the summary counts and compliance agree', async () => {
    const all = await data(
      graphql(/* GraphQL */ `
        query RulesInspectionStates {
          equipment(first: 100) {
            edges {
              node {
                id
                status
                deletedAt
                inspectionStatus {
                  state
                  lastPassedAt
                  intervalDays
                }
              }
            }
          }
        }
      `),
      {},
      { as: people.admin },
    );
    const now = new Date();
    const states: Record<string, string[]> = { CURRENT: [], DUE: [], OVERDUE: [], NOT_IN_SERVICE: [] };
    for (const { node } of all.equipment.edges) {
      const status = node.inspectionStatus;
      if (!status) continue;
      states[status.state]!.push(node.id);
      // The state the API gives is the rule's, in TypeScript, for the same equipment.
      const date = (value: string | null) => (value === null ? null : new Date(value));
      const subject = {
        lastPassedAt: date(status.lastPassedAt),
        intervalDays: status.intervalDays,
        inService: inService.matches({ status: node.status, deletedAt: date(node.deletedAt) }),
      };
      expect(inspectionDue.state(subject, now)).toBe(status.state);
    }
    for (const state of Object.keys(states)) expect({ state, n: states[state]!.length }).not.toEqual({ state, n: 0 });
    const lists = await data(
      graphql(/* GraphQL */ `
        query RulesDueLists {
          due: inspectionsDue(first: 100) {
            totalCount
            edges {
              node {
                id
              }
            }
          }
          overdue: inspectionsDue(first: 100, filter: { overdueOnly: true }) {
            totalCount
            edges {
              node {
                id
              }
            }
          }
          organisation {
            summary {
              dueInspectionCount
              overdueInspectionCount
            }
            inspectionCompliance {
              equipmentCount
              compliantCount
              dueCount
              overdueCount
            }
          }
        }
      `),
      {},
      { as: people.admin },
    );
    const ids = (list: { edges: { node: { id: string } }[] }) => list.edges.map(({ node }) => node.id).sort();
    expect(ids(lists.due)).toEqual([...states.DUE!, ...states.OVERDUE!].sort());
    expect(ids(lists.overdue)).toEqual([...states.OVERDUE!].sort());
    expect(lists.due.totalCount).toBe(states.DUE!.length + states.OVERDUE!.length);
    expect(lists.organisation.summary).toEqual({
      dueInspectionCount: states.DUE!.length,
      overdueInspectionCount: states.OVERDUE!.length,
    });
    expect(lists.organisation.inspectionCompliance).toEqual({
      equipmentCount: states.CURRENT!.length + states.DUE!.length + states.OVERDUE!.length,
      compliantCount: states.CURRENT!.length + states.DUE!.length,
      dueCount: states.DUE!.length,
      overdueCount: states.OVERDUE!.length,
    });
  });

  it('open incident and open corrective action: the filters, the derived fields and the summary counts agree', async () => {
    const result = await data(
      graphql(/* GraphQL */ `
        query RulesOpenRecords {
          incidents(first: 100) {
            totalCount
            edges {
              node {
                isOpen
              }
            }
          }
          openIncidents: incidents(first: 100, filter: { open: true }) {
            totalCount
            edges {
              node {
                isOpen
              }
            }
          }
          correctiveActions(first: 100) {
            totalCount
            edges {
              node {
                isOpen
              }
            }
          }
          openActions: correctiveActions(first: 100, filter: { open: true }) {
            totalCount
            edges {
              node {
                isOpen
              }
            }
          }
          organisation {
            summary {
              openIncidentCount
              openCorrectiveActionCount
            }
          }
        }
      `),
      {},
      { as: people.manager },
    );
    const open = (list: { edges: { node: { isOpen: boolean } }[] }) =>
      list.edges.filter(({ node }) => node.isOpen).length;
    expect(open(result.incidents)).toBeGreaterThan(0);
    expect(open(result.incidents)).toBeLessThan(result.incidents.totalCount);
    expect(result.openIncidents.totalCount).toBe(open(result.incidents));
    expect(open(result.openIncidents)).toBe(result.openIncidents.totalCount);
    expect(result.organisation.summary.openIncidentCount).toBe(open(result.incidents));
    expect(open(result.correctiveActions)).toBeGreaterThan(0);
    expect(open(result.correctiveActions)).toBeLessThan(result.correctiveActions.totalCount);
    expect(result.openActions.totalCount).toBe(open(result.correctiveActions));
    expect(result.organisation.summary.openCorrectiveActionCount).toBe(open(result.correctiveActions));
  });
});
