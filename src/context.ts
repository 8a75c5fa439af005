import type { RoleName } from './generated/prisma/enums.js';
import type { Tenant } from './lib/tenancy.js';
import type { GoogleIdTokens } from './modules/auth/google-id-token.js';

export type Viewer = {
  id: string;
  organisationId: string;
  sessionId: string;
  roles: RoleName[];
};

/** What a resolver may know about the request it serves. */
export type Context = {
  viewer: Viewer | null;
  /** The access token the viewer was authenticated by, and its expiry: a subscription checks it again. */
  credential: { token: string; expiresAt: Date } | null;
  /** The organisations the viewer's request may reach; null when signed out. */
  tenant: Tenant | null;
  client: { ip: string; userAgent: string | null };
  /** The app's checker of Google ID tokens (loginWithGoogle); null when Google sign-in is not configured. */
  google: GoogleIdTokens | null;
};
