import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { Kind, parse, validate, type DocumentNode, type FormattedExecutionResult } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema.js';
import { createApp } from '../src/yoga.js';
import { repoRoot } from './helpers/cli.js';
import { testConfig } from './helpers/config.js';
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
  LoginWithGoogleDocument,
  MoveIncidentDocument,
  MyWorkDocument,
  PurchaseOrdersDocument,
  ReceivePurchaseOrderDocument,
  RefreshSessionDocument,
  ReportIncidentDocument,
  RescheduleMaintenanceDocument,
  SignInDocument,
  StartInspectionDocument,
  SubmitInspectionDocument,
  TimesheetReviewDocument,
  type SubmitInspectionInput,
} from './generated/graphql.js';
import { bearer, demo, expectTypename, globalId, type TypedDocumentNode } from './helpers/graphql.js';

// The example operations in operations/ are what a web dashboard and a mobile app send; the tests'
// codegen types them too (test/generated/), so that they run here as a client runs them.
const database = useTestDatabase();
let people: Awaited<ReturnType<typeof demo>>;
const operations = new Map<string, string>();
const kinds = new Map<string, 'Query' | 'Mutation' | 'Subscription'>();
const KIND_NAMES = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' } as const;

beforeAll(async () => {
  people = await demo(database);
  const dir = join(repoRoot, 'operations');
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.graphql'))) {
    const source = await readFile(join(dir, file), 'utf8');
    for (const definition of parse(source).definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      operations.set(definition.name!.value, source);
      kinds.set(definition.name!.value, KIND_NAMES[definition.operation]);
    }
  }
});

// Production's default: the clients send their operations by id, and only those are accepted.
const production = createApp(
  testConfig({ env: 'production', trustedDocuments: { ...testConfig().trustedDocuments, mode: 'only' } }),
);
const manifest = JSON.parse(
  readFileSync(join(repoRoot, 'operations/generated/persisted-documents.json'), 'utf8'),
) as Record<string, string>;
const idOf = (name: string) =>
  Object.keys(manifest).find((id) => new RegExp(`^(query|mutation|subscription) ${name}\\b`).test(manifest[id]!));
const sent = new Set<string>();

/** The name of a document's operation, by which its trusted document is found. */
function nameOf(document: DocumentNode): string {
  const [definition] = document.definitions;
  return definition?.kind === Kind.OPERATION_DEFINITION ? (definition.name?.value ?? '') : '';
}

/** Runs an example operation, typed, as its client does: by its trusted document's id alone. */
async function send<R, V>(
  document: TypedDocumentNode<R, V>,
  variables: V,
  as?: string,
): Promise<FormattedExecutionResult<R>> {
  const name = nameOf(document);
  const documentId = idOf(name);
  expect(documentId, `${name} is a trusted document`).toBeDefined();
  sent.add(name);
  const response = await production.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(as ? { authorization: `Bearer ${await bearer(as)}` } : {}) },
    body: JSON.stringify({ documentId, variables }),
  });
  return (await response.json()) as FormattedExecutionResult<R>;
}

