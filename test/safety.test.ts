import { beforeAll, describe, expect, it } from 'vitest';
import { graphql } from './generated/index.js';
import type {
  AddMaintenanceRecordInput,
  ChecklistItemInput,
  CreateChecklistTemplateInput,
  EquipmentStatus,
  IncidentPersonInput,
  InspectionAnswerInput,
  MoveIncidentInput,
  ReportIncidentInput,
  SafetyInspectionFragment,
  SubmitInspectionInput,
  UpdateChecklistTemplateInput,
} from './generated/graphql.js';
import { useTestDatabase } from './helpers/database.js';
import { bearer, data, demo, execute, expectTypename, globalId, otherOrganisation } from './helpers/graphql.js';
import { violation } from './helpers/fixtures.js';

const database = useTestDatabase();
const { sql } = database;
let people: Awaited<ReturnType<typeof demo>>;
let rival: Awaited<ReturnType<typeof otherOrganisation>>;

const CHECK = '23514';
const rowId = (id: string) => Buffer.from(id, 'base64').toString().split(':')[1]!;

beforeAll(async () => {
  people = await demo(database);
  rival = await otherOrganisation(database);
});

async function equipmentId(serialNumber: string) {
  const [row] = await sql<{ id: string }>(`SELECT id FROM assets.equipment WHERE serial_number = $1`, [serialNumber]);
  return globalId('Equipment', row!.id);
}

let units = 0;
/** New equipment of the demo organisation, in service. */
async function newEquipment(category: string, organisationId = people.organisationId) {
  units += 1;
  const [row] = await sql<{ id: string }>(
    `INSERT INTO assets.equipment (organisation_id, name, category, serial_number)
     VALUES ($1, $2, $3::assets.equipment_category, $4) RETURNING id`,
    [organisationId, `Unit ${units}`, category, `SAFETY-${units}`],
  );
  return globalId('Equipment', row!.id);
}

graphql(/* GraphQL */ `
  fragment SafetyInspection on Inspection {
    id
    result
    startedAt
    submittedAt
    version {
      number
      items {
        id
        label
        kind
        critical
        minValue
        maxValue
      }
    }
    answers {
      failed
      yes
      number
      text
      note
      item {
        label
      }
    }
    correctiveAction {
      id
      status
      description
    }
    equipment {
      id
      status
    }
  }
`);

const startInspection = graphql(/* GraphQL */ `
  mutation SafetyStartInspection($id: ID!) {
    startInspection(equipmentId: $id) {
      __typename
      ...MutationError
      ... on InvalidStateError {
        currentState
      }
      ... on StartInspectionSuccess {
        inspection {
          ...SafetyInspection
        }
      }
    }
  }
`);

const submitInspection = graphql(/* GraphQL */ `
  mutation SafetySubmitInspection($input: SubmitInspectionInput!) {
    submitInspection(input: $input) {
      __typename
      ...MutationError
      ... on InvalidStateError {
        currentState
      }
      ... on SubmitInspectionSuccess {
        inspection {
          ...SafetyInspection
        }
      }
    }
  }
`);

const createChecklistTemplate = graphql(/* GraphQL */ `
  mutation SafetyCreateChecklist($input: CreateChecklistTemplateInput!) {
    createChecklistTemplate(input: $input) {
      __typename
      ...MutationError
      ... on CreateChecklistTemplateSuccess {
        checklistTemplate {
          id
          name
          intervalDays
          currentVersion {
            number
            items {
              label
            }
          }
        }
      }
    }
  }
`);

const updateChecklistTemplate = graphql(/* GraphQL */ `
  mutation SafetyUpdateChecklist($input: UpdateChecklistTemplateInput!) {
    updateChecklistTemplate(input: $input) {
      __typename
      ...MutationError
      ... on UpdateChecklistTemplateSuccess {
        checklistTemplate {
          id
          name
          intervalDays
          currentVersion {
            number
            items {
              label
            }
          }
          versions(first: 10) {
            totalCount
            edges {
              node {
                number
              }
            }
          }
        }
      }
    }
  }
`);

type Inspection = SafetyInspectionFragment;
type Item = Inspection['version']['items'][number];

async function start(equipment: string, as = people.worker) {
  return (await data(startInspection, { id: equipment }, { as })).startInspection;
}

/** The inspection a start must begin (or resume). */
async function started(equipment: string, as = people.worker) {
  return expectTypename(await start(equipment, as), 'StartInspectionSuccess').inspection;
}

async function submit(input: SubmitInspectionInput, as = people.worker) {
  return (await data(submitInspection, { input }, { as })).submitInspection;
}

/** The inspection a submission must answer with. */
async function submitted(input: SubmitInspectionInput, as = people.worker) {
  return expectTypename(await submit(input, as), 'SubmitInspectionSuccess').inspection;
}

/** A passing answer to every item, but for the values given by label. */
function answers(items: Item[], values: Record<string, boolean | string> = {}): InspectionAnswerInput[] {
  return items.map((item) => {
    const value = values[item.label];
    if (item.kind === 'YES_NO') return { itemId: item.id, yes: value !== false };
    const given = typeof value === 'string' ? value : undefined;
    if (item.kind === 'NUMBER') return { itemId: item.id, number: given ?? item.minValue ?? item.maxValue ?? '1' };
    return { itemId: item.id, text: given ?? 'Looks fine' };
  });
}

async function createChecklist(input: CreateChecklistTemplateInput, as = people.manager) {
  return (await data(createChecklistTemplate, { input }, { as })).createChecklistTemplate;
}

async function updateChecklist(input: UpdateChecklistTemplateInput, as = people.manager) {
  const result = (await data(updateChecklistTemplate, { input }, { as })).updateChecklistTemplate;
  return expectTypename(result, 'UpdateChecklistTemplateSuccess').checklistTemplate;
}

async function auditActions(entityId: string) {
  const events = await database.db.auditEvent.findMany({ where: { entityId }, orderBy: { createdAt: 'asc' } });
  return events.map((event) => event.action);
}

