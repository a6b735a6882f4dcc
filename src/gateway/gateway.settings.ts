/**
 * Tunables of the /ws gateway, provided under GATEWAY_SETTINGS: push periods and the slow-consumer buffer come from
 * the configuration (WS_*), the rest are these defaults.
 */
export interface GatewaySettings {
  /** Timer period: pending payloads of every client are flushed at most this often. */
  readonly tickMs: number;
  /** Per channel kind: how often the source is sampled (orderbook, metrics) or re-pushed (bot). */
  readonly orderbookIntervalMs: number;
  readonly metricsIntervalMs: number;
  readonly botStatusIntervalMs: number;
  /** Levels per side in an orderbook push. */
  readonly orderbookDepth: number;
  /** A client whose socket buffers more than this is a slow consumer: nothing is sent until it drains. */
  readonly maxBufferedBytes: number;
  /**
   * Event frames (orders, positions) queued per client while its socket is backed up; beyond it the oldest frame is
   * dropped (counted, and visible to the client as a `seq` gap). Bounds a slow client's memory like the byte limit.
   */
  readonly maxQueuedEvents: number;
  /**
   * Replies (acks, errors, pongs) queued per client while its socket is backed up; one more and the client, which
   * keeps sending without reading, is closed with 4429.
   */
  readonly maxQueuedReplies: number;
  /** Inbound messages per connection: sustained per second and burst (token bucket); beyond → close 4429. */
  readonly maxMessagesPerSecond: number;
  readonly messageBurst: number;
  /** Open connections per principal (after authentication) and per client address (before); beyond → 4429. */
  readonly maxConnectionsPerPrincipal: number;
  readonly maxConnectionsPerAddress: number;
  /** How often open connections' tokens are checked against the stored password version (other instances). */
  readonly revalidateIntervalMs: number;
  /** Subscriptions one client may hold. */
  readonly maxSubscriptions: number;
  /** Largest client message accepted by the ws server (larger → close 1009). */
  readonly maxPayloadBytes: number;
  /** Messages a client may send while its token is still being verified. */
  readonly maxMessagesBeforeAuth: number;
  /** Transport-level ping; a client that misses one pong is terminated. */
  readonly heartbeatIntervalMs: number;
}

export const GATEWAY_SETTINGS = Symbol('GATEWAY_SETTINGS');

export const DEFAULT_GATEWAY_SETTINGS: GatewaySettings = Object.freeze({
  tickMs: 100,
  orderbookIntervalMs: 100,
  metricsIntervalMs: 100,
  botStatusIntervalMs: 5000,
  orderbookDepth: 20,
  maxBufferedBytes: 1024 * 1024,
  maxQueuedEvents: 256,
  maxQueuedReplies: 32,
  maxMessagesPerSecond: 20,
  messageBurst: 40,
  maxConnectionsPerPrincipal: 16,
  maxConnectionsPerAddress: 16,
  revalidateIntervalMs: 1000,
  maxSubscriptions: 64,
  maxPayloadBytes: 16 * 1024,
  maxMessagesBeforeAuth: 16,
  heartbeatIntervalMs: 30_000,
});
