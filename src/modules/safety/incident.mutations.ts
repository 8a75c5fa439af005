import { z } from 'zod';
import { builder } from '../../builder.js';
import { IncidentInvolvement, IncidentKind, IncidentSeverity, IncidentStatus } from '../../generated/prisma/enums.js';
import { InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { answer, entity, mutate } from '../../lib/mutation.js';
import { tenantSql } from '../../lib/tenancy.js';
import { idempotencyKey, optionalText, requiredText, validateFields } from '../../lib/validation.js';
import { commonErrors } from '../common/errors.type.js';
import { Equipment } from '../equipment/equipment.type.js';
import { User } from '../user/user.type.js';
import { Incident, MAX_INCIDENT_PEOPLE } from './incident.type.js';
import { incidentMoves } from './rules.js';

// A phone's clock may run a little ahead of the server's (PostgreSQL allows the same).
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const IncidentPersonFields = builder.inputType('IncidentPersonInput', {
  fields: (t) => ({
    userId: t.globalID({ for: User }),
    involvement: t.field({ type: IncidentInvolvement }),
  }),
});

const ReportIncidentFields = builder.inputType('ReportIncidentInput', {
  fields: (t) => ({
    kind: t.field({ type: IncidentKind }),
    severity: t.field({ type: IncidentSeverity }),
    description: t.string({ description: 'What happened.' }),
    occurredAt: t.field({ type: 'DateTime' }),
    location: t.string({ required: false }),
    equipmentId: t.globalID({ for: Equipment, required: false }),
    people: t.field({ type: [IncidentPersonFields], required: false, description: 'The people it involved, and how.' }),
    idempotencyKey: t.string({
      required: false,
      description:
        'Chosen by the client, e.g. a UUID: a retry with the same key and input reports the incident once and answers with it. Kept for 24 hours.',
    }),
  }),
});
type ReportShape = typeof ReportIncidentFields.$inferInput;

const ReportIncidentRules = validateFields<ReportShape>(
  {
    description: requiredText('Description', 5000),
    location: optionalText('Location', 200),
    people: z.array(z.custom()).max(MAX_INCIDENT_PEOPLE, `Name at most ${MAX_INCIDENT_PEOPLE} people.`),
    idempotencyKey,
  },
  [
    {
      check: (input) => input.occurredAt.getTime() <= Date.now() + CLOCK_SKEW_MS,
      message: 'An incident is reported after it occurs: occurredAt is in the future.',
      path: ['occurredAt'],
    },
    {
      check: (input) => new Set(input.people?.map(({ userId }) => userId.id)).size === (input.people?.length ?? 0),
      message: 'Name each person once.',
      path: ['people'],
    },
  ],
);

builder.mutationField('reportIncident', (t) =>
  t.prismaField({
    authScopes: { may: 'reportIncident' },
    type: 'Incident',
    description:
      'Reports a near miss, injury or damage in the viewer’s organisation; managers move it on from REPORTED.',
    errors: { types: commonErrors, dataField: { name: 'incident' } },
    args: { input: t.arg({ type: ReportIncidentFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: ReportIncidentRules, value: args.input },
        once: (input) => ({ key: input.idempotencyKey, operation: 'reportIncident', request: input }),
        change: async ({ tx, input, actor, audit }) => {
          const home = { organisationId: actor.organisationId };
          if (
            input.equipmentId &&
            !(await tx.equipment.count({ where: { id: input.equipmentId.id, ...home, deletedAt: null } }))
          ) {
            throw new NotFoundError('Equipment');
          }
          const people = input.people ?? [];
          const userIds = people.map(({ userId }) => userId.id);
          if (userIds.length && (await tx.user.count({ where: { id: { in: userIds }, ...home } })) !== userIds.length) {
            throw new NotFoundError('User');
          }
          const incident = await tx.incident.create({
            data: {
              ...home,
              kind: input.kind,
              severity: input.severity,
              description: input.description,
              location: input.location,
              occurredAt: input.occurredAt,
              equipmentId: input.equipmentId?.id,
              reportedById: actor.id,
              people: {
                create: people.map(({ userId, involvement }) => ({ userId: userId.id, involvement })),
              },
            },
            include: { people: true },
          });
          await audit({ ...entity('Incident', incident), action: 'report', after: incident });
          return incident.id;
        },
        read: answer('incident', query),
      }),
  }),
);

const MoveIncidentFields = builder.inputType('MoveIncidentInput', {
  fields: (t) => ({
    id: t.globalID({ for: Incident }),
    status: t.field({ type: IncidentStatus, description: 'INVESTIGATING from REPORTED, CLOSED from INVESTIGATING.' }),
    note: t.string({
      required: false,
      description: 'Kept in the audit trail; closing requires it, as the resolution: what was found and done.',
    }),
  }),
});
type MoveShape = typeof MoveIncidentFields.$inferInput;

const MoveIncidentRules = validateFields<MoveShape>({ note: optionalText('Note', 5000) }, [
  {
    check: (input) => input.status !== IncidentStatus.CLOSED || !!input.note,
    message: 'Closing an incident takes its resolution: what was found and done.',
    path: ['note'],
  },
]);

const statusNames: Record<IncidentStatus, string> = {
  REPORTED: 'reported',
  INVESTIGATING: 'under investigation',
  CLOSED: 'closed',
};

builder.mutationField('moveIncident', (t) =>
  t.prismaField({
    authScopes: { may: 'moveIncident' },
    type: 'Incident',
    description: 'Moves an incident on in its workflow: REPORTED → INVESTIGATING → CLOSED.',
    errors: { types: [...commonErrors, InvalidStateError], dataField: { name: 'incident' } },
    args: { input: t.arg({ type: MoveIncidentFields }) },
    resolve: (query, _root, args, context) =>
      mutate(context, {
        input: { rules: MoveIncidentRules, value: args.input },
        change: async ({ tx, input, tenant, audit }) => {
          const [locked] = await tx.$queryRaw<{ id: string }[]>`
            SELECT id FROM safety.incidents WHERE id = ${input.id.id}::uuid AND ${tenantSql(tenant)} FOR UPDATE`;
          if (!locked) throw new NotFoundError('Incident');
          const before = await tx.incident.findUniqueOrThrow({ where: { id: locked.id } });
          if (!incidentMoves[before.status].includes(input.status)) {
            const next = incidentMoves[before.status].map((status) => statusNames[status]);
            throw new InvalidStateError(
              `This incident is ${statusNames[before.status]}: it can move ${next.length ? `only to ${next.join(' or ')}` : 'no further'}.`,
              before.status,
            );
          }
          const now = new Date();
          const after = await tx.incident.update({
            where: { id: before.id },
            data: {
              status: input.status,
              investigationStartedAt: input.status === IncidentStatus.INVESTIGATING ? now : undefined,
              closedAt: input.status === IncidentStatus.CLOSED ? now : undefined,
              resolution: input.status === IncidentStatus.CLOSED ? input.note : undefined,
            },
          });
          await audit({
            ...entity('Incident', after),
            action: 'move',
            before: { status: before.status },
            after: { status: after.status, note: input.note ?? null },
          });
          return after.id;
        },
        read: answer('incident', query),
      }),
  }),
);