const due = graphql(/* GraphQL */ `
  query SafetyDue($first: Int, $after: String, $last: Int, $before: String, $overdueOnly: Boolean) {
    inspectionsDue(first: $first, after: $after, last: $last, before: $before, filter: { overdueOnly: $overdueOnly }) {
      totalCount
      pageInfo {
        hasNextPage
        hasPreviousPage
        endCursor
        startCursor
      }
      edges {
        cursor
        node {
          id
          name
          inspectionStatus {
            state
            lastPassedAt
            dueAt
            intervalDays
          }
        }
      }
    }
  }
`);

describe('the demo organisation’s inspections (before the tests below change them)', () => {
  it('lists what is due or overdue: never passed first, then by due date; compliance and the summary agree', async () => {
    const listed = await data(due, { first: 10 }, { as: people.worker });
    expect(listed.inspectionsDue.edges.map((edge) => [edge.node.name, edge.node.inspectionStatus?.state])).toEqual([
      ['Fall Arrest Harness', 'OVERDUE'],
      ['Defibrillator AED Plus', 'OVERDUE'],
      ['Forklift FL-20', 'DUE'],
      ['CNC Lathe TL-1', 'DUE'],
    ]);
    expect(listed.inspectionsDue.totalCount).toBe(4);
    expect(listed.inspectionsDue.edges[0]?.node.inspectionStatus).toMatchObject({ lastPassedAt: null, dueAt: null });
    const overdue = await data(due, { first: 10, overdueOnly: true }, { as: people.worker });
    expect(overdue.inspectionsDue.totalCount).toBe(2);

    const { organisation } = await data(
      graphql(/* GraphQL */ `
        query SafetyCompliance {
          organisation {
            inspectionCompliance {
              equipmentCount
              compliantCount
              dueCount
              overdueCount
              ratio
            }
            summary {
              dueInspectionCount
              overdueInspectionCount
              openCorrectiveActionCount
              openIncidentCount
            }
          }
        }
      `),
      {},
      { as: people.employee },
    );
    // In service with a checklist: both forklifts but FL-25 (out of service), the lathe, drill, harness and AED.
    expect(organisation.inspectionCompliance).toEqual({
      equipmentCount: 5,
      compliantCount: 3,
      dueCount: 2,
      overdueCount: 2,
      ratio: 0.6,
    });
    expect(organisation.summary).toEqual({
      dueInspectionCount: 2,
      overdueInspectionCount: 2,
      openCorrectiveActionCount: 1,
      openIncidentCount: 2,
    });
  });

  it('pages the due list forwards and backwards by cursor, stably', async () => {
    const all = (await data(due, { first: 10 }, { as: people.admin })).inspectionsDue.edges.map((edge) => edge.node.id);
    const first = (await data(due, { first: 2 }, { as: people.admin })).inspectionsDue;
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = (await data(due, { first: 2, after: first.pageInfo.endCursor }, { as: people.admin }))
      .inspectionsDue;
    expect([...first.edges, ...second.edges].map((edge) => edge.node.id)).toEqual(all);
    const back = (await data(due, { last: 2, before: second.edges[1]!.cursor }, { as: people.admin })).inspectionsDue;
    expect(back.edges.map((edge) => edge.node.id)).toEqual(all.slice(1, 3));
    const last = (await data(due, { last: 1 }, { as: people.admin })).inspectionsDue;
    expect(last.edges.map((edge) => edge.node.id)).toEqual(all.slice(3));

    const forged = await execute(due, { first: 2, after: 'bm90IGEgY3Vyc29y' }, { as: people.admin });
    expect(forged.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('shows an equipment’s inspection state, and none where no checklist is for its category', async () => {
    const inspectionState = graphql(/* GraphQL */ `
      query SafetyEquipmentState($id: ID!) {
        node(id: $id) {
          __typename
          ... on Equipment {
            status
            inspectionStatus {
              state
              intervalDays
            }
            correctiveActions(first: 5, open: true) {
              totalCount
              edges {
                node {
                  isOpen
                  description
                }
              }
            }
          }
        }
      }
    `);
    const { node } = await data(inspectionState, { id: await equipmentId('FL25-1187') }, { as: people.worker });
    const forklift = expectTypename(node, 'Equipment');
    expect(forklift).toMatchObject({
      status: 'OUT_OF_SERVICE',
      inspectionStatus: { state: 'NOT_IN_SERVICE', intervalDays: 1 },
      correctiveActions: { totalCount: 1, edges: [{ node: { isOpen: true } }] },
    });
    expect(forklift.correctiveActions.edges[0]?.node.description).toContain('Brakes hold on the ramp? (critical): no');
    const laptop = await data(inspectionState, { id: await equipmentId('DL-7Q2K') }, { as: people.worker });
    expect(expectTypename(laptop.node, 'Equipment').inspectionStatus).toBeNull();
  });
});

describe('checklists', () => {
  const items: ChecklistItemInput[] = [
    { label: 'Handle intact?', kind: 'YES_NO', critical: true },
    { label: 'Calibration offset', kind: 'NUMBER', critical: true, minValue: '-2', maxValue: '2', unit: 'N·m' },
    { label: 'Notes', kind: 'TEXT' },
  ];

  it('creates a checklist as version 1; new items make version 2, and name and interval change in place', async () => {
    const created = await createChecklist({ name: 'Hand tool check', category: 'HAND_TOOL', intervalDays: 14, items });
    expect(created).toMatchObject({
      __typename: 'CreateChecklistTemplateSuccess',
      checklistTemplate: {
        name: 'Hand tool check',
        intervalDays: 14,
        currentVersion: { number: 1, items: items.map(({ label }) => ({ label })) },
      },
    });
    const { id } = expectTypename(created, 'CreateChecklistTemplateSuccess').checklistTemplate;
    const renamed = await updateChecklist({ id, name: 'Hand tool inspection', intervalDays: 7 });
    expect(renamed).toMatchObject({ name: 'Hand tool inspection', intervalDays: 7 });
    expect(renamed.currentVersion.number).toBe(1);
    const edited = await updateChecklist({ id, items: [...items, { label: 'Socket set complete?', kind: 'YES_NO' }] });
    expect(edited.currentVersion).toMatchObject({ number: 2 });
    expect(edited.currentVersion.items).toHaveLength(4);
    expect(edited.versions.edges.map((edge) => edge.node.number)).toEqual([2, 1]);
    expect(await auditActions(rowId(id))).toEqual(['create', 'update', 'update']);
  });

  it('refuses a second checklist for a category, and malformed items at their paths, writing nothing', async () => {
    const before = await database.db.checklistTemplate.count();
    expect(await createChecklist({ name: 'Another', category: 'HAND_TOOL', intervalDays: 1, items })).toMatchObject({
      __typename: 'ConflictError',
      field: 'category',
    });
    const invalid = await createChecklist({
      name: ' ',
      category: 'IT_HARDWARE',
      intervalDays: 0,
      items: [
        { label: 'Screen intact?', kind: 'YES_NO', minValue: '1' },
        { label: 'Fan speed', kind: 'NUMBER', minValue: '3000', maxValue: '1000' },
        { label: 'Remarks', kind: 'TEXT', critical: true },
        { label: '', kind: 'YES_NO' },
      ],
    });
    expect(
      expectTypename(invalid, 'InputValidationError')
        .issues.map((issue) => issue.path.join('.'))
        .sort(),
    ).toEqual([
      'input.intervalDays',
      'input.items.0.kind',
      'input.items.1.maxValue',
      'input.items.2.critical',
      'input.items.3.label',
      'input.name',
    ]);
    expect(await createChecklist({ name: 'Empty', category: 'IT_HARDWARE', intervalDays: 1, items: [] })).toMatchObject(
      {
        issues: [{ path: ['input', 'items'], message: 'A checklist needs at least one item.' }],
      },
    );
    expect(await database.db.checklistTemplate.count()).toBe(before);
  });

  it('keeps versions as they were: PostgreSQL refuses to change them, or to add items once inspections used them', async () => {
    const [version] = await sql<{ id: string }>(
      `SELECT v.id FROM safety.checklist_template_versions v JOIN safety.checklist_templates t ON t.id = v.template_id
       WHERE t.category = 'vehicle' AND v.number = 1`,
    );
    expect(
      await violation(sql(`UPDATE safety.checklist_items SET label = 'x' WHERE version_id = $1`, [version!.id])),
    ).toEqual({ code: CHECK, constraint: 'checklist_template_versions_immutable' });
    expect(await violation(sql(`DELETE FROM safety.checklist_items WHERE version_id = $1`, [version!.id]))).toEqual({
      code: CHECK,
      constraint: 'checklist_template_versions_immutable',
    });
    expect(
      await violation(
        sql(
          `INSERT INTO safety.checklist_items (version_id, position, label, kind) VALUES ($1, 99, 'Added later', 'yes_no')`,
          [version!.id],
        ),
      ),
    ).toEqual({ code: CHECK, constraint: 'checklist_template_versions_immutable' });
    // A version no inspection answered yet takes items, as its CHECKs allow them.
    const [unused] = await sql<{ id: string }>(
      `SELECT v.id FROM safety.checklist_template_versions v JOIN safety.checklist_templates t ON t.id = v.template_id
       WHERE t.category = 'hand_tool' AND v.number = 1`,
    );
    const item = (kind: string, critical: boolean, min: number | null, max: number | null) =>
      sql(
        `INSERT INTO safety.checklist_items (version_id, position, label, kind, critical, min_value, max_value)
         VALUES ($1, 98, 'Added', $2::safety.checklist_item_kind, $3, $4, $5)`,
        [unused!.id, kind, critical, min, max],
      );
    expect(await violation(item('yes_no', false, 1, null))).toEqual({
      code: CHECK,
      constraint: 'checklist_items_range_only_for_numbers',
    });
    expect(await violation(item('number', false, 2, 1))).toEqual({
      code: CHECK,
      constraint: 'checklist_items_range_ordered',
    });
    expect(await violation(item('text', true, null, null))).toEqual({
      code: CHECK,
      constraint: 'checklist_items_text_not_critical',
    });
  });
});

describe('inspections', () => {
  let wrench: string;
  let items: Item[];

  beforeAll(async () => {
    wrench = await newEquipment('hand_tool');
  });

  it('starts with the current version, and a second start resumes the same inspection, writing nothing', async () => {
    const first = await started(wrench);
    expect(first).toMatchObject({ result: null, submittedAt: null, version: { number: 2 } });
    items = first.version.items;
    const events = await database.db.auditEvent.count();
    const again = await started(wrench);
    expect(again.id).toBe(first.id);
    expect(await database.db.auditEvent.count()).toBe(events);
    expect(await auditActions(rowId(first.id))).toEqual(['start']);
    // Another inspector starts an inspection of their own.
    const other = await started(wrench, people.employee);
    expect(other.id).not.toBe(first.id);
  });

  it('refuses equipment with no checklist, out of service or retired, and other organisations’', async () => {
    expect(await start(await equipmentId('DL-7Q2K'))).toMatchObject({
      __typename: 'NotFoundError',
      entity: 'ChecklistTemplate',
    });
    expect(await start(await equipmentId('FL25-1187'))).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'OUT_OF_SERVICE',
    });
    const retired = await newEquipment('hand_tool');
    await sql(`UPDATE assets.equipment SET status = 'retired' WHERE id = $1`, [rowId(retired)]);
    expect(await start(retired)).toMatchObject({ __typename: 'InvalidStateError', currentState: 'RETIRED' });
    expect(await start(await newEquipment('hand_tool', rival.organisationId))).toMatchObject({
      __typename: 'NotFoundError',
      entity: 'Equipment',
    });
  });

  it('checks the answers against the version’s items, each problem at its answer, and writes nothing', async () => {
    const inspection = await started(wrench);
    const [handle, offset, notes, socket] = items as [Item, Item, Item, Item];
    const lathe = await started(await equipmentId('TL1-2209'));
    const foreign = lathe.version.items[0]!.id;
    const result = await submit({
      inspectionId: inspection.id,
      answers: [
        { itemId: handle.id, number: '3' },
        { itemId: offset.id, number: '1.5', yes: true },
        { itemId: offset.id, number: '1' },
        { itemId: foreign, yes: true },
        { itemId: notes.id, text: '   ' },
      ],
    });
    expect(expectTypename(result, 'InputValidationError').issues).toEqual(
      expect.arrayContaining([
        {
          path: ['input', 'answers', '0', 'number'],
          message: '"Handle intact?" takes a yes/no answer: give yes, not number.',
        },
        { path: ['input', 'answers', '0', 'yes'], message: '"Handle intact?" needs a yes/no answer.' },
        {
          path: ['input', 'answers', '1', 'yes'],
          message: '"Calibration offset" takes a number answer: give number, not yes.',
        },
        {
          path: ['input', 'answers', '2', 'itemId'],
          message: '"Calibration offset" is answered already, at answers.1.',
        },
        {
          path: ['input', 'answers', '3', 'itemId'],
          message: 'Not an item of the checklist this inspection answers (version 2).',
        },
        { path: ['input', 'answers', '4', 'text'], message: '"Notes" needs a text answer.' },
        { path: ['input', 'answers'], message: `Item 4, "${socket.label}", is not answered.` },
      ]),
    );
    const [row] = await sql(
      `SELECT submitted_at, (SELECT count(*)::int FROM safety.inspection_answers WHERE inspection_id = $1) AS answers
      FROM safety.inspections WHERE id = $1`,
      [rowId(inspection.id)],
    );
    expect(row).toEqual({ submitted_at: null, answers: 0 });
  });

  it('keeps the version an inspection started with when the checklist changes before it is submitted', async () => {
    const inspection = await started(wrench);
    expect(inspection.version.number).toBe(2);
    const [template] = await sql<{ id: string }>(
      `SELECT id FROM safety.checklist_templates WHERE category = 'hand_tool'`,
    );
    const edited = await updateChecklist({
      id: globalId('ChecklistTemplate', template!.id),
      items: [{ label: 'Ratchet engages both ways?', kind: 'YES_NO', critical: true }],
    });
    expect(edited.currentVersion.number).toBe(3);
    // Answers to the new version are not answers to this inspection's.
    const newer = await started(wrench, people.manager);
    expect(newer.version.number).toBe(3);
    const wrong = await submit({ inspectionId: inspection.id, answers: answers(newer.version.items) });
    expect(expectTypename(wrong, 'InputValidationError').issues[0]).toEqual({
      path: ['input', 'answers', '0', 'itemId'],
      message: 'Not an item of the checklist this inspection answers (version 2).',
    });
    const passed = await submitted({ inspectionId: inspection.id, answers: answers(items) });
    expect(passed).toMatchObject({
      result: 'PASS',
      version: { number: 2 },
      correctiveAction: null,
      equipment: { status: 'ACTIVE' },
    });
    expect(passed.answers.map((answer) => answer.item.label)).toEqual(items.map((item) => item.label));
    // Once submitted, the inspection and its answers stay as they were.
    expect(await submit({ inspectionId: inspection.id, answers: answers(items) })).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'PASS',
    });
    expect(
      await violation(sql(`UPDATE safety.inspections SET result = 'fail' WHERE id = $1`, [rowId(inspection.id)])),
    ).toEqual({ code: CHECK, constraint: 'inspections_submitted_once' });
    expect(
      await violation(
        sql(`UPDATE safety.inspection_answers SET yes_value = false WHERE inspection_id = $1`, [rowId(inspection.id)]),
      ),
    ).toEqual({ code: CHECK, constraint: 'inspection_answers_immutable' });
    // The manager's inspection is the manager's to submit.
    expect(await submit({ inspectionId: newer.id, answers: answers(newer.version.items) })).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'STARTED',
    });
  });

  it('passes with a non-critical item failed, and fails when a critical reading is out of range', async () => {
    const lathe = await newEquipment('machinery');
    const first = await started(lathe);
    const passed = await submitted({
      inspectionId: first.id,
      answers: answers(first.version.items, { 'Supply air pressure': '9.5' }),
    });
    expect(passed.result).toBe('PASS');
    expect(passed.answers.map((answer) => answer.failed)).toEqual([false, false, true]);
    const drill = await newEquipment('power_tool');
    const second = await started(drill);
    const failed = await submitted({
      inspectionId: second.id,
      answers: answers(second.version.items, { 'Insulation resistance': '0.40' }),
    });
    expect(failed).toMatchObject({
      result: 'FAIL',
      equipment: { status: 'OUT_OF_SERVICE' },
      correctiveAction: {
        status: 'OPEN',
        description: 'Failed: 2. Insulation resistance (critical): 0.40 MΩ, allowed at least 1',
      },
    });
  });

  it('refuses, in PostgreSQL, a result or a failed flag the answers do not give', async () => {
    const unit = await newEquipment('power_tool');
    const inspection = await started(unit);
    const [cable, insulation] = inspection.version.items as [Item, Item];
    const id = rowId(inspection.id);
    expect(
      await violation(
        sql(
          `INSERT INTO safety.inspection_answers (inspection_id, item_id, yes_value, failed) VALUES ($1, $2, false, false)`,
          [id, rowId(cable.id)],
        ),
      ),
    ).toEqual({ code: CHECK, constraint: 'inspection_answers_failed_by_rule' });
    expect(
      await violation(
        sql(
          `INSERT INTO safety.inspection_answers (inspection_id, item_id, text_value, failed) VALUES ($1, $2, 'x', false)`,
          [id, rowId(cable.id)],
        ),
      ),
    ).toEqual({ code: CHECK, constraint: 'inspection_answers_of_item_kind' });
    expect(
      await violation(sql(`UPDATE safety.inspections SET submitted_at = now(), result = 'pass' WHERE id = $1`, [id])),
    ).toEqual({ code: CHECK, constraint: 'inspections_every_item_answered' });
    // Answers that fail a critical item, then a result that says the inspection passed.
    await sql(
      `INSERT INTO safety.inspection_answers (inspection_id, item_id, yes_value, number_value, failed)
       VALUES ($1, $2, false, NULL, true), ($1, $3, NULL, 5, false)`,
      [id, rowId(cable.id), rowId(insulation.id)],
    );
    const contradicted = violation(
      sql(`UPDATE safety.inspections SET submitted_at = now(), result = 'pass' WHERE id = $1`, [id]),
    );
    expect(await contradicted).toEqual({ code: CHECK, constraint: 'inspections_result_from_answers' });
  });
});

