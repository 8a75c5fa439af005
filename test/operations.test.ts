import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kind, OperationTypeNode, parse, print, validate, type OperationDefinitionNode } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema.js';
import { generate, repoRoot } from './helpers/cli.js';
import { useTestDatabase } from './helpers/database.js';
import { data, demo, globalId } from './helpers/graphql.js';

// The example operations in operations/ are what a web dashboard and a mobile app send.
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

async function operation(name: string, variables: Record<string, unknown>, as?: string) {
  const document = parse(operations.get(name)!);
  const only = document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && definition.name?.value === name,
  )!;
  const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
  return data(print({ kind: Kind.DOCUMENT, definitions: [only, ...fragments] }), variables, { as: as ?? people.admin });
}

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
    const dashboard = await operation('Dashboard', {});
    expect(dashboard.organisation.summary).toMatchObject({
      equipmentCount: 10,
      dueInspectionCount: 2,
      overdueInspectionCount: 2,
      openCorrectiveActionCount: 1,
      openIncidentCount: 2,
    });
    expect(dashboard.organisation.inspectionCompliance).toEqual({ equipmentCount: 5, compliantCount: 3, ratio: 0.6 });
    expect(dashboard.outOfService.edges.map((edge: any) => edge.node.equipment.name)).toEqual(['Forklift FL-25']);
    expect(dashboard.overdue.totalCount).toBe(3);
    expect(dashboard.lowStock.edges.map((edge: any) => edge.node.sku)).toEqual(['OIL-HYD-20L', 'DRL-BIT-SET']);

    const summary = await operation('EquipmentSummary', { first: 4 });
    const next = await operation('EquipmentSummary', { first: 4, after: summary.equipment.pageInfo.endCursor });
    expect(summary.equipment.totalCount).toBe(10);
    expect(next.equipment.edges).toHaveLength(4);
    const id = summary.equipment.edges[0].node.id;
    const detail = await operation('EquipmentDetail', { id, records: 2 });
    expect(detail.node.maintenanceRecords.edges.length).toBeLessThanOrEqual(2);

    const logged = await operation(
      'LogMaintenance',
      { input: { equipmentId: id, maintenanceDate: '2026-11-22T08:00:00Z', nextMaintenance: '2027-02-22T08:00:00Z' } },
      people.worker,
    );
    expect(logged.addMaintenanceRecord.__typename).toBe('AddMaintenanceRecordSuccess');
    const work = await operation('MyWork', {}, people.worker);
    expect(work.viewer.maintenanceRecordsPerformed.edges[0].node.equipment.id).toBe(id);

    const orders = await operation('PurchaseOrders', { filter: { status: ['APPROVED'] } });
    const approved = orders.purchaseOrders.edges[0].node;
    const received = await operation('ReceivePurchaseOrder', { id: approved.id }, people.manager);
    expect(received.receivePurchaseOrder.purchaseOrder.status).toBe('RECEIVED');
    const item = approved.lines[0].item.id;
    const adjusted = await operation('AdjustStock', { input: { itemId: item, delta: -1 } }, people.employee);
    expect(adjusted.adjustStock.__typename).toBe('AdjustStockSuccess');
    const created = await operation('CreateEquipment', {
      input: { name: 'Tablet', serialNumber: 'TAB-1', category: 'IT_HARDWARE' },
    });
    const rescheduled = await operation('RescheduleMaintenance', {
      ids: [created.createEquipment.equipment.id],
      at: '2027-01-01T00:00:00Z',
    });
    expect(rescheduled.bulkUpdateNextMaintenance.equipment).toHaveLength(1);

    const punchedAt = new Date(Date.now() - 5 * 60_000).toISOString();
    const clockedIn = await operation(
      'ClockIn',
      { input: { source: 'MOBILE', at: punchedAt, idempotencyKey: randomUUID() } },
      people.worker,
    );
    expect(clockedIn.clockIn.__typename).toBe('ClockInSuccess');
    const shift = await operation('MyWork', {}, people.worker);
    expect(shift.viewer.openTimeEntry.id).toBe(clockedIn.clockIn.timeEntry.id);
    const clockedOut = await operation('ClockOut', { input: { idempotencyKey: randomUUID() } }, people.worker);
    expect(clockedOut.clockOut.timeEntry.clockOut).not.toBeNull();
    expect(clockedOut.clockOut.timeEntry.workedSeconds).toBeGreaterThanOrEqual(5 * 60);

    // The demo's three weeks of time: the first two approved, the third waiting for the manager.
    const firstApproval = await database.db.timesheetApproval.findFirstOrThrow({
      where: { userId: people.worker },
      orderBy: { fromDate: 'asc' },
    });
    const day = (offset: number) =>
      new Date(firstApproval.fromDate.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
    const review = await operation(
      'TimesheetReview',
      { userId: globalId('User', people.worker), from: day(0), to: day(20) },
      people.manager,
    );
    expect(review.timesheet.timeZone).toBe('Europe/London');
    expect(review.timesheet.days).toHaveLength(21);
    expect(review.timesheet.days.filter((row: any) => row.approved)).toHaveLength(14);
    expect(review.timesheet.weeks.map((week: any) => week.overtimeSeconds)).toEqual([9000, 9000, 9000]);
    expect(review.timesheet.days.some((row: any) => row.isOvertime)).toBe(true);
    expect(review.timesheet.entries.totalCount).toBe(15);
    const approval = await operation(
      'ApproveTimesheet',
      { input: { userId: globalId('User', people.worker), from: day(14), to: day(20) } },
      people.manager,
    );
    expect(approval.approveTimesheet.timesheetApproval.entries.totalCount).toBe(5);
  });

  it('inspect on the phone: what is due, start, submit (retried with its key), and a report', async () => {
    const due = await operation('InspectionsDue', { first: 5 }, people.worker);
    const harness = due.inspectionsDue.edges[0].node;
    expect(harness).toMatchObject({ name: 'Fall Arrest Harness', inspectionStatus: { state: 'OVERDUE' } });
    const started = await operation('StartInspection', { equipmentId: harness.id }, people.worker);
    const { inspection } = started.startInspection;
    expect(inspection.version.items.map((item: any) => item.kind)).toEqual(['YES_NO', 'YES_NO', 'TEXT']);
    const input = {
      inspectionId: inspection.id,
      idempotencyKey: `harness-${inspection.id}`,
      answers: inspection.version.items.map((item: any) =>
        item.kind === 'TEXT' ? { itemId: item.id, text: 'Stitching sound.' } : { itemId: item.id, yes: true },
      ),
    };
    const submitted = await operation('SubmitInspection', { input }, people.worker);
    const retried = await operation('SubmitInspection', { input }, people.worker);
    expect(submitted.submitInspection.inspection).toMatchObject({
      result: 'PASS',
      correctiveAction: null,
      equipment: { status: 'ACTIVE', inspectionStatus: { state: 'CURRENT' } },
    });
    expect(retried).toEqual(submitted);
    const after = await operation('InspectionsDue', { first: 5 }, people.worker);
    expect(after.inspectionsDue.totalCount).toBe(due.inspectionsDue.totalCount - 1);

    const reported = await operation(
      'ReportIncident',
      {
        input: {
          kind: 'NEAR_MISS',
          severity: 'LOW',
          description: 'Harness hook left open on the rail.',
          occurredAt: '2026-11-20T10:00:00Z',
          equipmentId: harness.id,
        },
      },
      people.worker,
    );
    expect(reported.reportIncident.incident.status).toBe('REPORTED');

    const review = await operation('IncidentReview', { status: ['REPORTED'] }, people.manager);
    expect(review.incidents.edges.map((edge: any) => edge.node.id)).toContain(reported.reportIncident.incident.id);
    expect(review.correctiveActions.totalCount).toBe(1);
    const moved = await operation(
      'MoveIncident',
      { input: { id: reported.reportIncident.incident.id, status: 'INVESTIGATING' } },
      people.manager,
    );
    expect(moved.moveIncident.incident.status).toBe('INVESTIGATING');
  });
});
