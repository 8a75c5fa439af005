import pg from 'pg';
import type { Config } from '../../config.js';
import type { RoleName } from '../../generated/prisma/enums.js';

/** What a session check found: the session's user as the database had them, and its end. */
export type CheckedSession = {
  user: {
    id: string;
    organisationId: string;
    isActive: boolean;
    credentialsChangedAt: Date;
    roles: { role: { name: RoleName } }[];
  };
  expiresAt: Date;
};

const CHANNEL = 'opsgraph_sessions';
/** The listener's application_name, as pg_stat_activity shows it. */
export const LISTENER_NAME = 'opsgraph-session-listener';
/** An upper bound on how long a check is trusted, even if a change notification were lost. */
const MAX_AGE_MS = 30_000;
const MAX_ENTRIES = 50_000;
const RECONNECT_DELAYS_MS = [100, 500, 1_000, 5_000];

/**
 * Session checks remembered between requests, so that a request costs one statement fewer.
 *
 * Only while this process listens on the channel the database announces session changes on
 * (migration session_change_notifications): every revocation, deactivation, role or password
 * change makes each listening server forget that user's sessions. Without a working listener
 * (not started, connection lost, embedded PGlite) nothing is remembered and every request checks.
 */
class SessionCache {
  private entries = new Map<string, { session: CheckedSession; checkedAt: number }>();
  private listening = false;
  /** Counts forgets: a check that started before one may have read what it replaced. */
  private generation = 0;

  get enabled(): boolean {
    return this.listening;
  }

  /** key names the session and the user the token claims, as the load checks both. */
  async check(key: string, load: () => Promise<CheckedSession | null>): Promise<CheckedSession | null> {
    const now = Date.now();
    const known = this.listening ? this.entries.get(key) : undefined;
    if (known && now - known.checkedAt < MAX_AGE_MS && known.session.expiresAt.getTime() > now) return known.session;
    const started = this.generation;
    const session = await load();
    if (session && this.listening && this.generation === started) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { session, checkedAt: now });
    } else if (!session) {
      this.entries.delete(key);
    }
    return session;
  }

  /** Forgets a user's sessions: called on a notification, and by this process after it changed them. */
  forgetUser(userId: string): void {
    this.generation++;
    for (const [key, { session }] of this.entries) {
      if (session.user.id === userId) this.entries.delete(key);
    }
  }

  setListening(listening: boolean): void {
    this.generation++;
    this.entries.clear();
    this.listening = listening;
  }
}

export const sessionCache = new SessionCache();

/**
 * Why this process checks the session of every request instead of remembering checks, as the
 * start-up log and /ready say it; undefined while it listens for changes.
 */
export function sessionChecksEveryRequest(
  config: Pick<Config, 'databaseUrl' | 'directDatabaseUrl'>,
): string | undefined {
  if (sessionCache.enabled) return undefined;
  if (!config.databaseUrl) return 'the embedded database has no session change listener';
  if (!config.directDatabaseUrl) {
    return 'DATABASE_URL is behind a transaction pooler, which cannot carry a LISTEN, and DIRECT_DATABASE_URL is not set';
  }
  return 'the session change listener is not connected';
}

/**
 * Listens for session changes on a connection of its own, reconnecting after a failure; session
 * checks are remembered only while it listens.
 */
export function watchSessionChanges(
  url: string,
  log: (message: string) => void,
): { listening: Promise<void>; close(): Promise<void> } {
  let client: pg.Client | undefined;
  let listened: () => void;
  const listening = new Promise<void>((resolve) => (listened = resolve));
  let closed = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  const lost = (which: pg.Client, reason: string) => {
    if (closed || which !== client) return;
    client = undefined;
    if (sessionCache.enabled) log(`session change listener lost (${reason}): checking every request until it is back`);
    sessionCache.setListening(false);
    which.removeAllListeners();
    which.on('error', () => {});
    which.end().catch(() => {});
    const delay = RECONNECT_DELAYS_MS[Math.min(failures++, RECONNECT_DELAYS_MS.length - 1)]!;
    timer = setTimeout(() => void connect(), delay);
  };

  const connect = async () => {
    const next = new pg.Client({ connectionString: url, application_name: LISTENER_NAME });
    client = next;
    next.on('notification', ({ payload }) => payload && sessionCache.forgetUser(payload));
    next.on('error', (error) => lost(next, error.message));
    next.on('end', () => lost(next, 'connection ended'));
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      lost(next, (error as Error).message);
      return;
    }
    if (closed) {
      await next.end();
      return;
    }
    failures = 0;
    sessionCache.setListening(true);
    listened();
  };

  void connect();
  return {
    listening,
    async close() {
      closed = true;
      clearTimeout(timer);
      sessionCache.setListening(false);
      client?.removeAllListeners();
      await client?.end().catch(() => {});
    },
  };
}