describe('a failed inspection, and the maintenance that fixes it', () => {
  let jack: string;
  let actionId: string;

  const addMaintenanceRecord = graphql(/* GraphQL */ `
    mutation SafetyMaintain($input: AddMaintenanceRecordInput!) {
      addMaintenanceRecord(input: $input) {
        __typename
        ...MutationError
        ... on InvalidStateError {
          currentState
        }
        ... on AddMaintenanceRecordSuccess {
          maintenanceRecord {
            id
            equipment {
              status
            }
          }
        }
      }
    }
  `);
  const updateEquipment = graphql(/* GraphQL */ `
    mutation SafetySetStatus($input: UpdateEquipmentInput!) {
      updateEquipment(input: $input) {
        __typename
        ...MutationError
        ... on InvalidStateError {
          currentState
        }
        ... on UpdateEquipmentSuccess {
          equipment {
            status
          }
        }
      }
    }
  `);
  const maintain = async (input: AddMaintenanceRecordInput, as = people.worker) =>
    (await data(addMaintenanceRecord, { input }, { as })).addMaintenanceRecord;
  const setStatus = async (id: string, status: EquipmentStatus) =>
    (await data(updateEquipment, { input: { id, status } }, { as: people.manager })).updateEquipment;

  beforeAll(async () => {
    await createChecklist({
      name: 'Pallet truck check',
      category: 'OTHER',
      intervalDays: 7,
      items: [
        { label: 'Wheels turn freely?', kind: 'YES_NO', critical: true },
        { label: 'Hydraulic leak?', kind: 'TEXT' },
      ],
    });
    jack = await newEquipment('other');
  });

  it('submitted twice with one key (at once, then again): one result, one corrective action, the equipment out of service', async () => {
    const inspection = await started(jack);
    const input = {
      inspectionId: inspection.id,
      answers: answers(inspection.version.items, { 'Wheels turn freely?': false }),
      idempotencyKey: `submit-${inspection.id}`,
    };
    const [a, b] = await Promise.all([submit(input), submit(input)]);
    const c = await submit(input);
    for (const result of [a, b, c]) {
      expect(result).toMatchObject({
        __typename: 'SubmitInspectionSuccess',
        inspection: { id: inspection.id, result: 'FAIL', equipment: { status: 'OUT_OF_SERVICE' } },
      });
    }
    const actions = [a, b, c].map(
      (result) => expectTypename(result, 'SubmitInspectionSuccess').inspection.correctiveAction,
    );
    expect(new Set(actions.map((action) => action?.id)).size).toBe(1);
    actionId = actions[0]!.id;
    const [counts] = await sql(
      `SELECT (SELECT count(*)::int FROM safety.corrective_actions WHERE equipment_id = $1) AS actions,
              (SELECT count(*)::int FROM safety.inspection_answers WHERE inspection_id = $2) AS answers`,
      [rowId(jack), rowId(inspection.id)],
    );
    expect(counts).toEqual({ actions: 1, answers: 2 });
    expect(await auditActions(rowId(inspection.id))).toEqual(['start', 'submit']);
    expect(await auditActions(rowId(actionId))).toEqual(['open']);
    expect(await auditActions(rowId(jack))).toEqual(['outOfService']);
    // The same key with other answers is another request.
    expect(await submit({ ...input, answers: answers(inspection.version.items) })).toMatchObject({
      __typename: 'ConflictError',
      field: 'idempotencyKey',
    });
  });

  it('keeps the equipment out of service against every other way back', async () => {
    expect(await setStatus(jack, 'ACTIVE')).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'OUT_OF_SERVICE',
    });
    expect(await setStatus(jack, 'IN_MAINTENANCE')).toMatchObject({ __typename: 'InvalidStateError' });
    expect(await start(jack)).toMatchObject({ __typename: 'InvalidStateError', currentState: 'OUT_OF_SERVICE' });
    // Maintenance without the action, or with the action of other equipment, leaves it out of service.
    expect(await maintain({ equipmentId: jack, maintenanceDate: '2026-11-20T08:00:00Z' })).toMatchObject({
      maintenanceRecord: { equipment: { status: 'OUT_OF_SERVICE' } },
    });
    const [other] = await sql<{ id: string }>(
      `SELECT id FROM safety.corrective_actions WHERE status = 'open' AND equipment_id <> $1`,
      [rowId(jack)],
    );
    expect(
      await maintain({
        equipmentId: jack,
        maintenanceDate: '2026-11-20T09:00:00Z',
        correctiveActionId: globalId('CorrectiveAction', other!.id),
      }),
    ).toMatchObject({
      __typename: 'InputValidationError',
      issues: [{ path: ['input', 'correctiveActionId'], message: 'This corrective action is for other equipment.' }],
    });
    // PostgreSQL refuses it too, at commit.
    expect(await violation(sql(`UPDATE assets.equipment SET status = 'active' WHERE id = $1`, [rowId(jack)]))).toEqual({
      code: CHECK,
      constraint: 'equipment_out_of_service_while_action_open',
    });
    expect((await sql(`SELECT status::text FROM assets.equipment WHERE id = $1`, [rowId(jack)]))[0]).toEqual({
      status: 'out_of_service',
    });
  });

  it('returns to service through the maintenance that closes its action, in one transaction, once', async () => {
    const fixed = await maintain({
      equipmentId: jack,
      maintenanceDate: '2026-11-21T08:00:00Z',
      notes: 'Replaced the seized wheel bearing.',
      correctiveActionId: actionId,
    });
    expect(fixed).toMatchObject({
      __typename: 'AddMaintenanceRecordSuccess',
      maintenanceRecord: { equipment: { status: 'ACTIVE' } },
    });
    const { node } = await data(
      graphql(/* GraphQL */ `
        query SafetyCorrectiveAction($id: ID!) {
          node(id: $id) {
            ... on CorrectiveAction {
              status
              isOpen
              closedAt
              maintenanceRecord {
                id
              }
            }
          }
        }
      `),
      { id: actionId },
      { as: people.worker },
    );
    const record = expectTypename(fixed, 'AddMaintenanceRecordSuccess').maintenanceRecord;
    expect(node).toMatchObject({ status: 'CLOSED', isOpen: false, maintenanceRecord: { id: record.id } });
    expect(await auditActions(rowId(actionId))).toEqual(['open', 'close']);
    expect(await auditActions(rowId(jack))).toEqual(['outOfService', 'returnToService']);
    // Closed once: the action takes no second fix, and the fix stays on record.
    expect(
      await maintain({ equipmentId: jack, maintenanceDate: '2026-11-22T08:00:00Z', correctiveActionId: actionId }),
    ).toMatchObject({ __typename: 'InvalidStateError', currentState: 'CLOSED' });
    const removed = await data(
      graphql(/* GraphQL */ `
        mutation SafetyRemoveRecord($id: ID!) {
          removeMaintenanceRecord(id: $id, reason: "Entered twice") {
            __typename
            ...MutationError
            ... on InvalidStateError {
              currentState
            }
          }
        }
      `),
      { id: record.id },
      { as: people.manager },
    );
    expect(removed.removeMaintenanceRecord.__typename).toBe('InvalidStateError');
    expect(
      await violation(
        sql(
          `UPDATE safety.corrective_actions SET status = 'open', closed_at = NULL, maintenance_record_id = NULL WHERE id = $1`,
          [rowId(actionId)],
        ),
      ),
    ).toEqual({ code: CHECK, constraint: 'corrective_actions_closed_once' });
    // In service again, its status is the manager's to change.
    expect(await setStatus(jack, 'IN_MAINTENANCE')).toMatchObject({ equipment: { status: 'IN_MAINTENANCE' } });
  });

  it('stays out of service until the last of its open actions is closed', async () => {
    const press = await newEquipment('machinery');
    const mine = await started(press);
    const theirs = await started(press, people.employee);
    const failing = (inspection: Inspection) => answers(inspection.version.items, { 'Emergency stop works?': false });
    const first = await submitted({ inspectionId: mine.id, answers: failing(mine) });
    const second = await submitted({ inspectionId: theirs.id, answers: failing(theirs) }, people.employee);
    expect(second.equipment.status).toBe('OUT_OF_SERVICE');
    const fix = (action: string, date: string) =>
      maintain({ equipmentId: press, maintenanceDate: date, correctiveActionId: action }, people.employee);
    expect(await fix(first.correctiveAction!.id, '2026-11-21T08:00:00Z')).toMatchObject({
      maintenanceRecord: { equipment: { status: 'OUT_OF_SERVICE' } },
    });
    expect(await fix(second.correctiveAction!.id, '2026-11-21T09:00:00Z')).toMatchObject({
      maintenanceRecord: { equipment: { status: 'ACTIVE' } },
    });
  });
});

