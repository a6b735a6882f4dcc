import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { BotModule } from '../bot/bot.module';
import { OrderBookModule } from '../order-book/order-book.module';
import { DashboardHub } from './dashboard-hub.service';
import { DashboardGateway } from './dashboard.gateway';
import { DEFAULT_GATEWAY_SETTINGS, GATEWAY_SETTINGS } from './gateway.settings';

/** WS /ws for the dashboard: JWT at connect, channels orderbook/metrics/signals/bot, throttled pushes. */
@Module({
  imports: [AuthModule, OrderBookModule, BotModule],
  providers: [DashboardGateway, DashboardHub, { provide: GATEWAY_SETTINGS, useValue: DEFAULT_GATEWAY_SETTINGS }],
  exports: [DashboardHub],
})
export class GatewayModule {}
