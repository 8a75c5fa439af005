import { createHash } from 'node:crypto';
import type { Db } from '../db.js';
import { hashPassword } from '../lib/passwords.js';
import { Prisma } from '../generated/prisma/client.js';
import { itemFailure } from '../modules/safety/rules.js';
import { addDays, mondayOf } from '../modules/timeclock/rules.js';

export const DEMO_PASSWORD = 'opsgraph-demo';
// A batch load, not a request: on a busy machine it may take longer than a request's 5 s.
const SEED_TRANSACTION = { maxWait: 60_000, timeout: 120_000 };

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
    // Its last inspection failed: out of service until the fix is recorded.
    status: 'OUT_OF_SERVICE',
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

type Item = {
  label: string;
  kind: 'YES_NO' | 'NUMBER' | 'TEXT';
  critical?: boolean;
  min?: string;
  max?: string;
  unit?: string;
};

const brakes: Item = { label: 'Brakes hold on the ramp?', kind: 'YES_NO', critical: true };
const forks: Item = { label: 'Forks, chains and mast undamaged?', kind: 'YES_NO', critical: true };

/** A checklist per category of the demo's equipment in use, some edited since (version 2 is current). */
const checklists: {
  key: string;
  name: string;
  category: Prisma.ChecklistTemplateCreateManyInput['category'];
  intervalDays: number;
  versions: Item[][];
}[] = [
  {
    key: 'vehicle',
    name: 'Forklift pre-use check',
    category: 'VEHICLE',
    intervalDays: 1,
    versions: [
      [brakes, forks, { label: 'Horn and lights work?', kind: 'YES_NO' }],
      [
        brakes,
        forks,
        { label: 'Horn, lights and reversing alarm work?', kind: 'YES_NO' },
        { label: 'Battery charge', kind: 'NUMBER', critical: true, min: '20', max: '100', unit: '%' },
        { label: 'Anything else to report', kind: 'TEXT' },
      ],
    ],
  },
  {
    key: 'machinery',
    name: 'Machine guarding check',
    category: 'MACHINERY',
    intervalDays: 7,
    versions: [
      [
        { label: 'Guards in place and secure?', kind: 'YES_NO', critical: true },
        { label: 'Emergency stop works?', kind: 'YES_NO', critical: true },
        { label: 'Supply air pressure', kind: 'NUMBER', min: '6', max: '8', unit: 'bar' },
      ],
    ],
  },
  {
    key: 'power-tool',
    name: 'Portable appliance test',
    category: 'POWER_TOOL',
    intervalDays: 30,
    versions: [
      [
        { label: 'Cable, plug and casing undamaged?', kind: 'YES_NO', critical: true },
        { label: 'Insulation resistance', kind: 'NUMBER', critical: true, min: '1', unit: 'MΩ' },
      ],
    ],
  },
  {
    key: 'safety',
    name: 'Harness inspection',
    category: 'SAFETY',
    intervalDays: 30,
    versions: [
      [
        { label: 'Webbing free of cuts, burns and fraying?', kind: 'YES_NO', critical: true },
        { label: 'Buckles and D-rings undamaged?', kind: 'YES_NO', critical: true },
        { label: 'Comments', kind: 'TEXT' },
      ],
    ],
  },
  {
    key: 'medical',
    name: 'AED readiness check',
    category: 'MEDICAL',
    intervalDays: 30,
    versions: [
      [
        { label: 'Status indicator shows ready?', kind: 'YES_NO', critical: true },
        { label: 'Pads sealed and in date?', kind: 'YES_NO', critical: true },
        { label: 'Battery level', kind: 'NUMBER', critical: true, min: '50', max: '100', unit: '%' },
      ],
    ],
  },
];

type Value = boolean | string;