describe('incidents', () => {
  const reportIncident = graphql(/* GraphQL */ `
    mutation SafetyReportIncident($input: ReportIncidentInput!) {
      reportIncident(input: $input) {
        __typename
        ...MutationError
        ... on ReportIncidentSuccess {
          incident {
            id
            status
            kind
            severity
            description
            equipment {
              name
            }
            reportedBy {
              name
            }
            people {
              involvement
              user {
                name
              }
            }
          }
        }
      }
    }
  `);
  const moveIncident = graphql(/* GraphQL */ `
    mutation SafetyMoveIncident($input: MoveIncidentInput!) {
      moveIncident(input: $input) {
        __typename
        ...MutationError
        ... on InvalidStateError {
          currentState
        }
        ... on MoveIncidentSuccess {
          incident {
            status
            investigationStartedAt
            closedAt
            resolution
          }
        }
      }
    }
  `);
  const report = async (input: ReportIncidentInput, as = people.worker) =>
    (await data(reportIncident, { input }, { as })).reportIncident;
  const move = async (input: MoveIncidentInput, as = people.manager) =>
    (await data(moveIncident, { input }, { as })).moveIncident;
  let incident: string;

  it('lets anyone report one, with the equipment and people involved, once per key', async () => {
    const input: ReportIncidentInput = {
      kind: 'NEAR_MISS',
      severity: 'HIGH',
      description: 'Forklift FL-20 reversed without its alarm sounding.',
      occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
      location: 'Yard',
      equipmentId: await equipmentId('FL20-0413'),
      people: [
        { userId: globalId('User', people.worker), involvement: 'INVOLVED' },
        { userId: globalId('User', people.employee), involvement: 'WITNESS' },
      ],
      idempotencyKey: 'incident-yard-0001',
    };
    const reported = await report(input);
    expect(reported).toMatchObject({
      __typename: 'ReportIncidentSuccess',
      incident: {
        status: 'REPORTED',
        kind: 'NEAR_MISS',
        equipment: { name: 'Forklift FL-20' },
        reportedBy: { name: 'Wes Carter' },
        people: [
          { involvement: 'WITNESS', user: { name: 'Esi Mensah' } },
          { involvement: 'INVOLVED', user: { name: 'Wes Carter' } },
        ],
      },
    });
    incident = expectTypename(reported, 'ReportIncidentSuccess').incident.id;
    expect(await report(input)).toMatchObject({ incident: { id: incident } });
    expect(await auditActions(rowId(incident))).toEqual(['report']);
  });

  it('refuses a report from the future, without a description, naming someone twice or from elsewhere', async () => {
    const base: ReportIncidentInput = {
      kind: 'INJURY',
      severity: 'LOW',
      description: 'Slipped on oil.',
      occurredAt: '2026-01-05T10:00:00Z',
    };
    const invalid = await report({
      ...base,
      description: '  ',
      occurredAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(expectTypename(invalid, 'InputValidationError').issues.map((issue) => issue.path.join('.'))).toEqual([
      'input.description',
    ]);
    expect(await report({ ...base, occurredAt: new Date(Date.now() + 86_400_000).toISOString() })).toMatchObject({
      issues: [
        {
          path: ['input', 'occurredAt'],
          message: 'An incident is reported after it occurs: occurredAt is in the future.',
        },
      ],
    });
    const twice: IncidentPersonInput = { userId: globalId('User', people.worker), involvement: 'INJURED' };
    expect(await report({ ...base, people: [twice, twice] })).toMatchObject({
      issues: [{ path: ['input', 'people'], message: 'Name each person once.' }],
    });
    expect(
      await report({ ...base, people: [{ userId: globalId('User', rival.admin), involvement: 'WITNESS' }] }),
    ).toMatchObject({ __typename: 'NotFoundError', entity: 'User' });
  });

  it('moves reported → investigating → closed (with a resolution), and no other way', async () => {
    expect(await move({ id: incident, status: 'CLOSED', note: 'Nothing found' })).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'REPORTED',
    });
    expect(await move({ id: incident, status: 'INVESTIGATING', note: 'Checking the alarm wiring' })).toMatchObject({
      incident: { status: 'INVESTIGATING', closedAt: null },
    });
    expect(await move({ id: incident, status: 'CLOSED' })).toMatchObject({
      __typename: 'InputValidationError',
      issues: [
        { path: ['input', 'note'], message: 'Closing an incident takes its resolution: what was found and done.' },
      ],
    });
    const closed = await move({
      id: incident,
      status: 'CLOSED',
      note: 'Alarm fuse replaced; added to the pre-use check.',
    });
    expect(expectTypename(closed, 'MoveIncidentSuccess').incident).toMatchObject({
      status: 'CLOSED',
      resolution: 'Alarm fuse replaced; added to the pre-use check.',
    });
    expect(await move({ id: incident, status: 'INVESTIGATING' })).toMatchObject({
      __typename: 'InvalidStateError',
      currentState: 'CLOSED',
    });
    expect(await auditActions(rowId(incident))).toEqual(['report', 'move', 'move']);
    expect(
      await violation(sql(`UPDATE safety.incidents SET status = 'reported' WHERE id = $1`, [rowId(incident)])),
    ).toEqual({ code: CHECK, constraint: 'incidents_status_workflow' });
    const [reported] = await sql<{ id: string }>(`SELECT id FROM safety.incidents WHERE status = 'reported' LIMIT 1`);
    expect(
      await violation(
        sql(`UPDATE safety.incidents SET status = 'closed', closed_at = now(), resolution = 'x' WHERE id = $1`, [
          reported!.id,
        ]),
      ),
    ).toEqual({ code: CHECK, constraint: 'incidents_status_workflow' });
  });

  it('lists incidents by status for managers; a worker reads only the ones they reported', async () => {
    const listed = await data(
      graphql(/* GraphQL */ `
        query SafetyIncidentsByStatus {
          open: incidents(first: 10, filter: { open: true }) {
            totalCount
            edges {
              node {
                status
              }
            }
          }
          investigating: incidents(first: 10, filter: { status: [INVESTIGATING] }) {
            totalCount
          }
        }
      `),
      {},
      { as: people.manager },
    );
    expect(listed.open.edges.every((edge) => ['REPORTED', 'INVESTIGATING'].includes(edge.node.status))).toBe(true);
    expect(listed.investigating.totalCount).toBe(1);
    const mine = await data(
      graphql(/* GraphQL */ `
        query SafetyMyIncidents {
          viewer {
            reportedIncidents(first: 10) {
              totalCount
              edges {
                node {
                  id
                  reportedBy {
                    name
                  }
                }
              }
            }
          }
        }
      `),
      {},
      { as: people.worker },
    );
    expect(mine.viewer?.reportedIncidents.edges.every((edge) => edge.node.reportedBy.name === 'Wes Carter')).toBe(true);
    const [theirs] = await sql<{ id: string }>(`SELECT id FROM safety.incidents WHERE reported_by <> $1 LIMIT 1`, [
      people.worker,
    ]);
    const other = await execute(
      graphql(/* GraphQL */ `
        query SafetyIncidentDescription($id: ID!) {
          node(id: $id) {
            ... on Incident {
              description
            }
          }
        }
      `),
      { id: globalId('Incident', theirs!.id) },
      { as: people.worker },
    );
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('who sees which safety records', () => {
  it('shows a worker their own inspections, and a manager everyone’s', async () => {
    const { viewer } = await data(
      graphql(/* GraphQL */ `
        query SafetyMyInspections {
          viewer {
            inspections(first: 100) {
              totalCount
              edges {
                node {
                  inspector {
                    id
                  }
                }
              }
            }
          }
        }
      `),
      {},
      { as: people.worker },
    );
    const mine = viewer!.inspections;
    expect(mine.totalCount).toBeGreaterThan(0);
    expect(mine.edges.every((edge) => edge.node.inspector.id === globalId('User', people.worker))).toBe(true);
    const all = await data(
      graphql(/* GraphQL */ `
        query SafetyInspectionCount {
          inspections(first: 1) {
            totalCount
          }
        }
      `),
      {},
      { as: people.manager },
    );
    expect(all.inspections.totalCount).toBeGreaterThan(mine.totalCount);
    const [theirs] = await sql<{ id: string }>(`SELECT id FROM safety.inspections WHERE inspector_id <> $1 LIMIT 1`, [
      people.worker,
    ]);
    const id = globalId('Inspection', theirs!.id);
    const inspection = graphql(/* GraphQL */ `
      query SafetyInspectionResult($id: ID!) {
        node(id: $id) {
          id
          ... on Inspection {
            result
          }
        }
      }
    `);
    const refused = await execute(inspection, { id }, { as: people.worker });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const allowed = await data(inspection, { id }, { as: people.manager });
    expect(allowed.node?.id).toBe(id);
  });

  it('leaves other organisations’ checklists, inspections, actions and incidents out of every list and lookup', async () => {
    const lists = await data(
      graphql(/* GraphQL */ `
        query SafetyRecordCounts {
          checklistTemplates(first: 10) {
            totalCount
          }
          inspections(first: 10) {
            totalCount
          }
          correctiveActions(first: 10) {
            totalCount
          }
          incidents(first: 10) {
            totalCount
          }
          inspectionsDue(first: 10) {
            totalCount
          }
          organisation {
            inspectionCompliance {
              equipmentCount
            }
            summary {
              openIncidentCount
              openCorrectiveActionCount
            }
          }
        }
      `),
      {},
      { as: rival.admin },
    );
    expect(lists).toEqual({
      checklistTemplates: { totalCount: 0 },
      inspections: { totalCount: 0 },
      correctiveActions: { totalCount: 0 },
      incidents: { totalCount: 0 },
      inspectionsDue: { totalCount: 0 },
      organisation: {
        inspectionCompliance: { equipmentCount: 0 },
        summary: { openIncidentCount: 0, openCorrectiveActionCount: 0 },
      },
    });
    const ids = await sql<{ id: string; type: string }>(
      `SELECT id, 'Inspection' AS type FROM safety.inspections
       UNION ALL SELECT id, 'CorrectiveAction' FROM safety.corrective_actions
       UNION ALL SELECT id, 'Incident' FROM safety.incidents
       UNION ALL SELECT id, 'ChecklistTemplate' FROM safety.checklist_templates`,
    );
    const { nodes } = await data(
      graphql(/* GraphQL */ `
        query SafetyNodes($ids: [ID!]!) {
          nodes(ids: $ids) {
            id
          }
        }
      `),
      { ids: ids.map((row) => globalId(row.type, row.id)) },
      { as: rival.admin },
    );
    expect(nodes.every((node) => node === null)).toBe(true);
  });
});

describe('statements per request stay constant as the organisation grows', () => {
  const measured = graphql(/* GraphQL */ `
    query SafetyMeasured {
      organisation {
        inspectionCompliance {
          equipmentCount
          compliantCount
          ratio
        }
        summary {
          dueInspectionCount
          overdueInspectionCount
        }
      }
      inspectionsDue(first: 20) {
        totalCount
        edges {
          node {
            name
            serialNumber
            inspectionStatus {
              state
              dueAt
            }
          }
        }
      }
    }
  `);

  /** An organisation with `size` machines in service, a checklist for them, and a passed inspection for each of the even ones. */
  async function organisationOf(size: number) {
    const organisation = await otherOrganisation(database);
    const [template] = await sql<{ id: string }>(
      `INSERT INTO safety.checklist_templates (organisation_id, category, name, interval_days)
       VALUES ($1, 'machinery', 'Guards', 7) RETURNING id`,
      [organisation.organisationId],
    );
    const [version] = await sql<{ id: string }>(
      `INSERT INTO safety.checklist_template_versions (template_id, number, created_by) VALUES ($1, 1, $2) RETURNING id`,
      [template!.id, organisation.admin],
    );
    const [item] = await sql<{ id: string }>(
      `INSERT INTO safety.checklist_items (version_id, position, label, kind, critical)
       VALUES ($1, 1, 'Guards on?', 'yes_no', true) RETURNING id`,
      [version!.id],
    );
    await sql(
      `INSERT INTO assets.equipment (organisation_id, name, category, serial_number)
       SELECT $1, 'Machine ' || lpad(g::text, 4, '0'), 'machinery', $2 || '-' || g FROM generate_series(1, $3::int) g`,
      [organisation.organisationId, organisation.organisationId, size],
    );
    await sql(
      `INSERT INTO safety.inspections (organisation_id, equipment_id, version_id, inspector_id, started_at)
       SELECT organisation_id, id, $2, $3, now() - (right(serial_number, 1)::int || ' hours')::interval
       FROM assets.equipment WHERE organisation_id = $1 AND right(serial_number, 1)::int % 2 = 0`,
      [organisation.organisationId, version!.id, organisation.admin],
    );
    await sql(
      `INSERT INTO safety.inspection_answers (inspection_id, item_id, yes_value, failed)
       SELECT id, $2, true, false FROM safety.inspections WHERE organisation_id = $1`,
      [organisation.organisationId, item!.id],
    );
    await sql(`UPDATE safety.inspections SET submitted_at = started_at, result = 'pass' WHERE organisation_id = $1`, [
      organisation.organisationId,
    ]);
    await sql('ANALYZE');
    return organisation;
  }

  async function measure(admin: string) {
    const token = await bearer(admin);
    await data(
      graphql(/* GraphQL */ `
        query SafetyWarmUp {
          viewer {
            id
          }
        }
      `),
      {},
      { token },
    );
    database.statements.length = 0;
    const result = await data(measured, {}, { token });
    return { statements: database.statements.length, result };
  }

  it('the compliance query and the due list: the same statements for 20 and 2,000 machines', async () => {
    const small = await measure((await organisationOf(20)).admin);
    const large = await measure((await organisationOf(2000)).admin);
    expect(small.result.organisation.inspectionCompliance).toEqual({
      equipmentCount: 20,
      compliantCount: 10,
      ratio: 0.5,
    });
    expect(large.result.organisation.inspectionCompliance).toEqual({
      equipmentCount: 2000,
      compliantCount: 1000,
      ratio: 0.5,
    });
    expect(small.result.inspectionsDue.totalCount).toBe(20);
    expect(large.result.inspectionsDue.totalCount).toBe(2000);
    expect(large.result.inspectionsDue.edges).toHaveLength(20);
    expect(large.result.inspectionsDue.edges[0]?.node.inspectionStatus).toEqual({ state: 'OVERDUE', dueAt: null });
    console.log(
      `[query cost] compliance + summary + due list: ${small.statements} statements at 20 machines, ${large.statements} at 2,000`,
    );
    expect(large.statements).toBe(small.statements);
    // Compliance, summary, the due page, its equipment and its total; the session check when not remembered.
    expect(large.statements).toBeLessThanOrEqual(6);
  });
});
