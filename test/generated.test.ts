import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.js';
import { renderSection, section } from '../scripts/readme.js';
import { printedSchema, schemaFile } from '../scripts/print-schema.js';
import { repoRoot } from './helpers/cli.js';

describe('committed generated files', () => {
  it('schema.graphql is the schema the builder prints (npm run print-schema)', async () => {
    expect(await readFile(schemaFile, 'utf8')).toBe(printedSchema());
  });

  it('test/generated/ types every test document, as codegen.ts generates it (npm run codegen)', async () => {
    const target = 'test/generated/';
    const outputs: { filename: string; content: string }[] = await generate(
      { ...config, cwd: repoRoot, generates: { [target]: config.generates[target]! } },
      false,
    );
    for (const { filename, content } of outputs) {
      const committed = await readFile(join(repoRoot, filename), 'utf8');
      expect(committed === content, `${filename} is not current: npm run codegen`).toBe(true);
    }
    const files = outputs.map(({ filename }) => filename.slice(target.length));
    expect((await readdir(join(repoRoot, target))).sort()).toEqual(files.sort());
    expect(files).toContain('gql.ts');
  });

  it("the README's entity relationship diagram matches schema.prisma (npm run readme)", async () => {
    const readme = await readFile(`${repoRoot}/README.md`, 'utf8');
    const diagram = await renderSection('erd');
    expect(section(readme, 'erd')).toBe(diagram);
    for (const model of ['Organisation', 'PurchaseOrder', 'BatchCreationEvent', 'AuditEvent']) {
      expect(diagram).toContain(`  ${model} {`);
    }
    expect(diagram).toContain('BatchCreationEvent |o--|| Batch : batch');
    expect(diagram).toContain('| StockMovement | `inventory.stock_movements` |');
  });

  it("the README's permission matrix is the one the schema enforces (npm run readme)", async () => {
    const readme = await readFile(`${repoRoot}/README.md`, 'utf8');
    const table = await renderSection('permissions');
    expect(section(readme, 'permissions')).toBe(table);
    expect(table).toContain('| `approvePurchaseOrder` | ✓ | ✓ | ✓ | — | — |');
    expect(table).toContain('| read the audit trail | ✓ | ✓ | — | — | — |');
  });
});
