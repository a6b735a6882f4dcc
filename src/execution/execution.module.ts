import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrderEntity } from './entities/order.entity';
import { PositionEntity } from './entities/position.entity';
import { TradeEntity } from './entities/trade.entity';
import { OrderRepository } from './order.repository';
import { PositionRepository } from './position.repository';
import { TradeRepository } from './trade.repository';

/**
 * Order, position and execution persistence. The entities stay inside; other modules get the repositories'
 * intention-revealing methods (use cases, recovery and read services are added here as they land).
 */
@Module({
  imports: [TypeOrmModule.forFeature([OrderEntity, PositionEntity, TradeEntity])],
  providers: [OrderRepository, PositionRepository, TradeRepository],
  exports: [OrderRepository, PositionRepository, TradeRepository],
})
export class ExecutionModule {}
