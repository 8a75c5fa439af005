import { createHash } from 'node:crypto';
import type { Db } from '../db.js';
import { hashPassword } from '../lib/passwords.js';
import type { Prisma } from '../generated/prisma/client.js';
import { addDays, mondayOf } from '../modules/timeclock/rules.js';

export const DEMO_PASSWORD = 'opsgraph-demo';
export const DEMO_ORGANISATION_NAME = 'Harbour Works Ltd';
export const DEMO_ADMIN_EMAIL = 'ada@harbourworks.example';

/** A stable UUID for a seed row, so that seeding twice finds the rows it made the first time. */
function seedId(key: string): string {
  const hex = createHash('sha256').update(`opsgraph-demo:${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const DAY = 24 * 60 * 60 * 1000;

function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * DAY);
}

const people = [
  {
    key: 'superadmin',
    email: 'operator@opsgraph.example',
    name: 'Olu Operator',
    role: 'SUPERADMIN',
    department: 'Platform',
  },
  { key: 'admin', email: DEMO_ADMIN_EMAIL, name: 'Ada Lindqvist', role: 'ADMIN', department: 'Operations' },
  {
    key: 'manager',
    email: 'marek@harbourworks.example',
    name: 'Marek Nowak',
    role: 'MANAGER',
    department: 'Maintenance',
  },
  { key: 'employee', email: 'esi@harbourworks.example', name: 'Esi Mensah', role: 'EMPLOYEE', department: 'Stores' },
  { key: 'worker', email: 'wes@harbourworks.example', name: 'Wes Carter', role: 'WORKER', department: 'Workshop' },
  { key: 'worker2', email: 'nina@harbourworks.example', name: 'Nina Petrova', role: 'WORKER', department: 'Workshop' },
  {
    key: 'former',
    email: 'frank@harbourworks.example',
    name: 'Frank Olsen',
    role: 'WORKER',
    department: 'Workshop',
    inactive: true,
  },
] as const;

const equipment = [
  {
    key: 'forklift-1',
    name: 'Forklift FL-20',
    category: 'VEHICLE',
    serial: 'FL20-0413',
    status: 'ACTIVE',
    services: 4,
    nextInDays: 21,
  },
  {
    key: 'forklift-2',
    name: 'Forklift FL-25',
    category: 'VEHICLE',
    serial: 'FL25-1187',
    status: 'ACTIVE',
    services: 3,
    nextInDays: -6,
  },
  {
    key: 'compressor',
    name: 'Air Compressor AC-500',
    category: 'MACHINERY',
    serial: 'AC500-77',
    status: 'IN_MAINTENANCE',
    services: 5,
    nextInDays: -2,
  },
  {
    key: 'lathe',
    name: 'CNC Lathe TL-1',
    category: 'MACHINERY',
    serial: 'TL1-2209',
    status: 'ACTIVE',
    services: 2,
    nextInDays: 45,
  },
  {
    key: 'drill',
    name: 'Hammer Drill HD-18',
    category: 'POWER_TOOL',
    serial: 'HD18-5521',
    status: 'ACTIVE',
    services: 1,
    nextInDays: 90,
  },
  {
    key: 'torque',
    name: 'Torque Wrench TW-300',
    category: 'HAND_TOOL',
    serial: 'TW300-0098',
    status: 'ACTIVE',
    services: 2,
    nextInDays: -30,
  },
  {
    key: 'laptop',
    name: 'Diagnostics Laptop',
    category: 'IT_HARDWARE',
    serial: 'DL-7Q2K',
    status: 'ACTIVE',
    services: 0,
    nextInDays: null,
  },
  {
    key: 'harness',
    name: 'Fall Arrest Harness',
    category: 'SAFETY',
    serial: 'FAH-3310',
    status: 'ACTIVE',
    services: 3,
    nextInDays: 14,
  },
  {
    key: 'defib',
    name: 'Defibrillator AED Plus',
    category: 'MEDICAL',
    serial: 'AED-99120',
    status: 'ACTIVE',
    services: 2,
    nextInDays: 120,
  },
  {
    key: 'pallet-jack',
    name: 'Pallet Jack PJ-2',
    category: 'OTHER',
    serial: 'PJ2-0007',
    status: 'RETIRED',
    services: 1,
    nextInDays: null,
  },
] as const;

const items = [
  {
    key: 'filter',
    sku: 'FLT-AIR-500',
    name: 'Compressor air filter',
    location: 'Stores A1',
    minQty: 4,
    stock: [10, -3, -2],
  },
  { key: 'oil', sku: 'OIL-HYD-20L', name: 'Hydraulic oil 20 L', location: 'Stores A2', minQty: 2, stock: [6, -4] },
  {
    key: 'gloves',
    sku: 'PPE-GLV-M',
    name: 'Cut-resistant gloves (M)',
    location: 'PPE cabinet',
    minQty: 20,
    stock: [40, -24],
  },
  { key: 'bits', sku: 'DRL-BIT-SET', name: 'SDS drill bit set', location: 'Workshop rack 3', minQty: 6, stock: [5] },
  {
    key: 'pads',
    sku: 'AED-PAD-ADL',
    name: 'AED adult electrode pads',
    location: 'First aid room',
    minQty: 2,
    stock: [2, -1],
  },
  { key: 'tyre', sku: 'FLK-TYR-SOL', name: 'Forklift solid tyre', location: 'Yard store', minQty: 1, stock: [4] },
] as const;

const suppliers = [
  { key: 'lift', name: 'Nordic Lift Parts AB', email: 'orders@nordiclift.example' },
  { key: 'safety', name: 'SafeHands Supply', email: 'sales@safehands.example' },
  { key: 'fluids', name: 'Baltic Fluids', email: 'trade@balticfluids.example' },
] as const;

type PoStatus = Prisma.PurchaseOrderCreateManyInput['status'];

const purchaseOrders: {
  key: string;
  number: string;
  status: NonNullable<PoStatus>;
  supplier: (typeof suppliers)[number]['key'];
  daysAgo: number;
  lines: { item: (typeof items)[number]['key']; quantity: number; unitPrice: string }[];
  allocateFrom?: string;
}[] = [
  {
    key: 'po-draft',
    number: 'PO-2026-0007',
    status: 'DRAFT',
    supplier: 'safety',
    daysAgo: 1,
    lines: [{ item: 'gloves', quantity: 40, unitPrice: '3.20' }],
  },
  {
    key: 'po-submitted',
    number: 'PO-2026-0006',
    status: 'SUBMITTED',
    supplier: 'fluids',
    daysAgo: 4,
    lines: [{ item: 'oil', quantity: 4, unitPrice: '74.90' }],
  },
  {
    key: 'po-approved',
    number: 'PO-2026-0005',
    status: 'APPROVED',
    supplier: 'lift',
    daysAgo: 9,
    lines: [
      { item: 'tyre', quantity: 2, unitPrice: '189.00' },
      { item: 'filter', quantity: 6, unitPrice: '18.50' },
    ],
  },
  {
    key: 'po-received',
    number: 'PO-2026-0004',
    status: 'RECEIVED',
    supplier: 'safety',
    daysAgo: 21,
    lines: [
      { item: 'pads', quantity: 4, unitPrice: '42.00' },
      { item: 'gloves', quantity: 30, unitPrice: '3.10' },
    ],
  },
  {
    key: 'po-received-2',
    number: 'PO-2026-0003',
    status: 'RECEIVED',
    supplier: 'lift',
    daysAgo: 35,
    lines: [{ item: 'filter', quantity: 8, unitPrice: '18.00' }],
  },
  {
    key: 'po-cancelled',
    number: 'PO-2026-0002',
    status: 'CANCELLED',
    supplier: 'fluids',
    daysAgo: 50,
    lines: [{ item: 'oil', quantity: 10, unitPrice: '71.00' }],
  },
  {
    key: 'po-allocated',
    number: 'PO-2026-0008',
    status: 'DRAFT',
    supplier: 'lift',
    daysAgo: 0,
    lines: [{ item: 'filter', quantity: 2, unitPrice: '18.00' }],
    allocateFrom: 'po-received-2',
  },
];

const DEMO_TIME_ZONE = 'Europe/London';

/** The instant a wall-clock time names in a time zone (with no change of offset in the hour before it). */
function zonedInstant(date: string, time: string, timeZone: string): Date {
  const naive = Date.parse(`${date}T${time}:00Z`);
  const offset = (instant: number) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      })
        .formatToParts(instant)
        .map((part) => [part.type, Number(part.value)]),
    );
    return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) - instant;
  };
  return new Date(naive - offset(naive - offset(naive)));
}

/** A shift: local start and end (the end may be the next day's), and a break. */
type Shift = { start: string; end: string; nextDay?: boolean; pause: [string, string]; pauseNextDay?: boolean };

const dayShift: Shift = { start: '08:00', end: '16:30', pause: ['12:00', '12:30'] };

// Each person's week, Monday first (null: a day off): Wes works a long Thursday (overtime), Nina a
// night shift into Friday (across midnight).
const rotas: Record<'worker' | 'worker2' | 'employee', (Shift | null)[]> = {
  worker: [dayShift, dayShift, dayShift, { start: '07:00', end: '18:00', pause: ['12:00', '12:30'] }, dayShift],
  worker2: [
    dayShift,
    dayShift,
    dayShift,
    { start: '22:00', end: '06:00', nextDay: true, pause: ['00:00', '00:30'], pauseNextDay: true },
    null,
  ],
  employee: [dayShift, dayShift, dayShift, dayShift, { start: '09:00', end: '13:00', pause: ['10:30', '10:45'] }],
};

// Weeks of time before the organisation was loaded; the older ones approved by the manager.
const TIMECLOCK_WEEKS = 3;
const APPROVED_WEEKS = 2;

/**
 * The demo's time entries, breaks and approvals, in the weeks before the organisation was loaded
 * (its createdAt): seeding again later finds the same weeks.
 */
function timeclockRows(loadedAt: Date, organisationId: string, user: (key: string) => string) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: DEMO_TIME_ZONE }).format(loadedAt);
  const firstMonday = addDays(mondayOf(today), -7 * TIMECLOCK_WEEKS);
  const at = (date: string, time: string, nextDay = false) =>
    zonedInstant(nextDay ? addDays(date, 1) : date, time, DEMO_TIME_ZONE);
  const approvals: (Prisma.TimesheetApprovalCreateManyInput & { id: string; startsAt: Date; endsAt: Date })[] = [];
  const entries: Prisma.TimeEntryCreateManyInput[] = [];
  const breaks: Prisma.TimeBreakCreateManyInput[] = [];
  for (const [person, rota] of Object.entries(rotas)) {
    for (let week = 0; week < TIMECLOCK_WEEKS; week += 1) {
      const monday = addDays(firstMonday, 7 * week);
      if (week < APPROVED_WEEKS) {
        approvals.push({
          id: seedId(`approval:${person}:${monday}`),
          organisationId,
          userId: user(person),
          fromDate: new Date(`${monday}T00:00:00Z`),
          toDate: new Date(`${addDays(monday, 6)}T00:00:00Z`),
          startsAt: at(monday, '00:00'),
          endsAt: at(addDays(monday, 7), '00:00'),
          approvedById: user('manager'),
          approvedAt: at(addDays(monday, 8), '09:00'),
        });
      }
      rota.forEach((shift, weekday) => {
        if (!shift) return;
        const date = addDays(monday, weekday);
        const id = seedId(`time-entry:${person}:${date}`);
        entries.push({
          id,
          organisationId,
          userId: user(person),
          clockIn: at(date, shift.start),
          clockOut: at(date, shift.end, shift.nextDay),
          source: weekday % 2 === 0 ? 'MOBILE' : 'KIOSK',
        });
        breaks.push({
          id: seedId(`time-break:${person}:${date}`),
          entryId: id,
          startedAt: at(date, shift.pause[0], shift.pauseNextDay),
          endedAt: at(date, shift.pause[1], shift.pauseNextDay),
        });
      });
    }
  }
  return { approvals, entries, breaks };
}

export type SeedSummary = { organisationId: string; created: number };

/**
 * Loads the demo organisation. Every row has a stable id and is inserted with ON CONFLICT DO
 * NOTHING, in one transaction, so running it again adds nothing and changes nothing.
 */
export async function seedDemo(db: Db): Promise<SeedSummary> {
  const organisationId = seedId('organisation');
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const user = (key: string) => seedId(`user:${key}`);
  const roles = await db.role.findMany();
  const roleId = (name: string) => {
    const role = roles.find((candidate) => candidate.name === name);
    if (!role) throw new Error(`role ${name} is missing: apply the migrations before seeding`);
    return role.id;
  };

  const batchOf = (poKey: string, lineIndex: number) => seedId(`batch:${poKey}:${lineIndex}`);
  const received = purchaseOrders.filter((po) => po.status === 'RECEIVED');

  // One transaction for the whole demo: on a busy machine it takes longer than Prisma's default 5 s.
  return db.$transaction(
    async (tx) => {
      let created = 0;
      const count = ({ count }: { count: number }) => {
        created += count;
      };
      count(
        await tx.organisation.createMany({
          data: [{ id: organisationId, name: DEMO_ORGANISATION_NAME, timeZone: 'Europe/London', currency: 'GBP' }],
          skipDuplicates: true,
        }),
      );
      count(
        await tx.user.createMany({
          skipDuplicates: true,
          data: people.map((person) => ({
            id: user(person.key),
            organisationId,
            email: person.email,
            name: person.name,
            department: person.department,
            passwordHash,
            isActive: !('inactive' in person),
          })),
        }),
      );
      count(
        await tx.userRole.createMany({
          skipDuplicates: true,
          data: people.map((person) => ({
            userId: user(person.key),
            roleId: roleId(person.role),
            assignedById: user('admin'),
          })),
        }),
      );
      count(
        await tx.equipment.createMany({
          skipDuplicates: true,
          data: equipment.map((unit) => ({
            id: seedId(`equipment:${unit.key}`),
            organisationId,
            name: unit.name,
            category: unit.category,
            status: unit.status,
            serialNumber: unit.serial,
            createdById: user('manager'),
            nextMaintenanceAt: unit.nextInDays === null ? null : daysFromNow(unit.nextInDays),
          })),
        }),
      );
      count(
        await tx.maintenanceRecord.createMany({
          skipDuplicates: true,
          data: equipment.flatMap((unit) =>
            Array.from({ length: unit.services }, (_, index) => {
              const daysAgo = (unit.services - index) * 60;
              return {
                id: seedId(`maintenance:${unit.key}:${index}`),
                equipmentId: seedId(`equipment:${unit.key}`),
                performedById: user(index % 2 === 0 ? 'worker' : 'worker2'),
                maintenanceDate: daysFromNow(-daysAgo),
                nextMaintenance: daysFromNow(-daysAgo + 60),
                notes:
                  index === unit.services - 1 ? 'Inspected, lubricated and tested under load.' : 'Scheduled service.',
              };
            }),
          ),
        }),
      );
      count(
        await tx.inventoryItem.createMany({
          skipDuplicates: true,
          data: items.map((item) => ({
            id: seedId(`item:${item.key}`),
            organisationId,
            sku: item.sku,
            name: item.name,
            location: item.location,
            minQty: item.minQty,
            responsibleUserId: user('employee'),
          })),
        }),
      );
      count(
        await tx.supplier.createMany({
          skipDuplicates: true,
          data: suppliers.map((s) => ({
            id: seedId(`supplier:${s.key}`),
            organisationId,
            name: s.name,
            email: s.email,
          })),
        }),
      );
      count(
        await tx.batch.createMany({
          skipDuplicates: true,
          data: received.flatMap((po) =>
            po.lines.map((line, index) => ({
              id: batchOf(po.key, index),
              organisationId,
              itemId: seedId(`item:${line.item}`),
              code: `${po.number}-${index + 1}`,
              quantity: line.quantity,
              receivedAt: daysFromNow(-po.daysAgo + 5),
            })),
          ),
        }),
      );
      count(
        await tx.purchaseOrder.createMany({
          skipDuplicates: true,
          data: purchaseOrders.map((po) => {
            const orderedAt = daysFromNow(-po.daysAgo);
            const reached = (status: string) =>
              ['SUBMITTED', 'APPROVED', 'RECEIVED'].indexOf(po.status) >=
              ['SUBMITTED', 'APPROVED', 'RECEIVED'].indexOf(status);
            return {
              id: seedId(`po:${po.key}`),
              organisationId,
              number: po.number,
              status: po.status,
              supplierId: seedId(`supplier:${po.supplier}`),
              createdById: user('employee'),
              batchId: po.allocateFrom ? batchOf(po.allocateFrom, 0) : null,
              orderedAt,
              submittedAt: reached('SUBMITTED') ? daysFromNow(-po.daysAgo + 1) : null,
              approvedAt: reached('APPROVED') ? daysFromNow(-po.daysAgo + 2) : null,
              receivedAt: po.status === 'RECEIVED' ? daysFromNow(-po.daysAgo + 5) : null,
              cancelledAt: po.status === 'CANCELLED' ? daysFromNow(-po.daysAgo + 3) : null,
            };
          }),
        }),
      );
      count(
        await tx.purchaseOrderLine.createMany({
          skipDuplicates: true,
          data: purchaseOrders.flatMap((po) =>
            po.lines.map((line, index) => ({
              id: seedId(`po-line:${po.key}:${index}`),
              purchaseOrderId: seedId(`po:${po.key}`),
              position: index + 1,
              itemId: seedId(`item:${line.item}`),
              quantity: line.quantity,
              unitPrice: line.unitPrice,
            })),
          ),
        }),
      );
      count(
        await tx.batchCreationEvent.createMany({
          skipDuplicates: true,
          data: received.flatMap((po) =>
            po.lines.map((_, index) => ({
              id: seedId(`batch-event:${po.key}:${index}`),
              batchId: batchOf(po.key, index),
              purchaseOrderId: seedId(`po:${po.key}`),
              purchaseOrderLineId: seedId(`po-line:${po.key}:${index}`),
            })),
          ),
        }),
      );
      count(
        await tx.stockMovement.createMany({
          skipDuplicates: true,
          data: [
            ...items.flatMap((item) =>
              item.stock.map((delta, index) => ({
                id: seedId(`movement:${item.key}:${index}`),
                itemId: seedId(`item:${item.key}`),
                delta,
                reason: index === 0 ? ('INITIAL' as const) : ('ISSUE' as const),
                performedById: user(index === 0 ? 'employee' : 'worker'),
                createdAt: daysFromNow(-60 + index * 7),
              })),
            ),
            ...received.flatMap((po) =>
              po.lines.map((line, index) => ({
                id: seedId(`movement:receipt:${po.key}:${index}`),
                itemId: seedId(`item:${line.item}`),
                delta: line.quantity,
                reason: 'RECEIPT' as const,
                performedById: user('employee'),
                batchId: batchOf(po.key, index),
                purchaseOrderId: seedId(`po:${po.key}`),
                createdAt: daysFromNow(-po.daysAgo + 5),
              })),
            ),
          ],
        }),
      );
      const { createdAt } = await tx.organisation.findUniqueOrThrow({ where: { id: organisationId } });
      const time = timeclockRows(createdAt, organisationId, user);
      // The timeclock's triggers run before ON CONFLICT: a row seeded already is left out, not sent again.
      const seeded = new Set(
        (
          await tx.timeEntry.findMany({
            where: { id: { in: time.entries.map((row) => row.id!) } },
            select: { id: true },
          })
        ).map((row) => row.id),
      );
      const approved = new Set(
        (
          await tx.timesheetApproval.findMany({
            where: { id: { in: time.approvals.map((row) => row.id) } },
            select: { id: true },
          })
        ).map((row) => row.id),
      );
      count(await tx.timeEntry.createMany({ data: time.entries.filter((row) => !seeded.has(row.id!)) }));
      count(await tx.timeBreak.createMany({ data: time.breaks.filter((row) => !seeded.has(row.entryId)) }));
      // As approveTimesheet does: the approval, then its entries locked (their breaks cannot change after).
      const approvals = time.approvals.filter((row) => !approved.has(row.id));
      count(await tx.timesheetApproval.createMany({ data: approvals }));
      for (const approval of approvals) {
        await tx.timeEntry.updateMany({
          where: {
            userId: approval.userId,
            approvalId: null,
            clockIn: { lt: approval.endsAt },
            clockOut: { gt: approval.startsAt },
          },
          data: { approvalId: approval.id },
        });
      }
      return { organisationId, created };
    },
    { timeout: 60_000 },
  );
}
