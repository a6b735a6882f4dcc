import { Logger } from '@nestjs/common';
import { ExchangeError } from './exchange.errors';
import { ExchangeRest } from './exchange.port';
import type { Instrument } from './exchange.types';

/**
 * Instrument filters (tick size, qty step, min qty, min notional) from /v5/market/instruments-info, cached for the
 * configured symbols and refreshed periodically. A failed refresh keeps the previous cache.
 */
export class InstrumentsService {
  private readonly logger = new Logger(InstrumentsService.name);
  private cache = new Map<string, Instrument>();
  private refreshedAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly rest: ExchangeRest,
    private readonly symbols: readonly string[],
    private readonly refreshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Loads the cache now (joins a refresh already in flight). */
  refresh(): Promise<void> {
    this.inFlight ??= this.load().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** First load, then a refresh every refreshMs. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refresh().catch((error: unknown) =>
        this.logger.warn({ err: error }, 'instrument refresh failed; keeping the cached filters'),
      );
    }, this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get(symbol: string): Instrument | undefined {
    return this.cache.get(symbol);
  }

  /** The instrument, or NOT_FOUND-kind error when the symbol is not listed (or not loaded yet). */
  require(symbol: string): Instrument {
    const instrument = this.cache.get(symbol);
    if (!instrument) throw new ExchangeError('BAD_RESPONSE', `No instrument data for ${symbol}`, { fault: 'business' });
    return instrument;
  }

  all(): Instrument[] {
    return [...this.cache.values()];
  }

  get lastRefreshedAt(): number | null {
    return this.refreshedAt;
  }

  private async load(): Promise<void> {
    const instruments = await this.rest.getInstruments(this.symbols);
    const next = new Map<string, Instrument>();
    for (const instrument of instruments)
      if (this.symbols.includes(instrument.symbol)) next.set(instrument.symbol, instrument);
    const missing = this.symbols.filter((s) => !next.has(s));
    if (missing.length > 0) this.logger.warn({ missing }, 'configured symbols not listed by the exchange');
    this.cache = next;
    this.refreshedAt = this.now();
  }
}