/** Inspections: answers in item order (true/false, a number as a string, or text); none while in progress. */
const inspections: {
  key: string;
  equipment: (typeof equipment)[number]['key'];
  checklist: string;
  version: number;
  inspector: string;
  daysAgo: number;
  answers?: Value[];
}[] = [
  {
    key: 'forklift-1-old',
    equipment: 'forklift-1',
    checklist: 'vehicle',
    version: 1,
    inspector: 'worker2',
    daysAgo: 12,
    answers: [true, true, true],
  },
  {
    key: 'forklift-1',
    equipment: 'forklift-1',
    checklist: 'vehicle',
    version: 2,
    inspector: 'worker',
    daysAgo: 0.5,
    answers: [true, true, true, '85', 'Seat belt frayed at the buckle; still works.'],
  },
  {
    key: 'forklift-2-pass',
    equipment: 'forklift-2',
    checklist: 'vehicle',
    version: 2,
    inspector: 'worker',
    daysAgo: 5,
    answers: [true, true, true, '64', 'Fine.'],
  },
  {
    key: 'forklift-2-fail',
    equipment: 'forklift-2',
    checklist: 'vehicle',
    version: 2,
    inspector: 'worker2',
    daysAgo: 1,
    answers: [false, true, false, '15', 'Brakes fade on the ramp; battery will not hold charge.'],
  },
  {
    key: 'compressor-fail',
    equipment: 'compressor',
    checklist: 'machinery',
    version: 1,
    inspector: 'worker',
    daysAgo: 65,
    answers: [false, true, '7.1'],
  },
  {
    key: 'compressor-pass',
    equipment: 'compressor',
    checklist: 'machinery',
    version: 1,
    inspector: 'employee',
    daysAgo: 20,
    answers: [true, true, '6.8'],
  },
  {
    key: 'lathe',
    equipment: 'lathe',
    checklist: 'machinery',
    version: 1,
    inspector: 'worker2',
    daysAgo: 3,
    answers: [true, true, '8.4'],
  },
  {
    key: 'drill',
    equipment: 'drill',
    checklist: 'power-tool',
    version: 1,
    inspector: 'worker',
    daysAgo: 10,
    answers: [true, '24.5'],
  },
  {
    key: 'defib',
    equipment: 'defib',
    checklist: 'medical',
    version: 1,
    inspector: 'employee',
    daysAgo: 40,
    answers: [true, true, '92'],
  },
  { key: 'drill-now', equipment: 'drill', checklist: 'power-tool', version: 1, inspector: 'worker2', daysAgo: 0 },
];

/** Corrective actions of the failed inspections: one open, one closed by the maintenance that fixed it. */
const correctiveActions = [
  { key: 'forklift-2', inspection: 'forklift-2-fail', closedBy: null },
  { key: 'compressor', inspection: 'compressor-fail', closedBy: 'maintenance:compressor:4' },
] as const;

const incidents = [
  {
    key: 'near-miss',
    kind: 'NEAR_MISS',
    severity: 'MEDIUM',
    status: 'REPORTED',
    description: 'A pallet slid off the forks while Forklift FL-25 reversed down the ramp; nobody was in the aisle.',
    location: 'Warehouse ramp B',
    equipment: 'forklift-2',
    reporter: 'worker2',
    daysAgo: 1,
    people: [
      { user: 'worker2', involvement: 'INVOLVED' },
      { user: 'worker', involvement: 'WITNESS' },
    ],
  },
  {
    key: 'cut',
    kind: 'INJURY',
    severity: 'LOW',
    status: 'INVESTIGATING',
    description: 'Cut to the left hand while changing a drill bit without gloves; first aid given.',
    location: 'Workshop bench 2',
    equipment: 'drill',
    reporter: 'worker',
    daysAgo: 4,
    people: [{ user: 'worker', involvement: 'INJURED' }],
  },
  {
    key: 'hose',
    kind: 'DAMAGE',
    severity: 'HIGH',
    status: 'CLOSED',
    description: 'The compressor outlet hose burst under pressure and damaged the guard.',
    location: 'Compressor room',
    equipment: 'compressor',
    reporter: 'manager',
    daysAgo: 66,
    people: [],
    resolution: 'Hose past its service life: replaced, and hoses added to the machinery checklist review.',
  },
] as const;

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
    return Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second) - instant;
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

  return db.$transaction(async (tx) => {
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
    await seedSafety(tx, organisationId, count);
    return { organisationId, created };
  }, SEED_TRANSACTION);
}

