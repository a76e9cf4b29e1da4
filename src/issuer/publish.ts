import { join } from 'node:path';
import { writeFileAtomically } from '../core/index.ts';
import type { IssuerDocuments } from './documents.ts';
import { DISCOVERY_PATH, JWKS_PATH } from './documents.ts';

export interface PublishResult {
  files: string[];
}

/**
 * Writes discovery and JWKS into `outDir` at the paths AWS will request, each replaced
 * atomically so a static host never serves half a file. Published keys are next, active and
 * retired: re-run after every rotation (a timer line is in the README).
 */
export function publishIssuerDocuments(documents: IssuerDocuments, outDir: string): PublishResult {
  const files = [
    { path: join(outDir, DISCOVERY_PATH), body: documents.discovery.body },
    { path: join(outDir, JWKS_PATH), body: documents.jwks.body },
  ];
  // World-readable on purpose: these are public documents for a static host.
  for (const file of files) writeFileAtomically(file.path, file.body, 0o644);
  return { files: files.map((f) => f.path) };
}
