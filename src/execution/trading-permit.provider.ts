import type { Provider } from '@nestjs/common';
import { CircuitBreakerRegistry } from '../exchange/resilience/circuit-breaker.registry';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { OrderBookService } from '../order-book/order-book.service';
import { SymbolOwnershipService } from '../ownership/symbol-ownership.service';
import { KillSwitchStore } from '../risk/kill-switch.store';
import { TradingPermit } from './domain/trading-permit';

/** The breaker group of order entry (bybit.constants ENDPOINT_GROUPS). */
const TRADE_GROUP = 'trade';

/** The one TradingPermit of the process, reading its foreign facets straight from their owners. */
export const TRADING_PERMIT_PROVIDER: Provider = {
  provide: TradingPermit,
  inject: [APP_CONFIG, SymbolOwnershipService, KillSwitchStore, CircuitBreakerRegistry, OrderBookService],
  useFactory: (
    config: AppConfig,
    ownership: SymbolOwnershipService,
    killSwitch: KillSwitchStore,
    breakers: CircuitBreakerRegistry,
    books: OrderBookService,
  ) => {
    const bookMaxAgeMs = config.trading.orderbookStaleMs;
    return new TradingPermit({
      leaseHeld: () => ownership.ownsAll(),
      leaseGeneration: () => ownership.generation,
      killSwitchActive: () => killSwitch.active,
      tradeBreakerOpen: () => breakers.state(TRADE_GROUP) === 'OPEN',
      bookFresh: (symbol, nowMs) => books.book(symbol)?.canSignal(nowMs, bookMaxAgeMs) === true,
    });
  },
};
