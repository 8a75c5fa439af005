import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { baseRevision, checkSchema, parseAccepted, report } from '../scripts/schema-check.js';
import { repoRoot } from './helpers/cli.js';

// npm run schema:check on the committed schema.graphql against edited copies of it.
const base = await readFile(`${repoRoot}/schema.graphql`, 'utf8');

function edited(from: string, to: string): string {
  expect(base).toContain(from);
  return base.replace(from, to);
}

const REMOVED = "Field 'lastMaintenanceAt' was removed from object type 'Equipment'";
const withoutLastMaintenance = edited(
  '  lastMaintenanceAt: DateTime\n  maintenanceCount: Int!',
  '  maintenanceCount: Int!',
);

describe('the schema check', () => {
  it('fails on a removed field, naming it', async () => {
    const check = await checkSchema(base, withoutLastMaintenance, []);
    expect(check.unaccepted.map((change) => [change.message, change.path])).toEqual([
      [REMOVED, 'Equipment.lastMaintenanceAt'],
    ]);
    expect(report(check, 'main', [])).toContain(`BREAKING: ${REMOVED}`);
  });

  it('passes an added field', async () => {
    const current = edited('  maintenanceCount: Int!', '  maintenanceCount: Int!\n  remarks: String');
    const check = await checkSchema(base, current, []);
    expect(check.breaking).toEqual([]);
    expect(check.unaccepted).toEqual([]);
    expect(check.safe.map((change) => change.path)).toEqual(['Equipment.remarks']);
  });

  it('fails when an argument becomes non-null', async () => {
    const current = edited(
      'auditEvents(after: String, before: String, entityType: String,',
      'auditEvents(after: String, before: String, entityType: String!,',
    );
    const check = await checkSchema(base, current, []);
    expect(check.unaccepted.map((change) => change.path)).toEqual(['Query.auditEvents.entityType']);
  });

  it('prints a dangerous change without failing on it', async () => {
    const current = edited('enum EquipmentStatus {\n  ACTIVE\n', 'enum EquipmentStatus {\n  ACTIVE\n  LOANED\n');
    const check = await checkSchema(base, current, []);
    expect(check.unaccepted).toEqual([]);
    expect(check.dangerous.map((change) => change.path)).toEqual(['EquipmentStatus.LOANED']);
    expect(report(check, 'main', [])).toContain('dangerous: ');
  });

  it('passes a breaking change that schema-changes.accepted lists with a reason', async () => {
    const accepted = parseAccepted(
      `# deliberate breaks\n${REMOVED}\n  reason: clients read maintenanceRecords instead\n`,
    );
    const check = await checkSchema(base, withoutLastMaintenance, accepted);
    expect(check.breaking).toHaveLength(1);
    expect(check.unaccepted).toEqual([]);
    expect(report(check, 'main', accepted)).toContain('reason: clients read maintenanceRecords instead');
  });

  it('still fails on a breaking change the file does not list, and notes entries no change matches', async () => {
    const accepted = parseAccepted(`Field 'name' was removed from object type 'Supplier'\n  reason: another change\n`);
    const check = await checkSchema(base, withoutLastMaintenance, accepted);
    expect(check.unaccepted.map((change) => change.message)).toEqual([REMOVED]);
    expect(check.unused.map((entry) => entry.line)).toEqual([1]);
  });

  it('refuses an acceptance without a reason', () => {
    expect(() => parseAccepted(`${REMOVED}\n`)).toThrow('schema-changes.accepted:1: ');
    expect(() => parseAccepted(`${REMOVED}\n  reason:\n`)).toThrow('needs an indented "reason: …" line');
  });

  it('says so when the base it is told to use is not in the repository', () => {
    expect(() => baseRevision({ SCHEMA_BASE: 'no-such-revision' })).toThrow(
      'SCHEMA_BASE=no-such-revision is not in this repository',
    );
  });
});
