import type { WebSocket } from 'ws';

/**
 * One authenticated /ws connection. Memory is bounded by design: at most one pending frame per subscribed
 * channel (a newer sample replaces an unsent one and counts as a drop), and subscriptions are capped.
 */
export class DashboardClient {
  readonly subscriptions = new Set<string>();
  /** channel → newest unsent frame. */
  readonly pending = new Map<string, string>();
  sent = 0;
  dropped = 0;
  /** Transport heartbeat: cleared when a ping goes out, set again by the pong. */
  alive = true;

  constructor(
    readonly id: number,
    readonly socket: WebSocket,
    readonly subject: string,
    readonly connectedAtMs: number,
  ) {}

  /** Queues `frame` for `channel`, replacing (and counting as dropped) an older frame not yet sent. */
  offer(channel: string, frame: string): void {
    if (this.pending.has(channel)) this.dropped += 1;
    this.pending.set(channel, frame);
  }
}
