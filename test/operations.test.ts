import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kind, OperationTypeNode, parse, validate } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema.js';
import { generate, repoRoot } from './helpers/cli.js';
import { useTestDatabase } from './helpers/database.js';
import {
  AdjustStockDocument,
  ApproveTimesheetDocument,
  ClockInDocument,
  ClockOutDocument,
  CreateEquipmentDocument,
  DashboardDocument,
  EquipmentDetailDocument,
  EquipmentSummaryDocument,
  IncidentReviewDocument,
  InspectionsDueDocument,
  LogMaintenanceDocument,
  MoveIncidentDocument,
  MyWorkDocument,
  PurchaseOrdersDocument,
  ReceivePurchaseOrderDocument,
  ReportIncidentDocument,
  RescheduleMaintenanceDocument,
  StartInspectionDocument,
  SubmitInspectionDocument,
  TimesheetReviewDocument,
  type SubmitInspectionInput,
} from './generated/graphql.js';
import { data, demo, expectTypename, globalId } from './helpers/graphql.js';

// The example operations in operations/ are what a web dashboard and a mobile app send; the tests'
// codegen types them too (test/generated/), so that they run here as a client runs them.
const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
const operations = new Map<string, string>();
const kinds = new Map<string, 'Query' | 'Mutation'>();

beforeAll(async () => {
  people = await demo(database);
  const dir = join(repoRoot, 'operations');
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.graphql'))) {
    const source = await readFile(join(dir, file), 'utf8');
    for (const definition of parse(source).definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      operations.set(definition.name!.value, source);
      kinds.set(definition.name!.value, definition.operation === OperationTypeNode.MUTATION ? 'Mutation' : 'Query');
    }
  }
});

