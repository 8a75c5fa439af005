import { GraphQLError } from 'graphql';
import type { Context, Viewer } from '../context.js';

export function requireViewer({ viewer }: Context): Viewer {
  if (!viewer) {
    throw new GraphQLError('Sign in to use this API.', {
      extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
    });
  }
  return viewer;
}

/** The organisation every read and write of this request is confined to. */
export function organisationOf(context: Context): string {
  return requireViewer(context).organisationId;
}
