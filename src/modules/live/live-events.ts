import { GraphQLError } from 'graphql';
import type { Context, Viewer } from '../../context.js';
import { liveUpdatesUnavailable, subscriberTooSlow, tooManySubscriptions, unauthenticated } from '../../lib/errors.js';
import { requireViewer, type Tenant } from '../../lib/tenancy.js';
import { UUID } from '../../lib/validation.js';
import { authenticate } from '../auth/authenticate.js';

/** Where the database announces the changes subscribers hear of (migration live_events). */
export const EVENTS_CHANNEL = 'opsgraph_events';

/** The events, by the names the migration's triggers announce them with. */
const EVENT_KINDS = ['stock', 'purchase_order', 'equipment', 'maintenance_record', 'time_entry', 'inspection'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** A change as announced: its kind, the record's organisation and id, and the user it concerns. */
export type LiveEvent = { kind: EventKind; organisationId: string; id: string; userId: string | null };

/** What a subscription delivers: events, then possibly why it ended. */
export type Delivery = LiveEvent | { ending: GraphQLError };

export type LiveLimits = { maxSubscriptionsPerUser: number; maxQueuedEvents: number };

function parseEvent(payload: string): LiveEvent | undefined {
  let event: Partial<Record<keyof LiveEvent, unknown>>;
  try {
    event = JSON.parse(payload) as typeof event;
  } catch {
    return undefined;
  }
  const { kind, organisationId, id, userId } = event;
  const uuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
  if (!EVENT_KINDS.includes(kind as EventKind) || !uuid(organisationId) || !uuid(id)) return undefined;
  return { kind: kind as EventKind, organisationId, id, userId: uuid(userId) ? userId : null };
}

/** The error the record of a delivery ended with, thrown; or the event itself. */
export function eventOf(delivery: Delivery): LiveEvent {
  if ('ending' in delivery) throw delivery.ending;
  return delivery;
}

const notListening = () => liveUpdatesUnavailable('the server is not listening to its database yet');

/**
 * One subscriber's stream of events: a queue of at most maxQueuedEvents. A client that does not
 * read them (a slow network, a suspended phone) is not buffered for without end: one more event
 * ends its subscription with SUBSCRIBER_TOO_SLOW, and the events waiting are dropped.
 */
class Subscription implements AsyncIterableIterator<Delivery> {
  private readonly queue: Delivery[] = [];
  private waiting: ((result: IteratorResult<Delivery>) => void) | undefined;
  private ended = false;
  private expiry: NodeJS.Timeout | undefined;

  constructor(
    private readonly hub: LiveEvents,
    readonly kind: EventKind,
    readonly viewer: Viewer,
    private readonly tenant: Tenant,
    readonly token: string,
    expiresAt: Date,
    private readonly visible: (event: LiveEvent) => boolean,
  ) {
    this.expireAt(expiresAt);
  }

  /** Checks the token again when it expires: the check then ends the subscription. */
  expireAt(expiresAt: Date): void {
    if (this.ended) return;
    clearTimeout(this.expiry);
    this.expiry = setTimeout(() => void this.hub.recheck([this]), Math.max(0, expiresAt.getTime() - Date.now()));
    this.expiry.unref();
  }

  sees(event: LiveEvent): boolean {
    return (this.tenant.every || this.tenant.organisationId === event.organisationId) && this.visible(event);
  }

  offer(event: LiveEvent): void {
    if (this.ended) return;
    if (this.queue.length >= this.hub.limits.maxQueuedEvents)
      this.end(subscriberTooSlow(this.hub.limits.maxQueuedEvents));
    else this.deliver(event);
  }

  /** Ends the subscription, dropping what waits: with an error the client reads last, or quietly. */
  end(error?: GraphQLError): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.expiry);
    this.hub.remove(this);
    this.queue.length = 0;
    if (error) this.deliver({ ending: error });
    else this.finish();
  }

  private deliver(delivery: Delivery): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting({ value: delivery, done: false });
    else this.queue.push(delivery);
  }

  private finish(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<Delivery>> {
    const delivery = this.queue.shift();
    if (delivery) return Promise.resolve({ value: delivery, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<Delivery>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/**
 * The process' subscribers, and the events it hears from the database (database/notifications.ts):
 * each event goes to the subscribers of its kind in its organisation who may read its record,
 * before anything is loaded. A subscription ends when its token expires or a change to its user's
 * sessions (revoked, deactivated, roles or password changed) fails the token's check, as a request
 * with it would fail; and when the process stops hearing the database, as events may be missed.
 */
export class LiveEvents {
  limits: LiveLimits = { maxSubscriptionsPerUser: 50, maxQueuedEvents: 100 };
  private readonly byKind = new Map<EventKind, Set<Subscription>>(EVENT_KINDS.map((kind) => [kind, new Set()]));
  private readonly byUser = new Map<string, Set<Subscription>>();
  /** Why a subscription is refused now; null while the database is heard. */
  private refusal: GraphQLError | null = notListening();
  private closed = false;

  /** Open subscriptions, by kind of event. */
  counts(): Map<EventKind, number> {
    return new Map([...this.byKind].map(([kind, subscriptions]) => [kind, subscriptions.size]));
  }

  /**
   * A stream of the events of one kind that the viewer of the context may see: in its tenant, and
   * passing `visible` (a rule of the record's own, such as "one's own time, or a manager's").
   */
  subscribe(context: Context, kind: EventKind, visible: (event: LiveEvent) => boolean = () => true) {
    const viewer = requireViewer(context);
    if (this.refusal) throw this.refusal;
    const mine = this.byUser.get(viewer.id) ?? new Set<Subscription>();
    if (mine.size >= this.limits.maxSubscriptionsPerUser) {
      throw tooManySubscriptions('user', this.limits.maxSubscriptionsPerUser);
    }
    const { token, expiresAt } = context.credential!;
    const subscription = new Subscription(this, kind, viewer, context.tenant!, token, expiresAt, visible);
    this.byKind.get(kind)!.add(subscription);
    this.byUser.set(viewer.id, mine.add(subscription));
    return subscription;
  }

  remove(subscription: Subscription): void {
    this.byKind.get(subscription.kind)!.delete(subscription);
    const mine = this.byUser.get(subscription.viewer.id);
    mine?.delete(subscription);
    if (mine?.size === 0) this.byUser.delete(subscription.viewer.id);
  }

  /** A notification on EVENTS_CHANNEL. */
  publish(payload: string): void {
    const event = parseEvent(payload);
    if (!event) return;
    for (const subscription of this.byKind.get(event.kind)!) {
      if (subscription.sees(event)) subscription.offer(event);
    }
  }

  /** A user's sessions, roles or password changed: their subscriptions check their tokens again. */
  userChanged(userId: string): void {
    const mine = this.byUser.get(userId);
    if (mine) void this.recheck([...mine]);
  }

  /** Checks each subscription's token as a request with it would be, once per token. */
  async recheck(subscriptions: Subscription[]): Promise<void> {
    const byToken = new Map<string, Subscription[]>();
    for (const subscription of subscriptions) {
      byToken.set(subscription.token, [...(byToken.get(subscription.token) ?? []), subscription]);
    }
    await Promise.all(
      [...byToken].map(async ([token, sharing]) => {
        let ending: GraphQLError | undefined;
        try {
          const { viewer, expiresAt } = await authenticate(token);
          const before = sharing[0]!.viewer;
          if (
            viewer.organisationId !== before.organisationId ||
            [...viewer.roles].sort().join() !== [...before.roles].sort().join()
          ) {
            ending = unauthenticated('Your account changed since this subscription started: subscribe again.');
          }
          for (const subscription of sharing) subscription.expireAt(expiresAt);
        } catch (error) {
          ending = error instanceof GraphQLError ? error : liveUpdatesUnavailable('the session could not be checked');
        }
        if (ending) for (const subscription of sharing) subscription.end(ending);
      }),
    );
  }

  /** Whether the database's notifications are heard: while not, no subscription is open. */
  setListening(listening: boolean): void {
    if (this.closed) return;
    if (listening) {
      this.refusal = null;
      return;
    }
    this.refusal = notListening();
    this.endAll(liveUpdatesUnavailable('the server lost its database listener, and may have missed changes'));
  }

  /** The process is stopping: ends every subscription, and refuses new ones. */
  close(): void {
    this.closed = true;
    this.refusal = liveUpdatesUnavailable('this server is stopping');
    this.endAll(this.refusal);
  }

  private endAll(error: GraphQLError): void {
    for (const subscriptions of this.byKind.values()) {
      for (const subscription of [...subscriptions]) subscription.end(error);
    }
  }
}

/** The process' one hub: every subscription of every transport, fed by one database listener. */
export const liveEvents = new LiveEvents();

export function configureLiveEvents(limits: LiveLimits): void {
  liveEvents.limits = {
    maxSubscriptionsPerUser: limits.maxSubscriptionsPerUser,
    maxQueuedEvents: limits.maxQueuedEvents,
  };
}
