import pg from 'pg';
import { sessionCache, SESSIONS_CHANNEL } from '../modules/auth/session-cache.js';
import { EVENTS_CHANNEL, liveEvents } from '../modules/live/live-events.js';

/** The listener's application_name, as pg_stat_activity shows it. */
export const LISTENER_NAME = 'opsgraph-listener';
const RECONNECT_DELAYS_MS = [100, 500, 1_000, 5_000];

/** What the process does with each channel's notifications. */
const channels: Record<string, (payload: string) => void> = {
  [SESSIONS_CHANNEL]: (userId) => {
    sessionCache.forgetUser(userId);
    liveEvents.userChanged(userId);
  },
  [EVENTS_CHANNEL]: (payload) => liveEvents.publish(payload),
};

const listen = Object.keys(channels)
  .map((channel) => `LISTEN ${channel}`)
  .join('; ');

function hear({ channel, payload }: pg.Notification): void {
  if (payload) channels[channel]?.(payload);
}

export type Listener = { listening: Promise<void>; close(): Promise<void> };

/**
 * Listens to what the database announces (session changes, live events) on a connection of its
 * own, one per process, reconnecting after a failure. While it does not listen, session checks are
 * not remembered, and live updates end and are refused: they could miss a change or a revocation.
 */
export function listenToDatabase(url: string, log: (message: string) => void): Listener {
  let client: pg.Client | undefined;
  let listened: () => void;
  const listening = new Promise<void>((resolve) => (listened = resolve));
  let closed = false;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  const setListening = (state: boolean) => {
    sessionCache.setListening(state);
    liveEvents.setListening(state);
  };

  const lost = (which: pg.Client, reason: string) => {
    if (closed || which !== client) return;
    client = undefined;
    if (sessionCache.enabled) {
      log(`database listener lost (${reason}): checking every session, and no live updates, until it is back`);
    }
    setListening(false);
    which.removeAllListeners();
    which.on('error', () => {});
    which.end().catch(() => {});
    const delay = RECONNECT_DELAYS_MS[Math.min(failures++, RECONNECT_DELAYS_MS.length - 1)]!;
    timer = setTimeout(() => void connect(), delay);
  };

  const connect = async () => {
    const next = new pg.Client({ connectionString: url, application_name: LISTENER_NAME });
    client = next;
    next.on('notification', hear);
    next.on('error', (error) => lost(next, error.message));
    next.on('end', () => lost(next, 'connection ended'));
    try {
      await next.connect();
      await next.query(listen);
    } catch (error) {
      lost(next, (error as Error).message);
      return;
    }
    if (closed) {
      await next.end();
      return;
    }
    failures = 0;
    setListening(true);
    listened();
  };

  void connect();
  return {
    listening,
    async close() {
      closed = true;
      clearTimeout(timer);
      setListening(false);
      client?.removeAllListeners();
      await client?.end().catch(() => {});
    },
  };
}

/**
 * Embedded PGlite has one backend session, shared by every connection to it: a notification
 * arrives on the connection whose transaction committed, and in the embedded server every write
 * goes through the process' own pool. So it is heard there; the session listens from a connection
 * of its own, closed at once (the session keeps listening). Live updates then work as on
 * PostgreSQL, in the one process the data folder allows; session checks are still made on every
 * request.
 */
export async function hearEmbeddedNotifications(url: string, pool: pg.Pool): Promise<Listener> {
  pool.on('connect', (client) => client.on('notification', hear));
  const session = new pg.Client({ connectionString: url });
  await session.connect();
  try {
    await session.query(listen);
  } finally {
    await session.end();
  }
  liveEvents.setListening(true);
  return {
    listening: Promise.resolve(),
    close() {
      liveEvents.setListening(false);
      return Promise.resolve();
    },
  };
}