describe('the example client operations', () => {
  it('are all valid against the schema', () => {
    expect(operations.size).toBeGreaterThanOrEqual(10);
    for (const [name, source] of operations) {
      expect({ name, errors: validate(schema, parse(source)).map((error) => error.message) }).toEqual({
        name,
        errors: [],
      });
    }
  });

  it('generate typed documents with codegen.ts', async () => {
    const out = await mkdtemp(join(tmpdir(), 'opsgraph-codegen-'));
    try {
      const { default: config } = await import('../codegen.js');
      const target = `${out}/`;
      await generate(
        { ...config, cwd: repoRoot, generates: { [target]: config.generates['operations/generated/']! } },
        true,
      );
      const generated = await readFile(join(out, 'graphql.ts'), 'utf8');
      for (const name of operations.keys()) {
        expect(generated).toContain(`export const ${name}Document = `);
        expect(generated).toContain(`export type ${name}${kinds.get(name)} = `);
      }
      // A client copying the generated code type-checks it under the project's own NodeNext settings.
      await writeFile(
        join(out, 'tsconfig.json'),
        JSON.stringify({
          extends: join(repoRoot, 'tsconfig.json'),
          compilerOptions: { typeRoots: [join(repoRoot, 'node_modules/@types')] },
          include: ['*.ts'],
        }),
      );
      await writeFile(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
      await symlink(join(repoRoot, 'node_modules'), join(out, 'node_modules'));
      const typeCheck = spawnSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', out], {
        encoding: 'utf8',
      });
      expect(typeCheck.stdout + typeCheck.stderr).toBe('');
      expect(typeCheck.status).toBe(0);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('answer as a client expects, against the demo organisation', async () => {
    const { admin, manager, employee, worker } = people;
    const dashboard = await data(DashboardDocument, {}, { as: admin });
    expect(dashboard.organisation.summary).toMatchObject({
      equipmentCount: 10,
      dueInspectionCount: 2,
      overdueInspectionCount: 2,
      openCorrectiveActionCount: 1,
      openIncidentCount: 2,
    });
    expect(dashboard.organisation.inspectionCompliance).toEqual({ equipmentCount: 5, compliantCount: 3, ratio: 0.6 });
    expect(dashboard.outOfService.edges.map((edge) => edge.node.equipment.name)).toEqual(['Forklift FL-25']);
    expect(dashboard.overdue.totalCount).toBe(3);
    expect(dashboard.lowStock.edges.map((edge) => edge.node.sku)).toEqual(['OIL-HYD-20L', 'DRL-BIT-SET']);

    const summary = await data(EquipmentSummaryDocument, { first: 4 }, { as: admin });
    const next = await data(
      EquipmentSummaryDocument,
      { first: 4, after: summary.equipment.pageInfo.endCursor },
      { as: admin },
    );
    expect(summary.equipment.totalCount).toBe(10);
    expect(next.equipment.edges).toHaveLength(4);
    const id = summary.equipment.edges[0]!.node.id;
    const { node } = await data(EquipmentDetailDocument, { id, records: 2 }, { as: admin });
    expect(node && 'maintenanceRecords' in node ? node.maintenanceRecords.edges.length : null).toBeLessThanOrEqual(2);

    const logged = await data(
      LogMaintenanceDocument,
      { input: { equipmentId: id, maintenanceDate: '2026-11-22T08:00:00Z', nextMaintenance: '2027-02-22T08:00:00Z' } },
      { as: worker },
    );
    expect(logged.addMaintenanceRecord.__typename).toBe('AddMaintenanceRecordSuccess');
    const work = await data(MyWorkDocument, {}, { as: worker });
    expect(work.viewer?.maintenanceRecordsPerformed.edges[0]?.node.equipment.id).toBe(id);

    const orders = await data(PurchaseOrdersDocument, { filter: { status: ['APPROVED'] } }, { as: admin });
    const approved = orders.purchaseOrders.edges[0]!.node;
    const received = await data(ReceivePurchaseOrderDocument, { id: approved.id }, { as: manager });
    const { purchaseOrder } = expectTypename(received.receivePurchaseOrder, 'ReceivePurchaseOrderSuccess');
    expect(purchaseOrder.status).toBe('RECEIVED');
    const item = approved.lines[0]!.item.id;
    const adjusted = await data(AdjustStockDocument, { input: { itemId: item, delta: -1 } }, { as: employee });
    expect(adjusted.adjustStock.__typename).toBe('AdjustStockSuccess');
    const created = await data(
      CreateEquipmentDocument,
      { input: { name: 'Tablet', serialNumber: 'TAB-1', category: 'IT_HARDWARE' } },
      { as: admin },
    );
    const { equipment } = expectTypename(created.createEquipment, 'CreateEquipmentSuccess');
    const rescheduled = await data(
      RescheduleMaintenanceDocument,
      { ids: [equipment.id], at: '2027-01-01T00:00:00Z' },
      { as: admin },
    );
    expect(rescheduled.bulkUpdateNextMaintenance).toMatchObject({ equipment: [{ id: equipment.id }] });

    const punchedAt = new Date(Date.now() - 5 * 60_000).toISOString();
    const clockedIn = await data(
      ClockInDocument,
      { input: { source: 'MOBILE', at: punchedAt, idempotencyKey: randomUUID() } },
      { as: worker },
    );
    const entry = expectTypename(clockedIn.clockIn, 'ClockInSuccess').timeEntry;
    const shift = await data(MyWorkDocument, {}, { as: worker });
    expect(shift.viewer?.openTimeEntry?.id).toBe(entry.id);
    const clockedOut = await data(ClockOutDocument, { input: { idempotencyKey: randomUUID() } }, { as: worker });
    const closed = expectTypename(clockedOut.clockOut, 'ClockOutSuccess').timeEntry;
    expect(closed.clockOut).not.toBeNull();
    expect(closed.workedSeconds).toBeGreaterThanOrEqual(5 * 60);

    // The demo's three weeks of time: the first two approved, the third waiting for the manager.
    const firstApproval = await database.db.timesheetApproval.findFirstOrThrow({
      where: { userId: worker },
      orderBy: { fromDate: 'asc' },
    });
    const day = (offset: number) =>
      new Date(firstApproval.fromDate.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    const { timesheet } = await data(
      TimesheetReviewDocument,
      { userId: globalId('User', worker), from: day(0), to: day(20) },
      { as: manager },
    );
    expect(timesheet?.timeZone).toBe('Europe/London');
    expect(timesheet?.days).toHaveLength(21);
    expect(timesheet?.days.filter((row) => row.approved)).toHaveLength(14);
    expect(timesheet?.weeks.map((week) => week.overtimeSeconds)).toEqual([9000, 9000, 9000]);
    expect(timesheet?.days.some((row) => row.isOvertime)).toBe(true);
    expect(timesheet?.entries.totalCount).toBe(15);
    const approval = await data(
      ApproveTimesheetDocument,
      { input: { userId: globalId('User', worker), from: day(14), to: day(20) } },
      { as: manager },
    );
    expect(approval.approveTimesheet).toMatchObject({ timesheetApproval: { entries: { totalCount: 5 } } });
  });

  it('inspect on the phone: what is due, start, submit (retried with its key), and a report', async () => {
    const { manager, worker } = people;
    const due = await data(InspectionsDueDocument, { first: 5 }, { as: worker });
    const harness = due.inspectionsDue.edges[0]!.node;
    expect(harness).toMatchObject({ name: 'Fall Arrest Harness', inspectionStatus: { state: 'OVERDUE' } });
    const started = await data(StartInspectionDocument, { equipmentId: harness.id }, { as: worker });
    const { inspection } = expectTypename(started.startInspection, 'StartInspectionSuccess');
    expect(inspection.version.items.map((item) => item.kind)).toEqual(['YES_NO', 'YES_NO', 'TEXT']);
    const input: SubmitInspectionInput = {
      inspectionId: inspection.id,
      idempotencyKey: `harness-${inspection.id}`,
      answers: inspection.version.items.map((item) =>
        item.kind === 'TEXT' ? { itemId: item.id, text: 'Stitching sound.' } : { itemId: item.id, yes: true },
      ),
    };
    const submitted = await data(SubmitInspectionDocument, { input }, { as: worker });
    const retried = await data(SubmitInspectionDocument, { input }, { as: worker });
    expect(submitted.submitInspection).toMatchObject({
      inspection: {
        result: 'PASS',
        correctiveAction: null,
        equipment: { status: 'ACTIVE', inspectionStatus: { state: 'CURRENT' } },
      },
    });
    expect(retried).toEqual(submitted);
    const after = await data(InspectionsDueDocument, { first: 5 }, { as: worker });
    expect(after.inspectionsDue.totalCount).toBe(due.inspectionsDue.totalCount - 1);

    const reported = await data(
      ReportIncidentDocument,
      {
        input: {
          kind: 'NEAR_MISS',
          severity: 'LOW',
          description: 'Harness hook left open on the rail.',
          occurredAt: '2026-11-20T10:00:00Z',
          equipmentId: harness.id,
        },
      },
      { as: worker },
    );
    const { incident } = expectTypename(reported.reportIncident, 'ReportIncidentSuccess');
    expect(incident.status).toBe('REPORTED');

    const review = await data(IncidentReviewDocument, { status: ['REPORTED'] }, { as: manager });
    expect(review.incidents.edges.map((edge) => edge.node.id)).toContain(incident.id);
    expect(review.correctiveActions.totalCount).toBe(1);
    const moved = await data(
      MoveIncidentDocument,
      { input: { id: incident.id, status: 'INVESTIGATING' } },
      { as: manager },
    );
    expect(moved.moveIncident).toMatchObject({ incident: { status: 'INVESTIGATING' } });
  });
});
