import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A trusted document's id, as codegen's persistedDocuments computes it. */
export const documentId = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** A manifest of trusted documents, as codegen writes one, in a temporary file: its path. */
export async function manifestOf(texts: string[]): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'opsgraph-trusted-')), 'persisted-documents.json');
  await writeFile(path, JSON.stringify(Object.fromEntries(texts.map((text) => [documentId(text), text]))));
  return path;
}
