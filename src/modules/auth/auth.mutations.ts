import { z } from 'zod';
import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { primary, system } from '../../db.js';
import {
  AuthenticationError,
  ConflictError,
  googleSignInNotConfigured,
  TooManyAttemptsError,
} from '../../lib/errors.js';
import { DECOY_HASH, hashPassword, verifyPassword } from '../../lib/passwords.js';
import { organisationTenant, requireViewer } from '../../lib/tenancy.js';
import { hashToken, newRefreshToken, refreshTokenExpiry, signAccessToken } from '../../lib/tokens.js';
import { newPassword, validated, validateFields } from '../../lib/validation.js';
import { entity, mutate, mutateAs, type Change, type Tx } from '../../lib/mutation.js';
import { commonErrors, ErrorInterface } from '../common/errors.type.js';
import { changeableUser } from '../user/user.mutations.js';
import { User } from '../user/user.type.js';
import { sessionCache } from './session-cache.js';
import { InvalidGoogleTokenError } from './google-id-token.js';
import { countAttempt, settleSuccess, type Attempt } from './throttle.js';

/** A rotated refresh token presented again this soon is a client's double submit, not a theft. */
const REFRESH_RACE_WINDOW_MS = 10_000;

/**
 * Every refused sign-in that names an account says this, whether the account exists or not: a
 * wrong password, and a Google account that belongs to no active user.
 */
const SIGN_IN_REFUSED = 'The email or password is incorrect.';

