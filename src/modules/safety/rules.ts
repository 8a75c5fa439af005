import { Prisma } from '../../generated/prisma/client.js';
import {
  ChecklistItemKind,
  CorrectiveActionStatus,
  EquipmentStatus,
  IncidentStatus,
  InspectionResult,
} from '../../generated/prisma/enums.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * In service: equipment in use, which is what inspections are for. Deleted, retired, out of
 * service or in maintenance equipment is not used, so it is neither due nor counted in compliance.
 * Each form below gives the same answer; test/rules.test.ts holds them to it.
 */
export const inService = {
  description: 'Not deleted and ACTIVE: not in maintenance, out of service or retired.',
  matches: (equipment: { status: EquipmentStatus; deletedAt: Date | null }) =>
    equipment.deletedAt === null && equipment.status === EquipmentStatus.ACTIVE,
  where: (): Prisma.EquipmentWhereInput => ({ deletedAt: null, status: EquipmentStatus.ACTIVE }),
  // Statuses are stored in lower case (@map in schema.prisma).
  sql: (alias: string) => {
    const e = Prisma.raw(alias);
    return Prisma.sql`${e}.deleted_at IS NULL AND ${e}.status = 'active'`;
  },
};

/** Where an equipment stands with its inspections: in the due list when DUE or OVERDUE. */
export const InspectionState = {
  /** Passed within its interval, and not due within DUE_WITHIN_DAYS. */
  CURRENT: 'CURRENT',
  /** Passed within its interval, but due again within DUE_WITHIN_DAYS. */
  DUE: 'DUE',
  /** Never passed, or its last pass is older than its interval. */
  OVERDUE: 'OVERDUE',
  /** Not in service: nothing is due until it is back. */
  NOT_IN_SERVICE: 'NOT_IN_SERVICE',
} as const;
export type InspectionState = (typeof InspectionState)[keyof typeof InspectionState];

/** How far ahead an inspection counts as due. */
export const DUE_WITHIN_DAYS = 7;
// Days of 24 hours, as in JavaScript: PostgreSQL's '1 day' follows the session's daylight saving.
const DUE_WINDOW = Prisma.raw(`interval '${DUE_WITHIN_DAYS * 24} hours'`);

type Subject = { lastPassedAt: Date | null; intervalDays: number; inService: boolean };

/**
 * An inspection is due from the last passed inspection plus the checklist's interval (days of 24
 * hours); equipment never passed is overdue. The equipment's state, the due list and its filter,
 * the summary counts and compliance all read it here: in TypeScript (state) and in SQL (subjects,
 * then overdue and due on their due_at). test/rules.test.ts holds the forms to one answer.
 */
export const inspectionDue = {
  description: `Due: the last pass plus the checklist interval falls within ${DUE_WITHIN_DAYS} days; overdue: it has passed, or the equipment never passed an inspection.`,
  dueAt: (lastPassedAt: Date | null, intervalDays: number) =>
    lastPassedAt ? new Date(lastPassedAt.getTime() + intervalDays * DAY_MS) : null,
  state: (subject: Subject, now = new Date()): InspectionState => {
    if (!subject.inService) return InspectionState.NOT_IN_SERVICE;
    const dueAt = inspectionDue.dueAt(subject.lastPassedAt, subject.intervalDays);
    if (!dueAt || dueAt < now) return InspectionState.OVERDUE;
    return dueAt.getTime() < now.getTime() + DUE_WITHIN_DAYS * DAY_MS ? InspectionState.DUE : InspectionState.CURRENT;
  },
  /**
   * The equipment that a checklist applies to and `where` (on e, the equipment) selects, one row
   * each: equipment_id, organisation_id, template_id, interval_days, in_service, last_passed_at and
   * due_at. The last pass is one index probe per equipment.
   */
  subjects: (where: Prisma.Sql) => Prisma.sql`
    SELECT e.id AS equipment_id, e.organisation_id, t.id AS template_id, t.interval_days,
      (${inService.sql('e')}) AS in_service, last.submitted_at AS last_passed_at,
      last.submitted_at + t.interval_days * interval '24 hours' AS due_at
    FROM assets.equipment e
    JOIN safety.checklist_templates t ON t.organisation_id = e.organisation_id AND t.category = e.category
    LEFT JOIN LATERAL (
      SELECT i.submitted_at FROM safety.inspections i
      WHERE i.equipment_id = e.id AND i.result = 'pass'
      ORDER BY i.submitted_at DESC LIMIT 1
    ) last ON true
    WHERE ${where}`,
  overdueSql: (dueAt: Prisma.Sql, now: Date) => Prisma.sql`(${dueAt} IS NULL OR ${dueAt} < ${now}::timestamptz)`,
  dueSql: (dueAt: Prisma.Sql, now: Date) =>
    Prisma.sql`(${dueAt} >= ${now}::timestamptz AND ${dueAt} < ${now}::timestamptz + ${DUE_WINDOW})`,
};

