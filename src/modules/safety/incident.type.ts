import { builder } from '../../builder.js';
import { db } from '../../db.js';
import type { Prisma } from '../../generated/prisma/client.js';
import { IncidentInvolvement, IncidentKind, IncidentSeverity, IncidentStatus } from '../../generated/prisma/enums.js';
import { listSize } from '../../lib/query-cost.js';
import { DateRange } from '../maintenance/maintenance.type.js';
import { ownOrRecords } from './inspection.type.js';
import { openIncident } from './rules.js';

builder.enumType(IncidentKind, { name: 'IncidentKind' });
builder.enumType(IncidentSeverity, { name: 'IncidentSeverity' });
builder.enumType(IncidentStatus, {
  name: 'IncidentStatus',
  description: 'Managers move an incident REPORTED → INVESTIGATING → CLOSED, and no other way.',
});
builder.enumType(IncidentInvolvement, { name: 'IncidentInvolvement' });

/** The most people one incident names. */
export const MAX_INCIDENT_PEOPLE = 20;

export const Incident = builder.prismaNode('Incident', {
  authScopes: (incident, context) => ownOrRecords(incident.reportedById, context),
  select: { id: true, reportedById: true },
  id: { field: 'id' },
  nullable: true,
  description: 'A near miss, injury or damage: its reporter’s and managers’ to read.',
  fields: (t) => ({
    kind: t.expose('kind', { type: IncidentKind }),
    severity: t.expose('severity', { type: IncidentSeverity }),
    status: t.expose('status', { type: IncidentStatus }),
    isOpen: t.boolean({
      description: openIncident.description,
      select: { status: true },
      resolve: (incident) => openIncident.matches(incident),
    }),
    description: t.exposeString('description'),
    location: t.exposeString('location', { nullable: true }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    reportedAt: t.expose('reportedAt', { type: 'DateTime' }),
    investigationStartedAt: t.expose('investigationStartedAt', { type: 'DateTime', nullable: true }),
    closedAt: t.expose('closedAt', { type: 'DateTime', nullable: true }),
    resolution: t.exposeString('resolution', { nullable: true, description: 'What the investigation found and did.' }),
    equipment: t.relation('equipment', { nullable: true }),
    reportedBy: t.relation('reportedBy'),
    people: t.relation('people', {
      description: 'The people it involved, and how.',
      query: { orderBy: { user: { name: 'asc' } }, take: MAX_INCIDENT_PEOPLE },
      extensions: listSize(MAX_INCIDENT_PEOPLE),
    }),
  }),
});

builder.prismaObject('IncidentPerson', {
  select: { userId: true },
  fields: (t) => ({
    user: t.relation('user'),
    involvement: t.expose('involvement', { type: IncidentInvolvement }),
  }),
});

export const IncidentFilter = builder.inputType('IncidentFilter', {
  fields: (t) => ({
    status: t.field({ type: [IncidentStatus], required: false, description: 'Any of these statuses.' }),
    open: t.boolean({
      required: false,
      description: `Only open incidents (${openIncident.description}), or only closed ones.`,
    }),
    kind: t.field({ type: [IncidentKind], required: false, description: 'Any of these kinds.' }),
    occurred: t.field({ type: DateRange, required: false, description: 'Occurred within this range.' }),
  }),
});

function incidentWhere(filter: typeof IncidentFilter.$inferInput | null | undefined): Prisma.IncidentWhereInput {
  const where: Prisma.IncidentWhereInput[] = [];
  if (filter?.status?.length) where.push({ status: { in: filter.status } });
  if (filter?.open === true) where.push(openIncident.where());
  if (filter?.open === false) where.push({ NOT: openIncident.where() });
  if (filter?.kind?.length) where.push({ kind: { in: filter.kind } });
  if (filter?.occurred) {
    where.push({ occurredAt: { gte: filter.occurred.from ?? undefined, lt: filter.occurred.to ?? undefined } });
  }
  return { AND: where };
}

const newestFirst = [{ reportedAt: 'desc' }, { id: 'desc' }] satisfies Prisma.IncidentOrderByWithRelationInput[];

builder.queryField('incidents', (t) =>
  t.prismaConnection({
    authScopes: { may: 'readSafetyRecords' },
    type: 'Incident',
    cursor: 'id',
    description:
      "Everyone's incident reports, newest first, by status with filter. One's own: viewer { reportedIncidents }.",
    args: { filter: t.arg({ type: IncidentFilter, required: false }) },
    totalCount: (_connection, args) => db.incident.count({ where: incidentWhere(args.filter) }),
    resolve: (query, _root, args) =>
      db.incident.findMany({ ...query, where: incidentWhere(args.filter), orderBy: newestFirst }),
  }),
);

builder.prismaObjectField('User', 'reportedIncidents', (t) =>
  t.relatedConnection('reportedIncidents', {
    authScopes: (user, _args, context) => ownOrRecords(user.id, context),
    cursor: 'id',
    totalCount: true,
    description: 'The incidents this user reported, newest first.',
    args: { filter: t.arg({ type: IncidentFilter, required: false }) },
    query: (args) => ({ where: incidentWhere(args.filter), orderBy: newestFirst }),
  }),
);

builder.prismaObjectField('Equipment', 'incidents', (t) =>
  t.relatedConnection('incidents', {
    authScopes: { may: 'readSafetyRecords' },
    cursor: 'id',
    totalCount: true,
    description: 'Incidents it was involved in, newest first.',
    args: { filter: t.arg({ type: IncidentFilter, required: false }) },
    query: (args) => ({ where: incidentWhere(args.filter), orderBy: newestFirst }),
  }),
);
