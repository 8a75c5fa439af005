import type { CorrectiveAction, Equipment } from '../../generated/prisma/client.js';
import { EquipmentStatus } from '../../generated/prisma/enums.js';
import { InvalidStateError, NotFoundError } from '../../lib/errors.js';
import { entity, type Audit, type Tx } from '../../lib/mutation.js';
import { tenantSql, type Tenant } from '../../lib/tenancy.js';
import { InputValidationError } from '../../lib/validation.js';
import { openAction } from './rules.js';

/**
 * Equipment out of service because of a failed inspection returns to service only through the
 * maintenance that closes its corrective actions. Every change of that kind goes through here, with
 * the equipment locked first, so that an inspection failing and a fix being recorded at the same
 * time leave it out of service exactly while an action is open (PostgreSQL checks it at commit).
 */

/** Locks equipment for the rest of the transaction: its status and its corrective actions change in turn. */
export async function lockEquipment(tx: Tx, id: string, tenant: Tenant): Promise<Equipment> {
  const [locked] = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM assets.equipment WHERE id = ${id}::uuid AND ${tenantSql(tenant)} FOR UPDATE`;
  if (!locked) throw new NotFoundError('Equipment');
  return tx.equipment.findUniqueOrThrow({ where: { id } });
}

/** Refuses to change the status of equipment a corrective action keeps out of service. */
export async function requireNoOpenAction(tx: Tx, equipment: Equipment) {
  const open = await tx.correctiveAction.count({ where: { equipmentId: equipment.id, ...openAction.where() } });
  if (open > 0) {
    throw new InvalidStateError(
      `${equipment.name} is out of service until the maintenance that fixes it is recorded (addMaintenanceRecord with its correctiveActionId).`,
      equipment.status,
    );
  }
}

/** Opens the corrective action of a failed inspection, and takes its (locked) equipment out of service. */
export async function openCorrectiveAction(
  tx: Tx,
  equipment: Equipment,
  inspection: { id: string; organisationId: string },
  description: string,
  audit: Audit,
) {
  const action = await tx.correctiveAction.create({
    data: {
      organisationId: inspection.organisationId,
      inspectionId: inspection.id,
      equipmentId: equipment.id,
      description,
    },
  });
  await audit({ ...entity('CorrectiveAction', action), action: 'open', after: action });
  if (equipment.status !== EquipmentStatus.OUT_OF_SERVICE) {
    await tx.equipment.update({ where: { id: equipment.id }, data: { status: EquipmentStatus.OUT_OF_SERVICE } });
    await audit({
      ...entity('Equipment', equipment),
      action: 'outOfService',
      before: { status: equipment.status },
      after: { status: EquipmentStatus.OUT_OF_SERVICE, correctiveActionId: action.id },
    });
  }
  return action;
}

/** The open corrective action of this (locked) equipment that a maintenance record is about to close. */
export async function actionToClose(tx: Tx, id: string, equipment: Equipment): Promise<CorrectiveAction> {
  const action = await tx.correctiveAction.findFirst({ where: { id } });
  if (!action) throw new NotFoundError('CorrectiveAction');
  if (action.equipmentId !== equipment.id) {
    throw new InputValidationError([
      { path: ['input', 'correctiveActionId'], message: 'This corrective action is for other equipment.' },
    ]);
  }
  if (!openAction.matches(action)) {
    throw new InvalidStateError(
      'This corrective action is closed already, by an earlier maintenance record.',
      action.status,
    );
  }
  return action;
}

/**
 * Closes a corrective action with the maintenance record of the fix, and returns its (locked)
 * equipment to service once none of its actions is open.
 */
export async function closeCorrectiveAction(
  tx: Tx,
  action: CorrectiveAction,
  maintenanceRecordId: string,
  equipment: Equipment,
  audit: Audit,
) {
  // The database's clock, as for opened_at: closed_at is never before it.
  await tx.$executeRaw`
    UPDATE safety.corrective_actions
    SET status = 'closed', closed_at = now(), maintenance_record_id = ${maintenanceRecordId}::uuid, updated_at = now()
    WHERE id = ${action.id}::uuid`;
  const closed = await tx.correctiveAction.findUniqueOrThrow({ where: { id: action.id } });
  await audit({ ...entity('CorrectiveAction', closed), action: 'close', before: action, after: closed });
  const open = await tx.correctiveAction.count({ where: { equipmentId: equipment.id, ...openAction.where() } });
  if (open === 0 && equipment.status === EquipmentStatus.OUT_OF_SERVICE) {
    await tx.equipment.update({ where: { id: equipment.id }, data: { status: EquipmentStatus.ACTIVE } });
    await audit({
      ...entity('Equipment', equipment),
      action: 'returnToService',
      before: { status: equipment.status },
      after: { status: EquipmentStatus.ACTIVE, correctiveActionId: action.id, maintenanceRecordId },
    });
  }
}
