import type { WebSocket } from 'ws';
import type { AuthPrincipal } from '../auth/auth.service';
import { BoundedQueue } from './bounded-queue';

/** A frame of an event channel (orders, positions) waiting in a client's queue. */
export interface QueuedEvent {
  readonly channel: string;
  readonly frame: string;
}

/**
 * One authenticated /ws connection. Memory is bounded by design: subscriptions are capped; state channels
 * (orderbook, metrics, bot, signals) keep at most one pending frame each (a newer frame replaces an unsent one
 * and counts as a drop); event channels (orders, positions) share one FIFO of at most `maxQueuedEvents` frames,
 * in publication order, where an overflow evicts the oldest frame and counts as a drop (and an event drop). Replies
 * (acks, errors, pongs) wait in a short list of their own; a client that keeps asking without reading them is cut
 * off rather than buffered (see DashboardHub.reply).
 */
export class DashboardClient {
  readonly subscriptions = new Set<string>();
  /** channel → newest unsent frame. */
  readonly pending = new Map<string, string>();
  /** Unsent event frames, oldest first. */
  readonly events: BoundedQueue<QueuedEvent>;
  /** Unsent replies to this client's own messages, oldest first (bounded by the hub). */
  readonly replies: string[] = [];
  /** Whether the last queued reply is a pong, which a newer pong replaces instead of queueing behind. */
  lastReplyIsPong = false;
  sent = 0;
  dropped = 0;
  /** Of `dropped`: event frames evicted from a full queue (the client saw a gap in that channel's `seq`). */
  droppedEvents = 0;
  /** Transport heartbeat: cleared when a ping goes out, set again by the pong. */
  alive = true;

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    /** Claims of the token it connected with: its expiry and password version end the connection (4401). */
    readonly principal: AuthPrincipal,
    readonly connectedAtMs: number,
    maxQueuedEvents: number,
  ) {
    this.events = new BoundedQueue<QueuedEvent>(maxQueuedEvents);
  }

  get subject(): string {
    return this.principal.sub;
  }

  /** Queues `frame` for `channel`, replacing (and counting as dropped) an older frame not yet sent. */
  offer(channel: string, frame: string): void {
    if (this.pending.has(channel)) this.dropped += 1;
    this.pending.set(channel, frame);
  }

  /** Appends an event frame; returns true when the queue was full and its oldest frame was evicted. */
  enqueue(channel: string, frame: string): boolean {
    if (this.events.push({ channel, frame }) === undefined) return false;
    this.dropped += 1;
    this.droppedEvents += 1;
    return true;
  }

  /** Forgets what is still unsent for `channel` (after an unsubscribe: nothing more of it reaches the client). */
  discard(channel: string): void {
    this.pending.delete(channel);
    this.events.removeWhere((queued) => queued.channel === channel);
  }
}