/** The data of an example operation that must succeed, as the admin unless told. */
async function operation<R, V>(document: TypedDocumentNode<R, V>, variables: V, as?: string): Promise<R> {
  const result = await send(document, variables, as ?? people.admin);
  expect(result.errors).toBeUndefined();
  return result.data!;
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
      // The committed manifest, which the server loads, is the one the operations make.
      expect(JSON.parse(await readFile(join(out, 'persisted-documents.json'), 'utf8'))).toEqual(manifest);
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
    const dashboard = await operation(DashboardDocument, {}, admin);
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

    const summary = await operation(EquipmentSummaryDocument, { first: 4 }, admin);
    const next = await operation(
      EquipmentSummaryDocument,
      { first: 4, after: summary.equipment.pageInfo.endCursor },
      admin,
    );
    expect(summary.equipment.totalCount).toBe(10);
    expect(next.equipment.edges).toHaveLength(4);
    const id = summary.equipment.edges[0]!.node.id;
    const { node } = await operation(EquipmentDetailDocument, { id, records: 2 }, admin);
    expect(node && 'maintenanceRecords' in node ? node.maintenanceRecords.edges.length : null).toBeLessThanOrEqual(2);

    const logged = await operation(
      LogMaintenanceDocument,
      { input: { equipmentId: id, maintenanceDate: '2026-11-22T08:00:00Z', nextMaintenance: '2027-02-22T08:00:00Z' } },
      worker,
    );
    expect(logged.addMaintenanceRecord.__typename).toBe('AddMaintenanceRecordSuccess');
    const work = await operation(MyWorkDocument, {}, worker);
    expect(work.viewer?.maintenanceRecordsPerformed.edges[0]?.node.equipment.id).toBe(id);

    const orders = await operation(PurchaseOrdersDocument, { filter: { status: ['APPROVED'] } }, admin);
    const approved = orders.purchaseOrders.edges[0]!.node;
    const received = await operation(ReceivePurchaseOrderDocument, { id: approved.id }, manager);
    const { purchaseOrder } = expectTypename(received.receivePurchaseOrder, 'ReceivePurchaseOrderSuccess');
    expect(purchaseOrder.status).toBe('RECEIVED');
    const item = approved.lines[0]!.item.id;
    const adjusted = await operation(AdjustStockDocument, { input: { itemId: item, delta: -1 } }, employee);
    expect(adjusted.adjustStock.__typename).toBe('AdjustStockSuccess');
    const created = await operation(
      CreateEquipmentDocument,
      { input: { name: 'Tablet', serialNumber: 'TAB-1', category: 'IT_HARDWARE' } },
      admin,
    );
    const { equipment } = expectTypename(created.createEquipment, 'CreateEquipmentSuccess');
    const rescheduled = await operation(
      RescheduleMaintenanceDocument,
      { ids: [equipment.id], at: '2027-01-01T00:00:00Z' },
      admin,
    );
    expect(rescheduled.bulkUpdateNextMaintenance).toMatchObject({ equipment: [{ id: equipment.id }] });

    const punchedAt = new Date(Date.now() - 5 * 60_000).toISOString();
    const clockedIn = await operation(
      ClockInDocument,
      { input: { source: 'MOBILE', at: punchedAt, idempotencyKey: randomUUID() } },
      worker,
    );
    const entry = expectTypename(clockedIn.clockIn, 'ClockInSuccess').timeEntry;
    const shift = await operation(MyWorkDocument, {}, worker);
    expect(shift.viewer?.openTimeEntry?.id).toBe(entry.id);
    const clockedOut = await operation(ClockOutDocument, { input: { idempotencyKey: randomUUID() } }, worker);
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
    const { timesheet } = await operation(
      TimesheetReviewDocument,
      { userId: globalId('User', worker), from: day(0), to: day(20) },
      manager,
    );
    expect(timesheet?.timeZone).toBe('Europe/London');
    expect(timesheet?.days).toHaveLength(21);
    expect(timesheet?.days.filter((row) => row.approved)).toHaveLength(14);
    expect(timesheet?.weeks.map((week) => week.overtimeSeconds)).toEqual([9000, 9000, 9000]);
    expect(timesheet?.days.some((row) => row.isOvertime)).toBe(true);
    expect(timesheet?.entries.totalCount).toBe(15);
    const approval = await operation(
      ApproveTimesheetDocument,
      { input: { userId: globalId('User', worker), from: day(14), to: day(20) } },
      manager,
    );
    expect(approval.approveTimesheet).toMatchObject({ timesheetApproval: { entries: { totalCount: 5 } } });
  });

  it('inspect on the phone: what is due, start, submit (retried with its key), and a report', async () => {
    const { manager, worker } = people;
    const due = await operation(InspectionsDueDocument, { first: 5 }, worker);
    const harness = due.inspectionsDue.edges[0]!.node;
    expect(harness).toMatchObject({ name: 'Fall Arrest Harness', inspectionStatus: { state: 'OVERDUE' } });
    const started = await operation(StartInspectionDocument, { equipmentId: harness.id }, worker);
    const { inspection } = expectTypename(started.startInspection, 'StartInspectionSuccess');
    expect(inspection.version.items.map((item) => item.kind)).toEqual(['YES_NO', 'YES_NO', 'TEXT']);
    const input: SubmitInspectionInput = {
      inspectionId: inspection.id,
      idempotencyKey: `harness-${inspection.id}`,
      answers: inspection.version.items.map((item) =>
        item.kind === 'TEXT' ? { itemId: item.id, text: 'Stitching sound.' } : { itemId: item.id, yes: true },
      ),
    };
    const submitted = await operation(SubmitInspectionDocument, { input }, worker);
    const retried = await operation(SubmitInspectionDocument, { input }, worker);
    expect(submitted.submitInspection).toMatchObject({
      inspection: {
        result: 'PASS',
        correctiveAction: null,
        equipment: { status: 'ACTIVE', inspectionStatus: { state: 'CURRENT' } },
      },
    });
    expect(retried).toEqual(submitted);
    const after = await operation(InspectionsDueDocument, { first: 5 }, worker);
    expect(after.inspectionsDue.totalCount).toBe(due.inspectionsDue.totalCount - 1);

    const reported = await operation(
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
      worker,
    );
    const { incident } = expectTypename(reported.reportIncident, 'ReportIncidentSuccess');
    expect(incident.status).toBe('REPORTED');

    const review = await operation(IncidentReviewDocument, { status: ['REPORTED'] }, manager);
    expect(review.incidents.edges.map((edge) => edge.node.id)).toContain(incident.id);
    expect(review.correctiveActions.totalCount).toBe(1);
    const moved = await operation(
      MoveIncidentDocument,
      { input: { id: incident.id, status: 'INVESTIGATING' } },
      manager,
    );
    expect(moved.moveIncident).toMatchObject({ incident: { status: 'INVESTIGATING' } });
  });
  it('sign in, refresh and reach Google sign-in by their ids alone', async () => {
    const signedIn = await operation(SignInDocument, {});
    const { tokens } = expectTypename(signedIn.login, 'LoginSuccess');
    const refreshed = await operation(RefreshSessionDocument, { refreshToken: tokens.refreshToken });
    expect(refreshed.refreshSession.__typename).toBe('RefreshSessionSuccess');
    // The document is trusted; the server has no Google client ids configured.
    const google = await send(LoginWithGoogleDocument, { idToken: 'header.payload.signature' });
    expect(google.errors?.map((error) => error.extensions?.code)).toEqual(['GOOGLE_SIGN_IN_NOT_CONFIGURED']);
  });

  it('have each been sent by its id, in production', async () => {
    // A subscription by its id answers with its event stream.
    for (const [name, kind] of kinds) {
      if (kind !== 'Subscription') continue;
      const response = await production.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization: `Bearer ${await bearer(people.admin)}`,
        },
        body: JSON.stringify({ documentId: idOf(name) }),
      });
      expect({ name, status: response.status, type: response.headers.get('content-type') }).toEqual({
        name,
        status: 200,
        type: expect.stringContaining('text/event-stream'),
      });
      // Its first bytes arrive before the stream is ended from this side (Yoga's cancel needs them).
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel();
      sent.add(name);
    }
    expect([...sent].sort()).toEqual([...operations.keys()].sort());
    expect(Object.keys(manifest)).toHaveLength(operations.size);
  });
});