type Item = { kind: ChecklistItemKind; minValue: Prisma.Decimal | null; maxValue: Prisma.Decimal | null };
type Answer = { yesValue?: boolean | null; numberValue?: Prisma.Decimal | string | null };

/**
 * A failed item: a yes/no question answered no (items are worded so that yes is safe), or a
 * reading outside its item's range; text never fails. Any failed critical item fails the
 * inspection. PostgreSQL checks both on every answer and submission (migration safety).
 */
export const itemFailure = {
  description: 'No to a yes/no question, or a number outside its range; text never fails.',
  matches: (item: Item, answer: Answer): boolean => {
    if (item.kind === ChecklistItemKind.YES_NO) return answer.yesValue === false;
    if (item.kind === ChecklistItemKind.NUMBER && answer.numberValue != null) {
      const value = new Prisma.Decimal(answer.numberValue);
      return (item.minValue !== null && value.lt(item.minValue)) || (item.maxValue !== null && value.gt(item.maxValue));
    }
    return false;
  },
  result: (answers: { failed: boolean; critical: boolean }[]): InspectionResult =>
    answers.some((answer) => answer.failed && answer.critical) ? InspectionResult.FAIL : InspectionResult.PASS,
};

/**
 * An open corrective action: its equipment is out of service until the maintenance that closes it.
 * test/rules.test.ts holds the forms to one answer.
 */
export const openAction = {
  description: 'Not yet closed by the maintenance that fixes it.',
  matches: (action: { status: CorrectiveActionStatus }) => action.status === CorrectiveActionStatus.OPEN,
  where: (): Prisma.CorrectiveActionWhereInput => ({ status: CorrectiveActionStatus.OPEN }),
  sql: (alias: string) => Prisma.sql`${Prisma.raw(alias)}.status = 'open'`,
};

const OPEN_INCIDENT: IncidentStatus[] = [IncidentStatus.REPORTED, IncidentStatus.INVESTIGATING];

/** An open incident: reported or under investigation, not closed. */
export const openIncident = {
  description: 'Reported or under investigation: not closed.',
  matches: (incident: { status: IncidentStatus }) => OPEN_INCIDENT.includes(incident.status),
  where: (): Prisma.IncidentWhereInput => ({ status: { in: OPEN_INCIDENT } }),
  sql: (alias: string) =>
    Prisma.sql`${Prisma.raw(alias)}.status::text IN (${Prisma.join(OPEN_INCIDENT.map((status) => status.toLowerCase()))})`,
};

/** The incident workflow: the statuses each status moves to (PostgreSQL refuses any other move). */
export const incidentMoves: Record<IncidentStatus, IncidentStatus[]> = {
  REPORTED: [IncidentStatus.INVESTIGATING],
  INVESTIGATING: [IncidentStatus.CLOSED],
  CLOSED: [],
};
