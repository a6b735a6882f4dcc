/**
 * ExchangeModule wiring. Real: Nest DI, AppConfig, EventBus, the module's providers, the Bybit V5 simulator on a
 * loopback port (test/support/simulator.ts).
 */
import { Test } from '@nestjs/testing';
import { BybitRestClient } from '../../../src/exchange/bybit/bybit.rest-client';
import { ExchangeConnectionService } from '../../../src/exchange/exchange-connection.service';
import { ExchangeModule } from '../../../src/exchange/exchange.module';
import { ExchangeRest, MarketStream } from '../../../src/exchange/exchange.port';
import { EXCHANGE_SETTINGS, ExchangeSettings } from '../../../src/exchange/exchange.settings';
import { CircuitBreakerRegistry } from '../../../src/exchange/resilience/circuit-breaker.registry';
import { loadAppConfig } from '../../../src/infra/config/app-config';
import { ConfigModule } from '../../../src/infra/config/config.module';
import { EventBus } from '../../../src/infra/events/event-bus';
import { EventsModule } from '../../../src/infra/events/events.module';
import { SIM_API_KEY, SIM_API_SECRET, startContractSimulator } from '../../support/simulator';
import { waitFor } from '../../support/wait-for';

describe(ExchangeModule.name, () => {
  it('should wire the ports, connect on start and publish connection events', async () => {
    const simulator = await startContractSimulator();
    const config = loadAppConfig(
      {
        BYBIT_ENV: 'sim',
        APP_PASSWORD: 'a-long-password',
        SECRET_KEY: 'x'.repeat(32),
        TRADING_PAIRS: 'BTCUSDT',
        BYBIT_API_KEY: SIM_API_KEY,
        BYBIT_API_SECRET: SIM_API_SECRET,
      },
      { dotenvPath: false },
    );
    const port = simulator.port;
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        EventsModule,
        ExchangeModule.forRoot({ simPort: port, wsReconnectBaseMs: 50 }),
      ],
    }).compile();
    await moduleRef.init();
    const events: string[] = [];
    const bus = moduleRef.get(EventBus) as unknown as { on(name: string, h: (p: { state: string }) => void): void };
    bus.on('exchange.connection-changed', (p) => void events.push(`connection:${p.state}`));
    try {
      const settings = moduleRef.get<ExchangeSettings>(EXCHANGE_SETTINGS);
      expect(settings.restUrl).toBe(simulator.restUrl);
      expect(settings.wsPublicUrl).toBe(simulator.wsPublicUrl);
      expect(moduleRef.get(ExchangeRest)).toBeInstanceOf(BybitRestClient);
      const sut = moduleRef.get(ExchangeConnectionService);
      // Not ready until the connections are up (the module starts connecting in the background at bootstrap).
      expect(sut.readiness().exchange.status).toBe(sut.status().state === 'running' ? 'up' : 'down');

      // The awaited start signal (the module connects in the background at bootstrap): resolved only once started.
      await sut.whenStarted();
      expect(sut.status().state).not.toBe('stopped');
      await sut.start();
      await waitFor(() => sut.status().state === 'running', 5000, 'both connections');
      expect(sut.status().connections).toEqual({ 'bybit.public': 'connected', 'bybit.private': 'connected' });
      expect(sut.readiness().exchange.status).toBe('up');
      expect(moduleRef.get(MarketStream).state()).toBe('connected');

      moduleRef.get(CircuitBreakerRegistry).reset('trade', 'tester'); // already closed: no event
      const resilience = await sut.resilienceStatus();
      expect(resilience.breakers.map((b) => b.group)).toEqual(['market', 'trade', 'orderQuery', 'position', 'account']);
      expect(resilience.rateLimits.map((r) => r.group)).toEqual([
        'ip',
        'market',
        'trade',
        'orderQuery',
        'position',
        'account',
      ]);

      simulator.control.dropConnections();
      await waitFor(() => events.includes('connection:reconnecting'), 3000, 'reconnecting event');
      await moduleRef.get(EventBus).drain();
    } finally {
      await moduleRef.close();
      await simulator.stop();
    }
  });
});
