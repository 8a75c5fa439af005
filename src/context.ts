import type { RoleName } from './generated/prisma/enums.js';

export type Viewer = {
  id: string;
  organisationId: string;
  sessionId: string;
  roles: RoleName[];
};

/** What a resolver may know about the request it serves. */
export type Context = {
  viewer: Viewer | null;
  client: { ip: string; userAgent: string | null };
};
