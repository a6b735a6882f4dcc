import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ExchangeRest } from '../exchange/exchange.port';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';

/** How long one reading of the exchange answers GET /trading/risk-status (a dashboard polls it every few seconds). */
export const ACCOUNT_LEVERAGE_MAX_AGE_MS = 5_000;

export interface AccountLeverage {
  /** Per configured symbol, as the exchange reports it for that symbol's position (even when flat); null: unknown. */
  readonly bySymbol: Readonly<Record<string, number | null>>;
  /** USDT equity (wallet balance + unrealised PnL) as a decimal string; null: unknown. */
  readonly equityUsdt: string | null;
}

/**
 * What the account really trades at, read from the exchange for the status endpoint (off the hot path): the
 * leverage set per symbol (Bybit answers a flat position too when asked by symbol; the reconciliation's list by
 * settle coin only holds open positions, so before the first position the trading core does not know it) and
 * the equity. A failed read keeps the last known figures.
 */
@Injectable()
export class AccountLeverageReader {
  private readonly logger = new Logger(AccountLeverageReader.name);
  private last: AccountLeverage;
  private readAtMs = Number.NEGATIVE_INFINITY;
  private reading?: Promise<AccountLeverage>;

  constructor(
    private readonly rest: ExchangeRest,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.last = { bySymbol: Object.fromEntries(config.trading.pairs.map((s) => [s, null])), equityUsdt: null };
  }

  /**
   * The first call waits for the exchange; later ones answer at once with the last reading and refresh it in the
   * background when it is older than ACCOUNT_LEVERAGE_MAX_AGE_MS, so a slow exchange never slows the status page.
   */
  read(): Promise<AccountLeverage> {
    if (this.clock.nowMs() - this.readAtMs < ACCOUNT_LEVERAGE_MAX_AGE_MS) return Promise.resolve(this.last);
    this.reading ??= this.readExchange().finally(() => (this.reading = undefined));
    return Number.isFinite(this.readAtMs) ? Promise.resolve(this.last) : this.reading;
  }

  private async readExchange(): Promise<AccountLeverage> {
    const pairs = this.config.trading.pairs;
    const [positions, wallet] = await Promise.all([
      Promise.allSettled(pairs.map((symbol) => this.rest.getPositions(symbol))),
      this.rest.getWalletBalance('USDT').then(
        (balance) => balance,
        (error: unknown) => this.failed('wallet balance', error),
      ),
    ]);
    const bySymbol: Record<string, number | null> = {};
    pairs.forEach((symbol, i) => {
      const answer = positions[i];
      if (answer.status === 'rejected') this.failed(`position of ${symbol}`, answer.reason);
      const held = answer.status === 'fulfilled' ? answer.value.find((p) => p.symbol === symbol) : undefined;
      const leverage = held === undefined ? Number.NaN : Number(held.leverage);
      bySymbol[symbol] = leverage >= 1 && Number.isFinite(leverage) ? leverage : (this.last.bySymbol[symbol] ?? null);
    });
    const usdt = wallet?.coins.find((c) => c.coin === 'USDT');
    const equity = usdt?.equity || wallet?.totalEquity || '';
    this.last = { bySymbol, equityUsdt: equity === '' ? this.last.equityUsdt : equity };
    this.readAtMs = this.clock.nowMs();
    return this.last;
  }

  private failed(what: string, error: unknown): undefined {
    this.logger.warn({ err: error }, `risk status: could not read the ${what} from the exchange`);
    return undefined;
  }
}
