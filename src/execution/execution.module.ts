import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrderBookModule } from '../order-book/order-book.module';
import { SymbolOwnershipModule } from '../ownership/symbol-ownership.module';
import { ExposureSource } from '../risk/domain/exposure-source';
import { RiskModule } from '../risk/risk.module';
import { CrashInjector } from './crash-injector';
import { ExecutionStatsRecorder } from './domain/execution-stats';
import { LivePositions } from './domain/live-positions';
import { OrderEntity } from './entities/order.entity';
import { PositionEntity } from './entities/position.entity';
import { TradeEntity } from './entities/trade.entity';
import { ExecutionReadService } from './execution-read.service';
import { ExecutionService } from './execution.service';
import { OrderRepository } from './order.repository';
import { OrderTracker } from './order-tracker.service';
import { PositionRepository } from './position.repository';
import { ExecutionRecoveryFacade } from './recovery-facade';
import { TradeRepository } from './trade.repository';
import { TradingController } from './trading.controller';
import { TRADING_PERMIT_PROVIDER } from './trading-permit.provider';
import { TypeOrmExecutionStore } from './typeorm-execution.store';
import { EXECUTION_KERNEL_PROVIDER } from './execution-kernel.provider';
import { EXECUTION_STORE } from './execution-store.token';

/**
 * Signals to positions: entries (risk-checked, written ahead, sent once), exits, the exchange's reports driving
 * the order and position state machines, and the /trading read endpoints. The exchange ports, instruments and
 * breakers come from the global ExchangeModule.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([OrderEntity, PositionEntity, TradeEntity]),
    RiskModule,
    OrderBookModule,
    SymbolOwnershipModule,
  ],
  controllers: [TradingController],
  providers: [
    OrderRepository,
    PositionRepository,
    TradeRepository,
    TypeOrmExecutionStore,
    { provide: EXECUTION_STORE, useExisting: TypeOrmExecutionStore },
    { provide: LivePositions, useFactory: () => new LivePositions() },
    // Risk's status report reads the exposure through its own port (no callback pushed into risk).
    { provide: ExposureSource, useExisting: LivePositions },
    { provide: ExecutionStatsRecorder, useFactory: () => new ExecutionStatsRecorder() },
    CrashInjector,
    EXECUTION_KERNEL_PROVIDER,
    OrderTracker,
    ExecutionService,
    ExecutionReadService,
    ExecutionRecoveryFacade,
    TRADING_PERMIT_PROVIDER,
  ],
  // The narrow face: the pipeline's entry points, reads for the API and metrics, recovery's facade, risk's exposure.
  exports: [ExecutionService, ExecutionStatsRecorder, ExecutionReadService, ExecutionRecoveryFacade, ExposureSource],
})
export class ExecutionModule {}
