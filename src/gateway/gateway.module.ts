import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { BotModule } from '../bot/bot.module';
import { OrderBookModule } from '../order-book/order-book.module';
import { DashboardHub } from './dashboard-hub.service';
import { DashboardGateway } from './dashboard.gateway';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { DEFAULT_GATEWAY_SETTINGS, GATEWAY_SETTINGS, GatewaySettings } from './gateway.settings';

/** WS /ws for the dashboard: JWT at connect, channels orderbook/metrics/signals/bot/orders/positions, throttled pushes. */
@Module({
  imports: [AuthModule, OrderBookModule, BotModule],
  providers: [
    DashboardGateway,
    DashboardHub,
    {
      provide: GATEWAY_SETTINGS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): GatewaySettings => ({
        ...DEFAULT_GATEWAY_SETTINGS,
        // The hub's timer must tick at least as often as the fastest channel.
        tickMs: Math.min(config.gateway.orderbookPushMs, config.gateway.metricsPushMs),
        orderbookIntervalMs: config.gateway.orderbookPushMs,
        metricsIntervalMs: config.gateway.metricsPushMs,
        botStatusIntervalMs: config.gateway.botStatusPushMs,
        maxBufferedBytes: config.gateway.maxBufferedBytes,
        maxMessagesPerSecond: config.gateway.maxMessagesPerSecond,
        messageBurst: config.gateway.messageBurst,
        maxConnectionsPerPrincipal: config.gateway.maxConnectionsPerPrincipal,
        maxConnectionsPerAddress: config.gateway.maxConnectionsPerAddress,
      }),
    },
  ],
  exports: [DashboardHub],
})
export class GatewayModule {}
