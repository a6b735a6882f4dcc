/**
 * The one trading gate: whether this instance may send an order now, and why not. Entries and exits each ask it
 * once, on the caller's turn, and the send asks it again after the write-ahead await.
 *
 * It owns what only execution knows (the bot wants entries; the live picture was reconciled, under which lease
 * acquisition; a reconciliation is running) and reads, at the moment of the question, what others own (the
 * symbol lease and its generation, the kill switch, the trade breaker, the book's freshness). Reading rather
 * than being told is what makes it synchronous: a lease lost a microsecond ago closes it for the very next
 * question, with no event to wait for, and a lease taken again (a new generation) leaves it closed until a
 * reconciliation under that generation grants it.
 */

/** Why the gate is closed. The first three are the bot's operating state, the others its safety rules. */
export type PermitBlock =
  'LEASE_NOT_HELD' | 'NOT_RECONCILED' | 'BOT_STOPPED' | 'KILL_SWITCH_ACTIVE' | 'BREAKER_OPEN' | 'BOOK_STALE';

/** The facets owned elsewhere, read on every question (cheap, synchronous, allocation-free). */
export interface PermitSources {
  /** This instance holds the lease of every configured symbol. */
  leaseHeld(): boolean;
  /** Changes on every acquisition of the lease. */
  leaseGeneration(): number;
  killSwitchActive(): boolean;
  tradeBreakerOpen(): boolean;
  bookFresh(symbol: string, nowMs: number): boolean;
}

/** Not a refusal to record: nobody asked for entries now (stopped, reconciling, or another instance's turn). */
export function isOperationalBlock(block: PermitBlock): boolean {
  return block === 'LEASE_NOT_HELD' || block === 'NOT_RECONCILED' || block === 'BOT_STOPPED';
}

export class TradingPermit {
  private wanted = false;
  /** The lease generation the last successful reconciliation ran under; null before the first. */
  private reconciledGeneration: number | null = null;
  private pauseReason: string | null = 'not reconciled yet';

  constructor(private readonly sources: PermitSources) {}

  /** The bot's start/stop: whether new entries are wanted (exits do not depend on it). */
  setWanted(wanted: boolean): void {
    this.wanted = wanted;
  }

  /** A reconciliation starts (or the lease went): no new entries or exits until granted again. */
  suspend(reason: string): void {
    this.pauseReason = reason;
  }

  /**
   * A reconciliation that started under `generation` succeeded: opens the gate if the lease is still held under
   * that same acquisition; otherwise leaves it closed and answers false.
   */
  grant(generation: number): boolean {
    if (!this.sources.leaseHeld() || this.sources.leaseGeneration() !== generation) return false;
    this.reconciledGeneration = generation;
    this.pauseReason = null;
    return true;
  }

  /** Why new entries and exits are paused ('reconciling', 'not reconciled yet'), null when they are not. */
  get paused(): string | null {
    return this.pauseReason;
  }

  /** This instance holds the symbols' lease (so it tracks their exchange reports, reconciled or not). */
  get leaseHeld(): boolean {
    return this.sources.leaseHeld();
  }

  /** The last successful reconciliation vouches for the lease held now. */
  get reconciled(): boolean {
    return this.reconciledGeneration !== null && this.reconciledGeneration === this.sources.leaseGeneration();
  }

  /**
   * An order already written may be sent: the lease is held under the acquisition the live picture was
   * reconciled in (a reconciliation running in that same acquisition does not stop an order on its way).
   */
  sendBlock(): PermitBlock | null {
    if (!this.sources.leaseHeld()) return 'LEASE_NOT_HELD';
    if (!this.reconciled) return 'NOT_RECONCILED';
    return null;
  }

  /** A new exit may start: as for a send, and no reconciliation running. Kill switch and breaker never stop exits. */
  exitBlock(): PermitBlock | null {
    const block = this.sendBlock();
    if (block !== null) return block;
    return this.pauseReason === null ? null : 'NOT_RECONCILED';
  }

  /** A new entry may start on `symbol`: as for an exit, and the bot wants entries, and every safety rule agrees. */
  entryBlock(symbol: string, nowMs: number): PermitBlock | null {
    const block = this.exitBlock();
    if (block !== null) return block;
    if (!this.wanted) return 'BOT_STOPPED';
    if (this.sources.killSwitchActive()) return 'KILL_SWITCH_ACTIVE';
    if (!this.sources.bookFresh(symbol, nowMs)) return 'BOOK_STALE';
    if (this.sources.tradeBreakerOpen()) return 'BREAKER_OPEN';
    return null;
  }

  /** Entries are wanted and the operating state allows them (the safety rules aside). */
  get trading(): boolean {
    return this.wanted && this.exitBlock() === null;
  }
}
