import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ExchangeRest, PrivateStream } from '../exchange/exchange.port';
import type { WalletBalance } from '../exchange/exchange.types';
import type { OrderBook } from '../order-book/domain/order-book';
import type { Signal } from '../strategy/domain/signal';
import type { SignalOutcome } from './domain/entry-executor';
import { ExecutionKernel } from './domain/execution-kernel';
import { TradingPermit } from './domain/trading-permit';

export type { SignalOutcome } from './domain/entry-executor';

/** Same shape as bot/domain/bot-participant.ts ParticipantStatus (structural: execution does not import bot). */
export interface ExecutionParticipantStatus {
  readonly state: string;
  readonly counters: Readonly<Record<string, number>>;
  readonly details: Readonly<Record<string, unknown>>;
}

const WALLET_MAX_AGE_MS = 5000;
const POLL_INTERVAL_MS = 5000;
const SWEEP_INTERVAL_MS = 250;

/**
 * The execution module's face to the rest of the bot, around the pure ExecutionKernel: the hot-path callbacks
 * the trading pipeline calls (onSignal, onBook), the private-stream wiring, the kernel's timers (the exit sweep,
 * the REST poll of quiet orders), the bot participant (start/stop enable new entries), the wallet, and the live
 * picture's reload for reconciliation. The trading logic itself is the kernel's.
 */
@Injectable()
export class ExecutionService implements OnModuleInit, OnModuleDestroy {
  readonly name = 'execution';
  private readonly logger = new Logger(ExecutionService.name);
  private readonly unsubscribes: Array<() => void> = [];
  private wallet: { readonly balance: WalletBalance; readonly atMs: number } | null = null;
  private poller: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly kernel: ExecutionKernel,
    private readonly privateStream: PrivateStream,
    private readonly rest: ExchangeRest,
    private readonly clock: Clock,
    private readonly permit: TradingPermit,
  ) {}

  onModuleInit(): void {
    this.unsubscribes.push(
      ...this.kernel.connect(this.privateStream),
      this.privateStream.on('wallet', (balance) => this.rememberWallet(balance)),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.stopSweep();
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
  }

  /** The REST fallback for lost pushes and unknown outcomes (ExecutionKernel.pollQuietOrders). */
  pollQuietOrders(): Promise<number> {
    return this.kernel.pollQuietOrders();
  }

  // ---- hot path --------------------------------------------------------------------------------------------

  /** `book`: the symbol's book the caller holds (the pipeline's frame); looked up when the caller has none. */
  onSignal(signal: Signal, done?: (work: Promise<void>) => void, book?: OrderBook): SignalOutcome {
    return this.kernel.onSignal(signal, done, book);
  }

  onBook(symbol: string, book: OrderBook, nowMs: number): void {
    this.kernel.onBook(symbol, book, nowMs);
  }

  // ---- bot participant -------------------------------------------------------------------------------------

  async start(): Promise<void> {
    this.permit.setWanted(true);
  }

  async stop(): Promise<void> {
    this.permit.setWanted(false);
  }

  status(): ExecutionParticipantStatus {
    return {
      state: this.permit.trading ? 'trading' : this.permit.paused ? 'paused' : 'entries-off',
      counters: this.kernel.counters(),
      details: { paused: this.permit.paused, signalOutcomes: this.kernel.signalOutcomes() },
    };
  }

  // ---- reconciliation hooks ----------------------------------------------------------------------------------

  /** No new entries (and no exits) while the database and the exchange are being compared. */
  pauseForReconciliation(): void {
    this.permit.suspend('reconciling');
    this.stopSweep();
  }

  /**
   * Rebuilds the live picture from the database, then grants the trading gate for the lease acquisition
   * `generation` the reconciliation ran under: entries (if the bot is started) and exits run again, unless the
   * lease went (or changed hands) while this awaited. Returns whether trading resumed.
   */
  async resumeAfterReconciliation(generation: number, leverage?: number): Promise<boolean> {
    await this.kernel.reloadLivePositions();
    await this.refreshWallet(leverage).catch((e: unknown) => this.logger.warn({ err: e }, 'wallet refresh failed'));
    if (!this.permit.grant(generation)) return false;
    // The max-hold sweep runs once the live picture has been reconciled, whether or not the bot takes new entries;
    // whether an exit may start is the TradingPermit's answer, asked by each exit.
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.kernel.sweepExits(), SWEEP_INTERVAL_MS);
      this.sweeper.unref();
    }
    if (!this.poller) {
      this.poller = setInterval(() => void this.kernel.pollQuietOrders(), POLL_INTERVAL_MS);
      this.poller.unref();
    }
    return true;
  }

  private stopSweep(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** Waits for every queued order/position update (tests, shutdown). */
  drain(): Promise<void> {
    return this.kernel.drain();
  }

  /** An operator's close (ExecutionKernel.closePosition: the exit path with reason MANUAL). */
  closePosition(id: string): Promise<{ readonly id: string; readonly symbol: string }> {
    return this.kernel.closePosition(id);
  }

  /** The last successful reconciliation ran under the lease acquisition held now. */
  get reconciled(): boolean {
    return this.permit.reconciled;
  }

  // ---- reads -------------------------------------------------------------------------------------------------

  async walletBalance(): Promise<{ readonly balance: WalletBalance; readonly atMs: number }> {
    if (!this.wallet || this.clock.nowMs() - this.wallet.atMs > WALLET_MAX_AGE_MS) await this.refreshWallet();
    return this.wallet!;
  }

  private async refreshWallet(leverage?: number): Promise<void> {
    this.rememberWallet(await this.rest.getWalletBalance('USDT'), leverage);
  }

  private rememberWallet(balance: WalletBalance, leverage?: number): void {
    this.wallet = { balance, atMs: this.clock.nowMs() };
    const usdt = balance.coins.find((c) => c.coin === 'USDT');
    const available = Number(
      balance.totalAvailableBalance || (usdt ? Number(usdt.walletBalance) - Number(usdt.locked) : NaN),
    );
    this.kernel.live.setBalance(Number.isFinite(available) ? available : null, leverage);
  }
}