builder.objectType(AuthenticationError, {
  name: 'AuthenticationError',
  description:
    'The email and password (or the Google account) do not match an active account, or a refresh token or Google ID token is not valid.',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(TooManyAttemptsError, {
  name: 'TooManyAttemptsError',
  description:
    'Sign-in checks are throttled for this account (password sign-in and change, or Google account) or address.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

type Tokens = {
  userId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
};

const SessionTokens = builder.objectRef<Tokens>('SessionTokens').implement({
  description:
    'Send accessToken as "Authorization: Bearer <token>" (then ask for viewer); exchange refreshToken for new tokens before it expires.',
  fields: (t) => ({
    accessToken: t.exposeString('accessToken'),
    accessTokenExpiresAt: t.expose('accessTokenExpiresAt', { type: 'DateTime' }),
    refreshToken: t.exposeString('refreshToken', { description: 'Single use: refreshing returns a new one.' }),
    refreshTokenExpiresAt: t.expose('refreshTokenExpiresAt', { type: 'DateTime' }),
  }),
});

async function issueTokens(tx: Tx, session: { id: string; userId: string; expiresAt: Date }, refreshToken: string) {
  const user = await tx.user.findUniqueOrThrow({
    where: { id: session.userId },
    select: { credentialsChangedAt: true },
  });
  const access = await signAccessToken({
    userId: session.userId,
    sessionId: session.id,
    credentialsVersion: user.credentialsChangedAt.getTime(),
  });
  return {
    userId: session.userId,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    refreshTokenExpiresAt: session.expiresAt,
  };
}

type SignIn = {
  user: { id: string; organisationId: string };
  attempt: Attempt;
  /** How the user proved who they are, when not by password: kept in the audit event. */
  method?: 'google';
  /** A change that belongs to this sign-in (linking a Google account), in its transaction. */
  link?: (change: Change<undefined>) => Promise<void>;
};

/** Starts a session for a user who has just proved who they are, in their organisation: audited. */
function startSession(context: Context, { user, attempt, method, link }: SignIn) {
  const refreshToken = newRefreshToken();
  return mutateAs(user, organisationTenant(user.organisationId), {
    change: async (change) => {
      const { tx, audit } = change;
      await link?.(change);
      const session = await tx.session.create({
        data: {
          userId: user.id,
          refreshTokenHash: hashToken(refreshToken),
          expiresAt: refreshTokenExpiry(),
          userAgent: context.client.userAgent?.slice(0, 500),
          ipAddress: context.client.ip,
          lastUsedAt: new Date(),
        },
      });
      await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
      await settleSuccess(tx, attempt);
      await audit({
        organisationId: user.organisationId,
        action: 'login',
        entityType: 'Session',
        entityId: session.id,
        after: { ip: session.ipAddress, ...(method ? { method } : {}) },
      });
      return issueTokens(tx, session, refreshToken);
    },
    read: (_tx, tokens) => Promise.resolve(tokens),
  });
}

const LoginFields = builder.inputType('LoginInput', {
  fields: (t) => ({ email: t.string(), password: t.string() }),
});
const LoginRules = validateFields<typeof LoginFields.$inferInput>({
  email: z
    .string()
    .trim()
    .min(1, 'Email is required.')
    .max(254, 'Email must be at most 254 characters.')
    .regex(/^\P{Cc}*$/u, 'Email must not contain control characters.'),
  password: z.string().min(1, 'Password is required.').max(200, 'Password must be at most 200 characters.'),
});

builder.mutationField('login', (t) =>
  t.field({
    type: SessionTokens,
    description: 'Signs in with email and password, starting a session.',
    errors: { types: [...commonErrors, AuthenticationError, TooManyAttemptsError], dataField: { name: 'tokens' } },
    args: { input: t.arg({ type: LoginFields }) },
    resolve: async (_root, args, context) => {
      const input = await validated(LoginRules, args.input);
      // Who the email names is looked up before any tenant is known: the sign-in is no one's yet.
      const user = await system.user.findUnique({ where: { email: input.email } });
      const attempt = await countAttempt(user ? { userId: user.id } : { email: input.email }, context.client.ip);
      const matches = await verifyPassword(input.password, user?.passwordHash ?? DECOY_HASH);
      if (!user || !matches || !user.isActive) throw new AuthenticationError(SIGN_IN_REFUSED);
      return startSession(context, { user, attempt });
    },
  }),
);

const GoogleRules = z.object({
  idToken: z
    .string()
    .min(1, 'The Google ID token is required.')
    .max(8192, 'The Google ID token must be at most 8192 characters.'),
});

const GOOGLE_ATTEMPTS = 'Google sign-in attempts';

builder.mutationField('loginWithGoogle', (t) =>
  t.field({
    type: SessionTokens,
    description:
      "Signs in with a Google ID token (Sign in with Google), starting a session: as the user linked to the Google account, or, the first time, as the active user with the token's verified email, whose account it then links. A Google account no user has is refused, never signed up.",
    errors: { types: [...commonErrors, AuthenticationError, TooManyAttemptsError], dataField: { name: 'tokens' } },
    args: { idToken: t.arg.string({ description: 'The ID token (a JWT) Google gave the client.' }) },
    resolve: async (_root, args, context) => {
      if (!context.google) throw googleSignInNotConfigured();
      const { idToken } = await validated(GoogleRules, args, null);
      const address = context.client.ip;
      let google;
      try {
        google = await context.google.verify(idToken);
      } catch (error) {
        if (!(error instanceof InvalidGoogleTokenError)) throw error;
        // Nobody proved which Google account this is: only the address is charged.
        await countAttempt(null, address, GOOGLE_ATTEMPTS);
        throw new AuthenticationError(error.message);
      }
      const attempt = await countAttempt({ googleSubject: google.subject }, address, GOOGLE_ATTEMPTS);
      if (!google.emailVerified) {
        throw new AuthenticationError("The Google account's email address is not verified.");
      }
      // Who the Google account is, or whose its email is, is looked up before any tenant is known.
      const linked = await system.user.findUnique({ where: { googleId: google.subject } });
      if (linked) {
        if (!linked.isActive) throw new AuthenticationError(SIGN_IN_REFUSED);
        return startSession(context, { user: linked, attempt, method: 'google' });
      }
      const user = await system.user.findUnique({ where: { email: google.email } });
      if (!user || !user.isActive || user.googleId !== null) throw new AuthenticationError(SIGN_IN_REFUSED);
      return startSession(context, {
        user,
        attempt,
        method: 'google',
        link: async ({ tx, audit }) => {
          // Only while the user is still active and unlinked: a concurrent link or deactivation wins.
          const { count } = await tx.user.updateMany({
            where: { id: user.id, isActive: true, googleId: null },
            data: { googleId: google.subject },
          });
          if (count === 0) throw new AuthenticationError(SIGN_IN_REFUSED);
          await audit({
            ...entity('User', user),
            action: 'linkGoogle',
            after: { googleId: google.subject, email: google.email },
          });
        },
      }).catch((error: unknown) => {
        // The Google account was linked to another user meanwhile.
        if (error instanceof ConflictError && error.field === 'googleId')
          throw new AuthenticationError(SIGN_IN_REFUSED);
        throw error;
      });
    },
  }),
);

builder.mutationField('refreshSession', (t) =>
  t.field({
    type: SessionTokens,
    description:
      'Exchanges a refresh token for new tokens. Each refresh token works once: presenting one that was already exchanged ends its session.',
    errors: { types: [...commonErrors, AuthenticationError], dataField: { name: 'tokens' } },
    args: { refreshToken: t.arg.string() },
    resolve: async (_root, { refreshToken }) => {
      const presented = hashToken(refreshToken);
      const next = newRefreshToken();
      const now = new Date();
      const rotated = await system.session.updateManyAndReturn({
        where: { refreshTokenHash: presented, revokedAt: null, expiresAt: { gt: now } },
        data: { refreshTokenHash: hashToken(next), lastUsedAt: now, expiresAt: refreshTokenExpiry(now) },
        include: { user: { select: { organisationId: true, isActive: true } } },
      });
      const session = rotated[0];
      if (!session) {
        const reused = await system.rotatedRefreshToken.findUnique({ where: { tokenHash: presented } });
        if (reused && now.getTime() - reused.rotatedAt.getTime() > REFRESH_RACE_WINDOW_MS) {
          const [revoked] = await system.session.updateManyAndReturn({
            where: { id: reused.sessionId, revokedAt: null },
            data: { revokedAt: now },
            select: { userId: true },
          });
          if (revoked) sessionCache.forgetUser(revoked.userId);
        }
        throw new AuthenticationError(
          reused
            ? 'This refresh token was already used; sign in again if this session has ended.'
            : 'The refresh token is not valid.',
        );
      }
      if (!session.user.isActive) throw new AuthenticationError('The refresh token is not valid.');
      const { organisationId } = session.user;
      return mutateAs({ id: session.userId, organisationId }, organisationTenant(organisationId), {
        change: async ({ tx, audit }) => {
          await tx.rotatedRefreshToken.create({
            data: { sessionId: session.id, tokenHash: presented, rotatedAt: now },
          });
          await audit({ organisationId, action: 'refresh', entityType: 'Session', entityId: session.id });
          return issueTokens(tx, session, next);
        },
        read: (_tx, tokens) => Promise.resolve(tokens),
      });
    },
  }),
);

const RevokedSessions = builder.simpleObject('RevokedSessions', {
  fields: (t) => ({ count: t.int({ description: 'Sessions ended by this call.' }) }),
});

async function revokeSessions(context: Context, where: { id?: string; userId: string }, action: string) {
  return mutate(context, {
    change: async ({ tx, audit }) => {
      const user =
        where.userId === requireViewer(context).id ? undefined : await changeableUser(tx, context, where.userId);
      const { count } = await tx.session.updateMany({
        where: { ...where, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      await audit({
        organisationId: user?.organisationId ?? requireViewer(context).organisationId,
        action,
        entityType: 'User',
        entityId: where.userId,
        after: { revokedSessions: count },
      });
      return { count };
    },
    read: (_tx, revoked) => Promise.resolve(revoked),
  }).finally(() => sessionCache.forgetUser(where.userId));
}

builder.mutationField('logout', (t) =>
  t.field({
    authScopes: { signedIn: true },
    type: RevokedSessions,
    description: "Ends the viewer's current session: its access and refresh tokens stop working.",
    errors: { types: commonErrors, dataField: { name: 'sessions' } },
    resolve: (_root, _args, context) => {
      const viewer = requireViewer(context);
      return revokeSessions(context, { id: viewer.sessionId, userId: viewer.id }, 'logout');
    },
  }),
);

builder.mutationField('logoutEverywhere', (t) =>
  t.field({
    authScopes: { signedIn: true },
    type: RevokedSessions,
    description: "Ends every session of the viewer's, on every device.",
    errors: { types: commonErrors, dataField: { name: 'sessions' } },
    resolve: (_root, _args, context) =>
      revokeSessions(context, { userId: requireViewer(context).id }, 'logoutEverywhere'),
  }),
);

builder.mutationField('revokeUserSessions', (t) =>
  t.field({
    authScopes: { may: 'revokeUserSessions' },
    type: RevokedSessions,
    description: "Ends every session of a user of the viewer's organisation.",
    errors: { types: commonErrors, dataField: { name: 'sessions' } },
    args: { userId: t.arg.globalID({ for: User }) },
    resolve: (_root, { userId }, context) => revokeSessions(context, { userId: userId.id }, 'revokeSessions'),
  }),
);

const ChangePasswordFields = builder.inputType('ChangePasswordInput', {
  fields: (t) => ({ currentPassword: t.string(), newPassword: t.string() }),
});
const ChangePasswordRules = validateFields<typeof ChangePasswordFields.$inferInput>({
  newPassword,
});

builder.mutationField('changePassword', (t) =>
  t.field({
    authScopes: { signedIn: true },
    type: SessionTokens,
    description: "Changes the viewer's password; every other session ends, and this one gets new tokens.",
    errors: {
      types: [...commonErrors, AuthenticationError, TooManyAttemptsError],
      dataField: { name: 'tokens' },
    },
    args: { input: t.arg({ type: ChangePasswordFields }) },
    resolve: async (_root, args, context) => {
      const input = await validated(ChangePasswordRules, args.input);
      const viewer = requireViewer(context);
      const attempt = await countAttempt({ userId: viewer.id });
      const user = await primary.user.findUniqueOrThrow({ where: { id: viewer.id } });
      if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
        throw new AuthenticationError('The current password is incorrect.');
      }
      const passwordHash = await hashPassword(input.newPassword);
      const refreshToken = newRefreshToken();
      return mutate(context, {
        change: async ({ tx, audit }) => {
          const now = new Date();
          await tx.user.update({ where: { id: viewer.id }, data: { passwordHash, credentialsChangedAt: now } });
          await tx.session.updateMany({
            where: { userId: viewer.id, id: { not: viewer.sessionId }, revokedAt: null },
            data: { revokedAt: now },
          });
          const session = await tx.session.update({
            where: { id: viewer.sessionId },
            data: { refreshTokenHash: hashToken(refreshToken), expiresAt: refreshTokenExpiry(now), lastUsedAt: now },
          });
          await settleSuccess(tx, attempt);
          await audit({
            organisationId: viewer.organisationId,
            action: 'changePassword',
            entityType: 'User',
            entityId: viewer.id,
          });
          return issueTokens(tx, session, refreshToken);
        },
        read: (_tx, tokens) => Promise.resolve(tokens),
      }).finally(() => sessionCache.forgetUser(viewer.id));
    },
  }),
);