/**
 * The demo's checklists, inspections, corrective actions and incidents. Versions, answers and
 * submissions are written only where they are missing: PostgreSQL refuses items for a version an
 * inspection answered and answers for a submitted inspection, even ones a conflict would skip.
 */
async function seedSafety(
  tx: Prisma.TransactionClient,
  organisationId: string,
  count: (result: { count: number }) => void,
) {
  const user = (key: string) => seedId(`user:${key}`);
  const versionId = (checklist: string, number: number) => seedId(`checklist-version:${checklist}:${number}`);
  const itemId = (checklist: string, number: number, position: number) =>
    seedId(`checklist-item:${checklist}:${number}:${position}`);
  count(
    await tx.checklistTemplate.createMany({
      skipDuplicates: true,
      data: checklists.map((checklist) => ({
        id: seedId(`checklist:${checklist.key}`),
        organisationId,
        name: checklist.name,
        category: checklist.category,
        intervalDays: checklist.intervalDays,
      })),
    }),
  );
  const versions = checklists.flatMap((checklist) =>
    checklist.versions.map((items, index) => ({ checklist, number: index + 1, items })),
  );
  const existing = new Set(
    (
      await tx.checklistTemplateVersion.findMany({
        where: { id: { in: versions.map(({ checklist, number }) => versionId(checklist.key, number)) } },
        select: { id: true },
      })
    ).map(({ id }) => id),
  );
  const missing = versions.filter(({ checklist, number }) => !existing.has(versionId(checklist.key, number)));
  count(
    await tx.checklistTemplateVersion.createMany({
      data: missing.map(({ checklist, number }) => ({
        id: versionId(checklist.key, number),
        templateId: seedId(`checklist:${checklist.key}`),
        number,
        createdById: user('manager'),
        createdAt: daysFromNow(number === 1 ? -90 : -8),
      })),
    }),
  );
  count(
    await tx.checklistItem.createMany({
      data: missing.flatMap(({ checklist, number, items }) =>
        items.map((item, index) => ({
          id: itemId(checklist.key, number, index + 1),
          versionId: versionId(checklist.key, number),
          position: index + 1,
          label: item.label,
          kind: item.kind,
          critical: item.critical ?? false,
          minValue: item.min,
          maxValue: item.max,
          unit: item.unit,
        })),
      ),
    }),
  );
  const inspectionId = (key: string) => seedId(`inspection:${key}`);
  // Each inspector's inspections are of different equipment: all can be in progress at once.
  count(
    await tx.inspection.createMany({
      skipDuplicates: true,
      data: inspections.map((inspection) => ({
        id: inspectionId(inspection.key),
        organisationId,
        equipmentId: seedId(`equipment:${inspection.equipment}`),
        versionId: versionId(inspection.checklist, inspection.version),
        inspectorId: user(inspection.inspector),
        startedAt: daysFromNow(-inspection.daysAgo - 0.01),
      })),
    }),
  );
  const unanswered = new Set(
    (
      await tx.inspection.findMany({
        where: { id: { in: inspections.map(({ key }) => inspectionId(key)) }, submittedAt: null },
        select: { id: true },
      })
    ).map(({ id }) => id),
  );
  const submitting = inspections
    .filter((inspection) => inspection.answers && unanswered.has(inspectionId(inspection.key)))
    .map((inspection) => {
      const checklist = checklists.find(({ key }) => key === inspection.checklist)!;
      const answers = checklist.versions[inspection.version - 1]!.map((item, index) => {
        const value = inspection.answers![index]!;
        const answer = {
          yesValue: item.kind === 'YES_NO' ? (value as boolean) : null,
          numberValue: item.kind === 'NUMBER' ? (value as string) : null,
          textValue: item.kind === 'TEXT' ? (value as string) : null,
        };
        const range = {
          minValue: item.min === undefined ? null : new Prisma.Decimal(item.min),
          maxValue: item.max === undefined ? null : new Prisma.Decimal(item.max),
        };
        return { item, answer, failed: itemFailure.matches({ kind: item.kind, ...range }, answer) };
      });
      return { inspection, answers };
    });
  count(
    await tx.inspectionAnswer.createMany({
      data: submitting.flatMap(({ inspection, answers }) =>
        answers.map(({ answer, failed }, index) => ({
          id: seedId(`answer:${inspection.key}:${index + 1}`),
          inspectionId: inspectionId(inspection.key),
          itemId: itemId(inspection.checklist, inspection.version, index + 1),
          ...answer,
          failed,
        })),
      ),
    }),
  );
  const submissions = submitting.map(({ inspection, answers }) => ({
    id: inspectionId(inspection.key),
    submitted_at: daysFromNow(-inspection.daysAgo).toISOString(),
    result: itemFailure
      .result(answers.map(({ item, failed }) => ({ failed, critical: item.critical ?? false })))
      .toLowerCase(),
  }));
  await tx.$executeRaw`
    UPDATE safety.inspections i SET submitted_at = s.submitted_at, result = s.result::safety.inspection_result
    FROM jsonb_to_recordset(${JSON.stringify(submissions)}::jsonb) AS s(id uuid, submitted_at timestamptz, result text)
    WHERE i.id = s.id`;
  count(
    await tx.correctiveAction.createMany({
      skipDuplicates: true,
      data: correctiveActions.map((action) => {
        const inspection = inspections.find(({ key }) => key === action.inspection)!;
        return {
          id: seedId(`corrective-action:${action.key}`),
          organisationId,
          inspectionId: inspectionId(inspection.key),
          equipmentId: seedId(`equipment:${inspection.equipment}`),
          description:
            action.key === 'forklift-2'
              ? 'Failed: 1. Brakes hold on the ramp? (critical): no; 4. Battery charge (critical): 15 %, allowed 20 to 100; 3. Horn, lights and reversing alarm work?: no'
              : 'Failed: 1. Guards in place and secure? (critical): no',
          status: action.closedBy ? ('CLOSED' as const) : ('OPEN' as const),
          openedAt: daysFromNow(-inspection.daysAgo),
          closedAt: action.closedBy ? daysFromNow(-60) : null,
          maintenanceRecordId: action.closedBy ? seedId(action.closedBy) : null,
        };
      }),
    }),
  );
  // A demo organisation seeded before safety existed had the failed forklift in service.
  count(
    await tx.equipment.updateMany({
      where: { id: seedId('equipment:forklift-2'), status: { not: 'OUT_OF_SERVICE' } },
      data: { status: 'OUT_OF_SERVICE' },
    }),
  );
  count(
    await tx.incident.createMany({
      skipDuplicates: true,
      data: incidents.map((incident) => ({
        id: seedId(`incident:${incident.key}`),
        organisationId,
        kind: incident.kind,
        severity: incident.severity,
        status: incident.status,
        description: incident.description,
        location: incident.location,
        occurredAt: daysFromNow(-incident.daysAgo - 0.1),
        equipmentId: seedId(`equipment:${incident.equipment}`),
        reportedById: user(incident.reporter),
        reportedAt: daysFromNow(-incident.daysAgo),
        investigationStartedAt: incident.status === 'REPORTED' ? null : daysFromNow(-incident.daysAgo + 0.5),
        closedAt: incident.status === 'CLOSED' ? daysFromNow(-incident.daysAgo + 5) : null,
        resolution: 'resolution' in incident ? incident.resolution : null,
      })),
    }),
  );
  count(
    await tx.incidentPerson.createMany({
      skipDuplicates: true,
      data: incidents.flatMap((incident) =>
        incident.people.map((person) => ({
          incidentId: seedId(`incident:${incident.key}`),
          userId: user(person.user),
          involvement: person.involvement,
        })),
      ),
    }),
  );
}
