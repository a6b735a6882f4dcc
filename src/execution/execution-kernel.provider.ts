import { Logger, type Provider } from '@nestjs/common';
import { Clock } from '../common/clock';
import { ExchangeRest } from '../exchange/exchange.port';
import { InstrumentsService } from '../exchange/instruments.service';
import type { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { EventBus } from '../infra/events/event-bus';
import { OrderBookService } from '../order-book/order-book.service';
import { EntryRiskGate } from '../risk/domain/entry-risk-gate';
import { CrashInjector } from './crash-injector';
import type { ExecutionStore } from './domain/execution-store';
import { ExecutionKernel } from './domain/execution-kernel';
import { ExecutionStatsRecorder } from './domain/execution-stats';
import type { Delay, Stopwatch } from './domain/kernel-ports';
import { LivePositions } from './domain/live-positions';
import { TradingPermit } from './domain/trading-permit';
import { EXECUTION_STORE } from './execution-store.token';

/** setTimeout, unref'd: a back-off in flight never keeps the process alive. */
const TIMER_DELAY: Delay = {
  wait: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref()),
};

const PERFORMANCE_STOPWATCH: Stopwatch = { nowMs: () => performance.now() };

/**
 * The live execution kernel: the pure kernel of domain/ bound to PostgreSQL (the execution store), Bybit (the
 * ExchangeRest port), the EventBus, the entry risk gate, the process's TradingPermit, timers and the crash injector.
 * A composition root, not a service: it injects every port the kernel talks to and keeps none of them itself.
 */
export const EXECUTION_KERNEL_PROVIDER: Provider = {
  provide: ExecutionKernel,
  inject: [
    EXECUTION_STORE,
    ExchangeRest,
    Clock,
    EntryRiskGate,
    TradingPermit,
    InstrumentsService,
    OrderBookService,
    EventBus,
    ExecutionStatsRecorder,
    LivePositions,
    CrashInjector,
    APP_CONFIG,
  ],
  useFactory: (
    store: ExecutionStore,
    venue: ExchangeRest,
    clock: Clock,
    risk: EntryRiskGate,
    permit: TradingPermit,
    instruments: InstrumentsService,
    books: OrderBookService,
    events: EventBus,
    stats: ExecutionStatsRecorder,
    live: LivePositions,
    crashPoints: CrashInjector,
    config: AppConfig,
  ) =>
    new ExecutionKernel({
      store,
      venue,
      clock,
      stopwatch: PERFORMANCE_STOPWATCH,
      delay: TIMER_DELAY,
      risk,
      permit,
      instruments,
      books,
      events,
      stats,
      live,
      crashPoints,
      log: new Logger(ExecutionKernel.name),
      settings: { pairs: config.trading.pairs, maxHoldMs: config.risk.maxHoldSeconds * 1000 },
    }),
};
