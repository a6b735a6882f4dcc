import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock';
import { CandleMessage, Kline } from '../exchange/exchange.types';
import { ExchangeRest, MarketStream } from '../exchange/exchange.port';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { Candle, CandleSeries } from './domain/candle-series';

const MINUTE_MS = 60_000;
/** Enough history for the slowest indicator (SMA/EMA 50, ADX) to be warm at start, with margin (FEATURES.md). */
export const CANDLE_BACKFILL = 200;

export type ClosedCandleListener = (symbol: string, candle: Candle) => void;

function toCandle(k: {
  start: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  turnover: string;
}): Candle {
  return {
    openTimeMs: k.start,
    open: Number(k.open),
    high: Number(k.high),
    low: Number(k.low),
    close: Number(k.close),
    volume: Number(k.volume),
    turnover: Number(k.turnover),
  };
}

/**
 * 1-minute candles per symbol: back-filled from `/v5/market/kline` whenever the public stream (re)connects, so
 * indicators are warm at start and a disconnection leaves no hole, then extended by `kline.1` pushes.
 */
@Injectable()
export class CandleService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CandleService.name);
  private readonly series = new Map<string, CandleSeries>();
  private readonly listeners: ClosedCandleListener[] = [];
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly market: MarketStream,
    private readonly rest: ExchangeRest,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    for (const symbol of config.trading.pairs) this.series.set(symbol, new CandleSeries(symbol, 1000));
  }

  onModuleInit(): void {
    this.unsubscribes.push(
      this.market.on('candle', (message) => this.onCandle(message)),
      this.market.on('connection', (change) => {
        if (change.state === 'connected') void this.backfillAll();
      }),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  /** Called for every newly closed candle, in order (the feature pipeline subscribes here). */
  onClosed(listener: ClosedCandleListener): void {
    this.listeners.push(listener);
  }

  tracks(symbol: string): boolean {
    return this.series.has(symbol);
  }

  history(symbol: string, limit?: number): Candle[] {
    return this.series.get(symbol)?.history(limit) ?? [];
  }

  current(symbol: string): Candle | undefined {
    return this.series.get(symbol)?.current;
  }

  async backfillAll(): Promise<void> {
    await Promise.all(this.config.trading.pairs.map((symbol) => this.backfill(symbol)));
  }

  private async backfill(symbol: string): Promise<void> {
    const series = this.series.get(symbol);
    if (!series) return;
    let rows: Kline[];
    try {
      rows = await this.rest.getKlines(symbol, '1', { limit: CANDLE_BACKFILL });
    } catch (error) {
      this.logger.warn({ err: error, symbol }, 'candle back-fill failed; indicators warm up from the stream');
      return;
    }
    const now = this.clock.nowMs();
    const closed = rows
      .filter((k) => k.start + MINUTE_MS <= now) // the newest row is the minute still forming
      .sort((a, b) => a.start - b.start);
    let added = 0;
    for (const kline of closed) {
      const candle = toCandle(kline);
      if (series.appendClosed(candle) !== 'duplicate' && series.last === candle) {
        added += 1;
        this.emit(symbol, candle);
      }
    }
    this.logger.log({ symbol, added, total: series.length }, 'candles back-filled');
  }

  private onCandle(message: CandleMessage): void {
    if (message.interval !== '1') return;
    const series = this.series.get(message.symbol);
    if (!series) return;
    const candle = toCandle(message);
    if (!message.confirm) {
      series.updateLive(candle);
      return;
    }
    const accepted = series.appendClosed(candle);
    if (accepted === 'appended' || accepted === 'gap-filled') this.emit(message.symbol, candle);
  }

  private emit(symbol: string, candle: Candle): void {
    for (const listener of this.listeners) listener(symbol, candle);
  }
}
