/** Kinds of unauthenticated security events that are counted rather than audited row by row. */
export type SecurityEventKind = 'login_failed' | 'login_throttled';

/** Counts are kept per client address and per window of this length. */
export const SECURITY_EVENT_WINDOW_MS = 60_000;

/** Address under which counts are kept once `maxKeys` distinct (window, kind, address) keys are pending. */
export const OVERFLOW_ADDRESS = '*';

export interface SecurityEventCount {
  readonly windowStart: Date;
  readonly kind: SecurityEventKind;
  readonly clientAddress: string;
  readonly count: number;
  readonly lastSeen: Date;
}

interface Pending {
  count: number;
  lastSeenMs: number;
}

/**
 * Pending counts between two flushes. Memory is bounded by `maxKeys`: a flood from more distinct addresses than
 * that within one flush period is still counted in full, under OVERFLOW_ADDRESS, so totals stay right.
 */
export class SecurityEventCounter {
  private pending = new Map<string, Pending>();

  constructor(private readonly maxKeys: number) {}

  add(kind: SecurityEventKind, clientAddress: string, atMs: number, count = 1): void {
    const windowStartMs = atMs - (atMs % SECURITY_EVENT_WINDOW_MS);
    let key = `${windowStartMs}|${kind}|${clientAddress.slice(0, 64)}`;
    if (!this.pending.has(key) && this.pending.size >= this.maxKeys) {
      key = `${windowStartMs}|${kind}|${OVERFLOW_ADDRESS}`;
    }
    const entry = this.pending.get(key);
    if (entry) {
      entry.count += count;
      entry.lastSeenMs = Math.max(entry.lastSeenMs, atMs);
    } else {
      this.pending.set(key, { count, lastSeenMs: atMs });
    }
  }

  get size(): number {
    return this.pending.size;
  }

  /** Everything pending, emptied; give it back with `restore` when it could not be stored. */
  take(): SecurityEventCount[] {
    const taken = this.pending;
    this.pending = new Map();
    return [...taken].map(([key, { count, lastSeenMs }]) => {
      const [windowStartMs, kind, ...address] = key.split('|');
      return {
        windowStart: new Date(Number(windowStartMs)),
        kind: kind as SecurityEventKind,
        clientAddress: address.join('|'),
        count,
        lastSeen: new Date(lastSeenMs),
      };
    });
  }

  restore(counts: readonly SecurityEventCount[]): void {
    for (const c of counts) this.add(c.kind, c.clientAddress, c.windowStart.getTime(), c.count);
  }
}
