import { unauthenticated } from './errors.js';
import type { Context, Viewer } from '../context.js';
import { isSuperadmin } from './permissions.js';

export function requireViewer({ viewer }: Context): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/**
 * The organisation every read and every change of existing rows is confined to: the viewer's, or
 * undefined (no filter) for a superadmin. Prisma reads `organisationId: undefined` as no condition.
 */
export function organisationOf(context: Context): string | undefined {
  const viewer = requireViewer(context);
  return isSuperadmin(viewer) ? undefined : viewer.organisationId;
}
