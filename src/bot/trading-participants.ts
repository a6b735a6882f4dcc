import { Injectable, OnModuleInit } from '@nestjs/common';
import { ExchangeConnectionService } from '../exchange/exchange-connection.service';
import { ExecutionService } from '../execution/execution.service';
import { SymbolOwnershipService } from '../ownership/symbol-ownership.service';
import { ReconciliationService } from '../recovery/reconciliation.service';
import { BotLifecycleService } from './bot-lifecycle.service';
import { TradingPipeline } from './trading-pipeline';

/** Registers the trading modules with the bot's lifecycle: they take part in start/stop in this order (stopped in reverse). */
@Injectable()
export class TradingParticipants implements OnModuleInit {
  constructor(
    private readonly lifecycle: BotLifecycleService,
    private readonly ownership: SymbolOwnershipService,
    private readonly exchange: ExchangeConnectionService,
    private readonly pipeline: TradingPipeline,
    private readonly recovery: ReconciliationService,
    private readonly execution: ExecutionService,
  ) {}

  onModuleInit(): void {
    // First: a symbol another instance trades is refused before anything else starts (SPEC §12).
    this.lifecycle.register(this.ownership);
    this.lifecycle.register(this.exchange);
    // Market data → features → signals runs whether or not the bot trades; the participant reports its counters.
    this.lifecycle.register({
      name: 'signals',
      start: async () => undefined,
      stop: async () => undefined,
      status: () => ({ state: 'running', counters: this.pipeline.counters() }),
    });
    // Reconciliation before execution: start() fails unless the database agrees with the exchange.
    this.lifecycle.register(this.recovery);
    this.lifecycle.register(this.execution);
  }
}
