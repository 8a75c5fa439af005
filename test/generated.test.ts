import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { erdSection, renderErd } from '../scripts/erd.js';
import { printedSchema, schemaFile } from '../scripts/print-schema.js';
import { repoRoot } from './helpers/cli.js';

describe('committed generated files', () => {
  it('schema.graphql is the schema the builder prints (npm run print-schema)', async () => {
    expect(await readFile(schemaFile, 'utf8')).toBe(printedSchema());
  });

  it("the README's entity relationship diagram matches schema.prisma (npm run erd)", async () => {
    const readme = await readFile(`${repoRoot}/README.md`, 'utf8');
    const diagram = await renderErd();
    expect(erdSection(readme)).toBe(diagram);
    for (const model of ['Organisation', 'PurchaseOrder', 'BatchCreationEvent', 'AuditEvent']) {
      expect(diagram).toContain(`  ${model} {`);
    }
    expect(diagram).toContain('BatchCreationEvent |o--|| Batch : batch');
    expect(diagram).toContain('| StockMovement | `inventory.stock_movements` |');
  });
});
